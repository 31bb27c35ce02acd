package dev.tern.testkit.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A message a {@link SmtpSink} accepted.
 *
 * @param mailFrom        the reverse path (without angle brackets, "" for the null sender)
 * @param recipients      the accepted recipients, in order
 * @param data            the bytes between DATA and the final dot, dot-unstuffed, exactly as
 *                        transmitted (the CRLF before the final dot belongs to the data)
 * @param connectionId    the sink's id of the connection that carried it
 * @param receivedAtNanos {@link System#nanoTime()} when the final dot arrived
 * @param tls             whether the message came over TLS
 */
public record ReceivedMessage(
        String mailFrom, List<String> recipients, byte[] data, int connectionId, long receivedAtNanos, boolean tls) {

    public ReceivedMessage {
        recipients = List.copyOf(recipients);
    }

    /** The data decoded as UTF-8 (for assertions). */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }
}
