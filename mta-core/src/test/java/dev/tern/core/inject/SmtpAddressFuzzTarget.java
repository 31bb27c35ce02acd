package dev.tern.core.inject;

import java.nio.charset.StandardCharsets;
import org.subethamail.smtp.RejectException;

/**
 * Fuzz target for the RFC 5321 address parser ({@link SmtpAddress}) used at MAIL FROM and RCPT TO.
 * Properties: {@code parse} returns an address or throws {@link SmtpAddress.InvalidAddressException},
 * nothing else; an address it returns prints back to the same text and parses again to itself, within
 * the RFC length limits; {@code checkRecipient}/{@code checkSender} accept exactly what {@code parse}
 * accepts (and {@code <>} as sender) or refuse with 501/553 and the right enhanced code, and a refusal
 * never carries a CR or LF into the reply (no reply injection).
 */
public final class SmtpAddressFuzzTarget {
    private SmtpAddressFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        SmtpAddress parsed;
        try {
            parsed = SmtpAddress.parse(text);
        } catch (SmtpAddress.InvalidAddressException e) {
            parsed = null;
        }
        if (parsed != null) {
            if (!parsed.toString().equals(text))
                throw new IllegalStateException("prints as " + parsed + ", parsed from " + text);
            int octets = text.getBytes(StandardCharsets.UTF_8).length;
            if (octets + 2 > SmtpAddress.MAX_PATH)
                throw new IllegalStateException("accepted a path of " + octets + " octets");
            try {
                if (!SmtpAddress.parse(parsed.toString()).equals(parsed))
                    throw new IllegalStateException("not stable: " + text);
            } catch (SmtpAddress.InvalidAddressException e) {
                throw new IllegalStateException("accepted, then refused its own print: " + text, e);
            }
        }
        check(text, true);
        check(text, false);
    }

    private static void check(String text, boolean recipient) {
        String trimmed = text.trim();
        boolean valid;
        try {
            SmtpAddress.parse(trimmed);
            valid = true;
        } catch (SmtpAddress.InvalidAddressException e) {
            valid = !recipient && trimmed.isEmpty();
        }
        try {
            String r = recipient ? SmtpAddress.checkRecipient(text) : SmtpAddress.checkSender(text);
            if (!valid)
                throw new IllegalStateException(
                        (recipient ? "recipient" : "sender") + " accepted but not parseable: " + text);
            if (!r.equals(trimmed)) throw new IllegalStateException("returned " + r + " for " + text);
        } catch (RejectException e) {
            if (valid) throw new IllegalStateException("refused a parseable address: " + text, e);
            if (e.getCode() != 501 && e.getCode() != 553) throw new IllegalStateException("code " + e.getCode(), e);
            String reply = e.getMessage();
            if (!reply.startsWith(recipient ? "5.1.3 " : "5.1.7 "))
                throw new IllegalStateException("enhanced code of " + reply, e);
            if (reply.indexOf('\r') >= 0 || reply.indexOf('\n') >= 0)
                throw new IllegalStateException("CR/LF in the reply: " + reply, e);
        }
    }
}
