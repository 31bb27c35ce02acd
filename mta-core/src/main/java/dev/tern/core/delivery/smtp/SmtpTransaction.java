package dev.tern.core.delivery.smtp;

import java.util.List;
import java.util.Objects;

/**
 * One mail transaction: envelope and message.
 *
 * @param mailFrom   the reverse path without angle brackets ("" for the null sender)
 * @param recipients the forward paths, at least one
 * @param message    the message in CRLF lines, not dot-stuffed (the client stuffs); a missing final
 *                   CRLF is added on the wire; bare LF is sent as it is (no conversion)
 * @param eightBit   the message has 8-bit content: BODY=8BITMIME is sent when the server offers it;
 *                   when it does not, the message is still sent unchanged (no 7-bit conversion)
 * @param smtpUtf8   the envelope or headers need SMTPUTF8: sent when offered, otherwise the transaction
 *                   fails locally with a permanent 553 5.6.7 reply
 */
public record SmtpTransaction(
        String mailFrom, List<String> recipients, byte[] message, boolean eightBit, boolean smtpUtf8) {
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
