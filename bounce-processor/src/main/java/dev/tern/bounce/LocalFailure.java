package dev.tern.bounce;

/**
 * Failures that Tern itself observes while delivering (no remote reply text to read). Each carries a
 * fixed {@link Classification} decided where the failure is made, never by the text rules: a DNS
 * glitch or a refused connection must not read as a spam block or an expiry.
 */
public enum LocalFailure {
    /** The recipient's domain does not exist (authoritative NXDOMAIN). */
    DNS_NXDOMAIN(Reason.HOSTUNKNOWN, false),
    /** The domain publishes a null MX (RFC 7505): it accepts no mail. */
    DNS_NULL_MX(Reason.NOTACCEPT, false),
    /** The domain exists but has no MX and no address record to deliver to. */
    DNS_NO_ADDRESS(Reason.HOSTUNKNOWN, false),
    /** The resolver answered SERVFAIL (or another server-side failure): a fault at the DNS servers. */
    DNS_SERVFAIL(Reason.SYSTEMERROR, true),
    /** No DNS answer in time. */
    DNS_TIMEOUT(Reason.NETWORKERROR, true),
    /** The remote host refused the TCP connection. */
    CONNECT_REFUSED(Reason.NETWORKERROR, true),
    /** The TCP connection was not established in time. */
    CONNECT_TIMEOUT(Reason.NETWORKERROR, true),
    /** The connection broke or timed out during the SMTP dialogue. */
    CONNECTION_LOST(Reason.NETWORKERROR, true),
    /** The TLS handshake failed (certificate, protocol or cipher mismatch). */
    TLS_HANDSHAKE(Reason.SECURITYERROR, true),
    /** The message needs SMTPUTF8 and the remote server does not offer it (RFC 6531 section 3.5). */
    SMTPUTF8_UNSUPPORTED(Reason.CONTENTERROR, false),
    /** The message has an 8-bit body and the remote server does not offer 8BITMIME (RFC 6152): 5.6.3. */
    EIGHTBITMIME_UNSUPPORTED(Reason.CONTENTERROR, false),
    /** The message is larger than the SIZE the remote server announced (RFC 1870). */
    SIZE_EXCEEDED(Reason.MESGTOOBIG, false),
    /** The message reached its maximum age in the queue without being delivered. */
    EXPIRED(Reason.EXPIRED, false);

    private final Reason reason;
    private final boolean temporary;

    LocalFailure(Reason reason, boolean temporary) {
        this.reason = reason;
        this.temporary = temporary;
    }

    /** The reason this failure always has. */
    public Reason reason() {
        return reason;
    }

    /** True when a later attempt may succeed (the message stays queued). */
    public boolean temporary() {
        return temporary;
    }

    /**
     * The classification: this failure's reason, its class, hard only when the reason is hard for a
     * permanent failure (hostunknown, notaccept) and the failure is not temporary; rule id
     * {@code local:<name>}.
     */
    public Classification classification() {
        return new Classification(
                reason,
                reason.hardFor(temporary),
                reason.bounceClass(),
                "local:" + name().toLowerCase(java.util.Locale.ROOT));
    }
}
