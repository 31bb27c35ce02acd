package dev.tern.bench.load;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The DATA of a benchmark message of about {@code size} bytes: a few headers that differ per
 * message (To, Message-ID) and a shared body of 76-character lines, ending with the final dot.
 * No body line starts with a dot, so no dot-stuffing is needed.
 */
final class MessageTemplate {
    private static final int LINE = 76;

    private final String from;
    private final String date;
    private final byte[] body;

    MessageTemplate(String from, int size) {
        this.from = from;
        this.date = ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME);
        int headerEstimate = 220;
        int bodySize = Math.max(LINE + 2, size - headerEstimate);
        ByteArrayOutputStream b = new ByteArrayOutputStream(bodySize + 16);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
        int n = 0;
        while (b.size() + LINE + 2 <= bodySize) {
            for (int k = 0; k < LINE; k++) b.write(alphabet.charAt((n * 7 + k) % alphabet.length()));
            b.write('\r');
            b.write('\n');
            n++;
        }
        b.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        this.body = b.toByteArray();
    }

    /** Headers, blank line, body and the terminating ".\r\n" of message number {@code i}. */
    byte[] render(long i, String rcpt) {
        String headers = "From: <" + from + ">\r\n"
                + "To: <" + rcpt + ">\r\n"
                + "Subject: benchmark message " + i + "\r\n"
                + "Date: " + date + "\r\n"
                + "Message-ID: <" + i + "." + System.identityHashCode(this) + "@bench.localdomain>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
        byte[] h = headers.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }
}
