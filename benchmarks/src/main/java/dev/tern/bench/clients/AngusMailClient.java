package dev.tern.bench.clients;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Jakarta Mail (Eclipse Angus, its reference implementation) against one SMTP server, for
 * {@code bin/tern bench clients}: {@code WARMUP} messages (not timed: JIT), then {@code N} timed
 * ones, all over one connection ({@link Transport#sendMessage} on a connected transport; Angus
 * does not pipeline). Every message is the same raw text from {@code MESSAGE_FILE}, parsed once and
 * written unchanged; the envelope recipient differs per message.
 *
 * <p>usage: {@code AngusMailClient HOST PORT N WARMUP MESSAGE_FILE [tls-auth USER PASS]}; prints
 * {@code RESULT client=angus-mail mode=... sent=N failed=F seconds=S rate=R}; exit status 1 when a
 * message failed.
 */
public final class AngusMailClient {
    private AngusMailClient() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: AngusMailClient HOST PORT N WARMUP MESSAGE_FILE [tls-auth USER PASS]");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        int warm = Integer.parseInt(args[3]);
        byte[] raw = Files.readAllBytes(Path.of(args[4]));
        boolean tlsAuth = args.length >= 8 && args[5].equals("tls-auth");
        Properties p = new Properties();
        p.put("mail.smtp.host", host);
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.localhost", "client.bench.localdomain");
        p.put("mail.smtp.from", "sender@bench.localdomain");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "60000");
        if (tlsAuth) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
            p.put("mail.smtp.ssl.trust", "*"); // the benchmark's self-signed certificate
            p.put("mail.smtp.auth", "true");
        }
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(raw));
        int failed = 0;
        try (Transport t = session.getTransport("smtp")) {
            if (tlsAuth) t.connect(host, port, args[6], args[7]);
            else t.connect();
            failed += send(t, message, 0, warm);
            long start = System.nanoTime();
            failed += send(t, message, warm, n);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "RESULT client=angus-mail mode=%s sent=%d failed=%d seconds=%.3f rate=%.1f%n",
                    tlsAuth ? "tls-auth" : "plain", n, failed, seconds, n / seconds);
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    private static int send(Transport t, MimeMessage message, int offset, int count) {
        int failed = 0;
        for (int i = offset; i < offset + count; i++) {
            try {
                t.sendMessage(message, new Address[] {new InternetAddress("rcpt-" + i + "@example.test")});
            } catch (MessagingException e) {
                if (++failed <= 3) System.err.println("send " + i + ": " + e.getMessage());
            }
        }
        return failed;
    }
}
