package dev.tern.core.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal SMTP client for injecting one message into Tern in tests (no pipelining). */
final class RawSmtp {
    private RawSmtp() {}

    /** The reply to the final dot, and {@link System#nanoTime()} when the final dot was sent. */
    record Sent(String reply, long dataEndNanos) {}

    /** Sends one message (CRLF lines, no leading dots) and returns the reply to the final dot. */
    static String send(InetSocketAddress to, String from, String rcpt, String message) throws IOException {
        return sendTimed(to, from, rcpt, message).reply();
    }

    /** Sends one message with {@code mailParameters} on MAIL FROM (e.g. {@code BODY=8BITMIME SMTPUTF8}). */
    static String send(InetSocketAddress to, String from, String mailParameters, String rcpt, String message)
            throws IOException {
        return sendTimed(to, from, mailParameters, rcpt, message).reply();
    }

    /** Sends one message and also tells when its final dot went out. */
    static Sent sendTimed(InetSocketAddress to, String from, String rcpt, String message) throws IOException {
        return sendTimed(to, from, "", rcpt, message);
    }

    private static Sent sendTimed(InetSocketAddress to, String from, String mailParameters, String rcpt, String message)
            throws IOException {
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            reply(in, "220");
            command(out, in, "EHLO injector.test", "250");
            command(
                    out,
                    in,
                    "MAIL FROM:<" + from + ">" + (mailParameters.isEmpty() ? "" : " " + mailParameters),
                    "250");
            command(out, in, "RCPT TO:<" + rcpt + ">", "250");
            command(out, in, "DATA", "354");
            out.write((message + ".\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            long dataEnd = System.nanoTime();
            String last = reply(in, "250");
            command(out, in, "QUIT", "221");
            return new Sent(last, dataEnd);
        }
    }

    private static void command(OutputStream out, BufferedReader in, String line, String expect) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        reply(in, expect);
    }

    private static String reply(BufferedReader in, String expect) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed, expected " + expect);
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(expect)) throw new IOException("expected " + expect + ", got: " + line);
        return line;
    }
}
