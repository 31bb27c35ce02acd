package dev.tern.core.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.config.TernConfig;
import dev.tern.core.testing.TestConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Test configuration on loopback, the event log as JSON, and a blocking SMTP client that can bind a chosen loopback address. */
final class FeedbackFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FeedbackFixture() {}

    static TernConfig config(Path dir, int sinkPort, String extraYaml) {
        return TestConfig.routedTo(dir, sinkPort, extraYaml);
    }

    static List<JsonNode> events(Path file) {
        return TestConfig.events(file);
    }

    static List<JsonNode> events(Path file, String type) throws IOException {
        return events(file).stream()
                .filter(e -> e.get("type").asText().equals(type))
                .toList();
    }

    static byte[] message(String from, String to, String extraHeaders, String body) {
        return ("From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: hello\r\nMessage-ID: <" + Math.abs(to.hashCode())
                        + "." + System.nanoTime() + "@inject.test>\r\n" + extraHeaders + "\r\n" + body + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A plain blocking SMTP client, one command at a time. */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        Client(InetSocketAddress server) throws IOException {
            this(server, null);
        }

        /** Connects from {@code localAddress} (e.g. 127.0.0.2, to be a client outside relay_from). */
        Client(InetSocketAddress server, String localAddress) throws IOException {
            socket = new Socket();
            if (localAddress != null) socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            socket.connect(server, 5000);
            socket.setSoTimeout(30_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
            reply();
            command("EHLO client.test");
        }

        String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return reply();
        }

        /** MAIL, RCPTs, DATA: the first reply that is not positive, else the final reply. */
        String send(String from, List<String> rcpts, byte[] message) throws IOException {
            String r = command("MAIL FROM:<" + from + ">");
            if (!r.startsWith("250")) return r;
            String last = null;
            boolean any = false;
            for (String rcpt : rcpts) {
                last = command("RCPT TO:<" + rcpt + ">");
                any |= last.startsWith("250");
                if (!last.startsWith("250")) break;
            }
            if (!any || !last.startsWith("250")) {
                command("RSET");
                return last;
            }
            r = command("DATA");
            if (!r.startsWith("354")) return r;
            var b = new java.io.ByteArrayOutputStream();
            boolean lineStart = true;
            for (byte c : message) {
                if (lineStart && c == '.') b.write('.');
                b.write(c);
                lineStart = c == '\n';
            }
            if (message[message.length - 1] != '\n') b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(b.toByteArray());
            out.flush();
            String end = reply();
            if (!end.startsWith("250")) command("RSET"); // SubEthaSMTP keeps the transaction after a refused DATA
            return end;
        }

        private String reply() throws IOException {
            StringBuilder sb = new StringBuilder();
            String line;
            do {
                line = in.readLine();
                if (line == null) throw new IOException("connection closed after " + sb);
                if (sb.length() > 0) sb.append('\n');
                sb.append(line);
            } while (line.length() > 3 && line.charAt(3) == '-');
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            try {
                command("QUIT");
            } catch (IOException ignored) {
                // closed already
            }
            socket.close();
        }
    }
}
