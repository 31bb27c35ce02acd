package dev.tern.core.delivery.smtp;

import java.util.List;
import java.util.Objects;

/**
 * What the STARTTLS step of one connection must achieve: decided per MX host before connecting
 * (the configured policy with the strictest published one on top, see {@code tlspolicy}) and
 * handed to {@link SmtpClient#connect(java.net.InetSocketAddress, java.net.InetAddress, String,
 * SmtpClientSettings, TlsPolicy)}.
 *
 * @param level   what the handshake checks
 * @param enforce whether a failed check ends the connection (no clear-text fallback); false for
 *                MTA-STS {@code testing}: the check runs and is reported, the mail goes on
 * @param name    the policy's name for events and logs: {@code opportunistic}, {@code required},
 *                {@code verify}, {@code mta-sts}, {@code dane}
 * @param host    the MX host name the certificate must be valid for (VERIFY; DANE-TA), or null
 * @param tlsa    the usable TLSA records of the host (DANE), empty otherwise
 */
public record TlsPolicy(Level level, boolean enforce, String name, String host, List<Tlsa> tlsa) {

    /** What the handshake checks. */
    public enum Level {
        /** STARTTLS when offered, any certificate; clear text when it is not offered or fails. */
        OPPORTUNISTIC,
        /** TLS must be negotiated; the certificate is not checked (encryption only). */
        REQUIRED,
        /** TLS with a certificate chaining to a trusted CA and valid for the MX host name. */
        VERIFY,
        /** TLS with a certificate matching one of the host's DNSSEC-validated TLSA records (RFC 7672). */
        DANE
    }

    /**
     * One TLSA record (RFC 6698).
     *
     * @param usage        2 (DANE-TA) or 3 (DANE-EE); 0 and 1 are unusable for SMTP (RFC 7672 3.1.3)
     * @param selector     0 full certificate, 1 SubjectPublicKeyInfo
     * @param matchingType 0 exact, 1 SHA-256, 2 SHA-512
     * @param data         the association data
     */
    public record Tlsa(int usage, int selector, int matchingType, byte[] data) {
        public Tlsa {
            data = data.clone();
        }

        /** Whether an SMTP client can use it (RFC 7672 section 3.1: usages 2, 3; selectors 0, 1; matching 0-2). */
        public boolean usable() {
            return (usage == 2 || usage == 3)
                    && (selector == 0 || selector == 1)
                    && matchingType >= 0
                    && matchingType <= 2;
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tlsa t
                    && t.usage == usage
                    && t.selector == selector
                    && t.matchingType == matchingType
                    && java.util.Arrays.equals(t.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(usage, selector, matchingType, java.util.Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return usage + " " + selector + " " + matchingType + " "
                    + java.util.HexFormat.of().formatHex(data);
        }
    }

    /** Today's behaviour: STARTTLS when offered, anything goes. */
    public static final TlsPolicy OPPORTUNISTIC =
            new TlsPolicy(Level.OPPORTUNISTIC, false, "opportunistic", null, List.of());

    public TlsPolicy {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(name, "name");
        tlsa = List.copyOf(tlsa);
        if (level == Level.VERIFY && host == null) throw new IllegalArgumentException("VERIFY needs the host name");
        if (level == Level.DANE && tlsa.isEmpty()) throw new IllegalArgumentException("DANE needs TLSA records");
    }

    /** TLS is mandatory: without it (or with a failed check) the connection ends, no clear-text retry. */
    public boolean requiresTls() {
        return enforce && level != Level.OPPORTUNISTIC;
    }

    /** Whether the handshake checks the certificate (and reports the check). */
    public boolean checksCertificate() {
        return level == Level.VERIFY || level == Level.DANE;
    }
}
