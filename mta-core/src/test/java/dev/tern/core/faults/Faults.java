package dev.tern.core.faults;

import dev.tern.core.config.TernConfig;
import dev.tern.core.testing.TestConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Configurations for in-process Tern on loopback and a plain SMTP injector that books what got a 250. */
final class Faults {
    private Faults() {}

    /** Spool and event log under {@code dir}, ephemeral loopback listeners; {@code yaml} adds sections. */
    static TernConfig config(Path dir, String yaml) {
        return config(dir, "1MiB", yaml);
    }

    /**
     * The same with a free-space floor for the spool ({@code spool.min_free_disk}); an
     * {@code events:} section in {@code yaml} replaces the default one (it must log to {@link #eventLog}).
     */
    static TernConfig config(Path dir, String minFreeDisk, String yaml) {
        String spool = "spool: { directory: \"%s\", min_free_disk: %s, sync: false }\n"
                .formatted(dir.resolve("spool"), minFreeDisk);
        return TestConfig.of(dir, false, spool + yaml);
    }

    static Path eventLog(Path dir) {
        return TestConfig.eventLog(dir);
    }

    /** One SMTP connection to Tern's injection listener; recipients of messages answered 250 go to {@link #accepted}. */
    static final class Injector implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;
        final Set<String> accepted;

        Injector(InetSocketAddress address, Set<String> accepted) throws IOException {
            this.accepted = accepted;
            socket = new Socket();
            socket.connect(address, 5000);
            socket.setSoTimeout(30_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
            expect(reply(), "220");
            write("EHLO injector.test");
            expect(reply(), "250");
        }

        Injector(InetSocketAddress address) throws IOException {
            this(address, ConcurrentHashMap.newKeySet());
        }

        /**
         * Sends one message to {@code rcpts} with MAIL, RCPT and DATA pipelined; returns the final
         * reply (or the first refusal). Only a 250 at the end of DATA books the recipients accepted.
         */
        String send(List<String> rcpts, String subject) throws IOException {
            StringBuilder cmds = new StringBuilder("MAIL FROM:<sender@inject.test>\r\n");
            for (String r : rcpts) cmds.append("RCPT TO:<").append(r).append(">\r\n");
            cmds.append("DATA\r\n");
            write(cmds.toString().stripTrailing());
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < rcpts.size() + 2; i++) replies.add(reply());
            String data = replies.getLast();
            if (!data.startsWith("354")) {
                return replies.stream()
                        .filter(r -> !r.startsWith("2"))
                        .findFirst()
                        .orElse(data);
            }
            List<String> ok = new ArrayList<>();
            for (int i = 0; i < rcpts.size(); i++) if (replies.get(i + 1).startsWith("250")) ok.add(rcpts.get(i));
            write("From: <sender@inject.test>\r\nTo: <" + rcpts.getFirst() + ">\r\nSubject: " + subject
                    + "\r\nMessage-ID: <" + subject + "@inject.test>\r\n\r\nbody of " + subject + "\r\n.");
            String fin = reply();
            if (fin.startsWith("250")) accepted.addAll(ok);
            return fin;
        }

        private void write(String lines) throws IOException {
            out.write((lines + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private String reply() throws IOException {
            String line;
            StringBuilder all = new StringBuilder();
            do {
                line = in.readLine();
                if (line == null) throw new IOException("connection closed after " + all);
                all.append(line).append('\n');
            } while (line.length() > 3 && line.charAt(3) == '-');
            return line;
        }

        private static void expect(String reply, String code) throws IOException {
            if (!reply.startsWith(code)) throw new IOException("expected " + code + ", got " + reply);
        }

        @Override
        public void close() throws IOException {
            try {
                write("QUIT");
                reply();
            } catch (IOException ignored) {
                // gone already
            }
            socket.close();
        }
    }
}
