package dev.tern.core.delivery.smtp;

import java.util.Map;

/**
 * The transactions the client refuses itself, from the server's EHLO extensions, before sending
 * anything: SMTPUTF8 needed but not offered (553 5.6.7), an 8-bit message without 8BITMIME (554
 * 5.6.3: no 7-bit conversion, which would break DKIM body hashes), a message larger than the
 * advertised SIZE (552 5.3.4). One rule for the transaction ({@link SmtpClientHandler}) and for the
 * decision before STARTTLS ({@link StartTlsGate}).
 */
public final class LocalRefusal {
    private LocalRefusal() {}

    /**
     * The local refusal of a transaction, or null when it may be sent.
     *
     * @param smtpUtf8   the transaction needs SMTPUTF8
     * @param eightBit   the message has 8-bit content
     * @param size       the message size in bytes
     * @param extensions the server's EHLO keywords (upper case) and their parameters
     * @param remote     the server, for the reply text
     */
    public static SmtpReply of(
            boolean smtpUtf8, boolean eightBit, long size, Map<String, String> extensions, Object remote) {
        return of(smtpUtf8, eightBit, size, Offer.of(extensions), remote);
    }

    /**
     * What the refusals (and the MAIL parameters) need from the server's EHLO keywords, decided once
     * per EHLO rather than looked up for every transaction.
     *
     * @param smtpUtf8     SMTPUTF8 offered
     * @param eightBitMime 8BITMIME offered
     * @param size         SIZE offered (with or without a limit)
     * @param maxSize      the advertised SIZE limit, 0 when none (or unparsable)
     * @param pipelining   PIPELINING offered
     */
    record Offer(boolean smtpUtf8, boolean eightBitMime, boolean size, long maxSize, boolean pipelining) {
        static final Offer NONE = new Offer(false, false, false, 0, false);

        static Offer of(Map<String, String> ext) {
            if (ext.isEmpty()) return NONE;
            return new Offer(
                    ext.containsKey("SMTPUTF8"),
                    ext.containsKey("8BITMIME"),
                    ext.containsKey("SIZE"),
                    LocalRefusal.maxSize(ext),
                    ext.containsKey("PIPELINING"));
        }
    }

    /** {@link #of(boolean, boolean, long, Map, Object)} with the keywords as an {@link Offer}. */
    static SmtpReply of(boolean smtpUtf8, boolean eightBit, long size, Offer extensions, Object remote) {
        if (smtpUtf8 && !extensions.smtpUtf8()) {
            return SmtpReply.of(
                    553, "5.6.7", "SMTPUTF8 is required but " + remote + " does not offer it (refused locally)");
        }
        if (eightBit && !smtpUtf8 && !extensions.eightBitMime()) {
            // no 7-bit conversion: a signed message's body hash would break, and so would any MIME
            // structure rewritten here (RFC 6152 section 3: return it rather than send 8-bit data)
            return SmtpReply.of(
                    554,
                    "5.6.3",
                    "the message has an 8-bit body but " + remote
                            + " does not offer 8BITMIME; Tern does not convert it (refused locally)");
        }
        long max = extensions.maxSize();
        if (max > 0 && size > max) {
            return SmtpReply.of(
                    552,
                    "5.3.4",
                    "message size " + size + " exceeds the fixed maximum " + max + " of " + remote
                            + " (refused locally)");
        }
        return null;
    }

    /** The advertised SIZE limit, 0 when none (or unparsable). */
    static long maxSize(Map<String, String> ext) {
        String size = ext.get("SIZE");
        if (size == null || size.isEmpty()) return 0;
        try {
            return Long.parseLong(size.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
