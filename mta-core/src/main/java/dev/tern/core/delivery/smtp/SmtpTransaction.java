package dev.tern.core.delivery.smtp;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One mail transaction: envelope and message.
 *
 * @param mailFrom   the reverse path without angle brackets ("" for the null sender)
 * @param recipients the forward paths, at least one
 * @param message    the message in CRLF lines, not dot-stuffed (the client stuffs); a missing final
 *                   CRLF is added on the wire; bare LF is sent as it is (no conversion); with a
 *                   {@code tail}, the first part of the message only
 * @param tail       the rest of the message in a file, read in chunks while it is sent (a large
 *                   spooled body), or null
 * @param eightBit   the message has 8-bit content: BODY=8BITMIME is sent when the server offers it;
 *                   when it does not, the transaction fails locally with a permanent 554 5.6.3 reply
 *                   (no 7-bit conversion)
 * @param smtpUtf8   the envelope or headers need SMTPUTF8: sent when offered, otherwise the transaction
 *                   fails locally with a permanent 553 5.6.7 reply
 */
public record SmtpTransaction(
        String mailFrom, List<String> recipients, byte[] message, Tail tail, boolean eightBit, boolean smtpUtf8) {
    /** The rest of a message: {@code size} bytes in {@code file}. */
    public record Tail(Path file, long size) {}

    public SmtpTransaction(
            String mailFrom, List<String> recipients, byte[] message, boolean eightBit, boolean smtpUtf8) {
        this(mailFrom, recipients, message, null, eightBit, smtpUtf8);
    }

    /** Size of the whole message in bytes (before dot-stuffing). */
    public long size() {
        return message.length + (tail == null ? 0 : tail.size());
    }

    public SmtpTransaction {
        Objects.requireNonNull(mailFrom, "mailFrom");
        Objects.requireNonNull(message, "message");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("no recipients");
        for (String r : recipients) {
            if (r.indexOf('\r') >= 0 || r.indexOf('\n') >= 0) throw new IllegalArgumentException("bad recipient " + r);
        }
        if (mailFrom.indexOf('\r') >= 0 || mailFrom.indexOf('\n') >= 0)
            throw new IllegalArgumentException("bad sender");
    }

    /** A 7-bit ASCII transaction. */
    public static SmtpTransaction of(String mailFrom, List<String> recipients, byte[] message) {
        return new SmtpTransaction(mailFrom, recipients, message, false, false);
    }
}
