package dev.tern.core.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A plain blocking SMTP client for injecting test mail (one command at a time, or pipelined). */
final class TestInjector implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    final String banner;
    final List<String> ehlo;

    TestInjector(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(30_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        out = socket.getOutputStream();
        banner = reply();
        ehlo = command("EHLO injector.test");
    }

    /** Sends one command line and returns the reply lines. */
    List<String> command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return replyLines();
    }

    /** A whole transaction; returns the final reply line (after DATA) or the first failing one. */
    String send(String from, List<String> rcpts, byte[] message) throws IOException {
        String r = command("MAIL FROM:<" + from + ">").get(0);
        if (!r.startsWith("250")) return r;
        boolean any = false;
        String lastRcpt = null;
        for (String rcpt : rcpts) {
            lastRcpt = command("RCPT TO:<" + rcpt + ">").get(0);
            any |= lastRcpt.startsWith("250");
        }
        if (!any) {
            command("RSET");
            return lastRcpt;
        }
        r = command("DATA").get(0);
        if (!r.startsWith("354")) return r;
        out.write(stuff(message));
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply();
    }

    /** Sends MAIL, RCPTs and DATA in one write (RFC 2920) and returns all replies in order. */
    List<String> sendPipelined(String from, List<String> rcpts, byte[] message) throws IOException {
        StringBuilder sb = new StringBuilder("MAIL FROM:<" + from + ">\r\n");
        for (String r : rcpts) sb.append("RCPT TO:<").append(r).append(">\r\n");
        sb.append("DATA\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < rcpts.size() + 2; i++) replies.add(reply());
        if (replies.get(replies.size() - 1).startsWith("354")) {
            out.write(stuff(message));
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            replies.add(reply());
        }
        return replies;
    }

    static byte[] stuff(byte[] message) {
        var b = new java.io.ByteArrayOutputStream(message.length + 64);
        boolean lineStart = true;
        for (byte c : message) {
            if (lineStart && c == '.') b.write('.');
            b.write(c);
            lineStart = c == '\n';
        }
        if (message.length > 0 && message[message.length - 1] != '\n')
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    private String reply() throws IOException {
        List<String> lines = replyLines();
        return String.join("\n", lines);
    }

    private List<String> replyLines() throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed; got " + lines);
            lines.add(line);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return lines;
    }

    @Override
    public void close() throws IOException {
        try {
            command("QUIT");
        } catch (IOException ignored) {
            // already closed
        }
        socket.close();
    }
}
