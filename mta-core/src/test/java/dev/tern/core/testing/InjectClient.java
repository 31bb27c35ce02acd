package dev.tern.core.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A plain blocking SMTP client for injecting test mail (one command at a time, or pipelined), from a chosen loopback address. */
public final class InjectClient implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    /** The server's reply to EHLO (lines joined by '\n'). */
    public final String ehlo;

    public InjectClient(InetSocketAddress server) throws IOException {
        this(server, null);
    }

    /** Connects from {@code localAddress} (e.g. 127.0.0.2, to be a client outside relay_from). */
    public InjectClient(InetSocketAddress server, String localAddress) throws IOException {
        socket = new Socket();
        if (localAddress != null) socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
        socket.connect(server, 5000);
        socket.setSoTimeout(30_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        out = socket.getOutputStream();
        reply();
        ehlo = command("EHLO client.test");
    }

    /** Sends one command line; returns the reply (lines joined by '\n'). */
    public String command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return reply();
    }

    /** {@link #send(String, List, byte[])} of a message in ISO-8859-1. */
    public String send(String from, List<String> rcpts, String message) throws IOException {
        return send(from, rcpts, message.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** MAIL, RCPTs, DATA: the first reply that is not positive (then RSET), else the final reply. */
    public String send(String from, List<String> rcpts, byte[] message) throws IOException {
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
        writeData(message);
        String end = reply();
        if (!end.startsWith("250")) command("RSET"); // SubEthaSMTP keeps the transaction after a refused DATA
        return end;
    }

    /** MAIL, RCPTs and DATA in one write (RFC 2920), then the message if DATA got 354: every reply in order. */
    public List<String> sendPipelined(String from, List<String> rcpts, byte[] message) throws IOException {
        StringBuilder sb = new StringBuilder("MAIL FROM:<" + from + ">\r\n");
        for (String r : rcpts) sb.append("RCPT TO:<").append(r).append(">\r\n");
        sb.append("DATA\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < rcpts.size() + 2; i++) replies.add(reply());
        if (replies.getLast().startsWith("354")) {
            writeData(message);
            replies.add(reply());
        }
        return replies;
    }

    /** The message dot-stuffed, ending in CRLF, and the final dot. */
    private void writeData(byte[] message) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(message.length + 64);
        boolean lineStart = true;
        for (byte c : message) {
            if (lineStart && c == '.') b.write('.');
            b.write(c);
            lineStart = c == '\n';
        }
        if (message.length > 0 && message[message.length - 1] != '\n')
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(b.toByteArray());
        out.flush();
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
