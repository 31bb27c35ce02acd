package dev.tern.core.delivery.smtp;

/**
 * A connection-level SMTP failure: the connection cannot be used (further). Recipient- and
 * message-level refusals are not exceptions: they are replies in a {@link TransactionResult}.
 */
public final class SmtpException extends Exception {

    /** Where in the conversation the failure happened. */
    public enum Phase {
        CONNECT,
        BANNER,
        EHLO,
        HELO,
        STARTTLS,
        TLS_HANDSHAKE,
        MAIL,
        RCPT,
        DATA,
        /** Writing the message body. */
        DATA_BLOCK,
        /** Waiting for the reply after the final dot. */
        DATA_END,
        RSET,
        QUIT,
        /** Between transactions, no command outstanding. */
        IDLE
    }

    private final Phase phase;
    private final SmtpReply reply;
    private final boolean isTransient;
    private final boolean tlsFailure;
    private final TlsResult tlsPolicyFailure;
    private boolean timeout;
    private SmtpReply localRefusal;
    private final java.net.InetSocketAddress local;

    /**
     * @param phase       where it failed (may be null for failures outside a conversation)
     * @param reply       the server's reply that caused it, or null
     * @param isTransient whether trying again later may succeed
     */
    public SmtpException(Phase phase, SmtpReply reply, boolean isTransient, String message, Throwable cause) {
        this(phase, reply, isTransient, message, cause, false);
    }

    SmtpException(
            Phase phase, SmtpReply reply, boolean isTransient, String message, Throwable cause, boolean tlsFailure) {
        this(phase, reply, isTransient, message, cause, tlsFailure, null, null);
    }

    private SmtpException(
            Phase phase,
            SmtpReply reply,
            boolean isTransient,
            String message,
            Throwable cause,
            boolean tlsFailure,
            TlsResult tlsPolicyFailure,
            java.net.InetSocketAddress local) {
        super(message, cause);
        this.local = local;
        this.phase = phase;
        this.reply = reply;
        this.isTransient = isTransient;
        this.tlsFailure = tlsFailure;
        this.tlsPolicyFailure = tlsPolicyFailure;
    }

    /**
     * A connection ended because the host does not meet its TLS policy (transient: the policy or the
     * host may change); never to be retried in clear text.
     */
    public static SmtpException ofTlsPolicy(Phase phase, TlsResult result, String message, Throwable cause) {
        return new SmtpException(phase, null, true, message, cause, true, result, null);
    }

    /** Like {@link #ofTlsPolicy(Phase, TlsResult, String, Throwable)} on a connection from {@code local}. */
    static SmtpException ofTlsPolicy(
            Phase phase, TlsResult result, String message, Throwable cause, java.net.InetSocketAddress local) {
        return new SmtpException(phase, null, true, message, cause, true, result, local);
    }

    /** The local address of the connection a TLS policy failure happened on, or null. */
    public java.net.InetSocketAddress local() {
        return local;
    }

    /** Why the host failed its enforced TLS policy, or null when this is not such a failure. */
    public TlsResult tlsPolicyFailure() {
        return tlsPolicyFailure;
    }

    /** A failure caused by a reply: transient for 4xx, permanent for 5xx. */
    static SmtpException ofReply(Phase phase, SmtpReply reply, String message) {
        return new SmtpException(phase, reply, !reply.permanentFailure(), message + ": " + reply, null, false);
    }

    /** A failure without a reply (timeout, reset, closed, I/O error): always transient. */
    static SmtpException ofTransient(Phase phase, String message, Throwable cause) {
        return new SmtpException(phase, null, true, message, cause, false);
    }

    /** A phase timer ran out: the server did not reply (or take data) in time. Always transient. */
    static SmtpException ofTimeout(Phase phase, String message) {
        SmtpException e = new SmtpException(phase, null, true, message, null, false);
        e.timeout = true;
        return e;
    }

    /**
     * The session ended before STARTTLS because everything it held is refused locally ({@link
     * StartTlsGate}): permanent, with that refusal (not a server's reply) as the reason.
     */
    static SmtpException ofLocalRefusal(Phase phase, SmtpReply refusal, String message) {
        SmtpException e = new SmtpException(phase, null, false, message, null, false);
        e.localRefusal = refusal;
        return e;
    }

    /** The local refusal that ended the session before STARTTLS, or null. */
    public SmtpReply localRefusal() {
        return localRefusal;
    }

    /** Whether a phase timer ran out (the server did not answer in time; connect timeouts are a CONNECT cause). */
    public boolean timeout() {
        return timeout;
    }

    public Phase phase() {
        return phase;
    }

    /** The server's reply that ended the connection (a 421 banner, a failed HELO ...), or null. */
    public SmtpReply reply() {
        return reply;
    }

    /**
     * Whether trying again later may succeed. The client reports every failure without a reply
     * (timeouts, refused or reset connections, TLS trouble) and every 4xx reply as transient, 5xx
     * replies as permanent.
     */
    public boolean isTransient() {
        return isTransient;
    }

    /**
     * Whether the failure is the TLS handshake after STARTTLS (or a TLS error on the connection): the
     * caller may retry the host with {@link SmtpClientSettings#withStartTls(boolean) STARTTLS off}.
     */
    public boolean tlsFailure() {
        return tlsFailure;
    }
}
