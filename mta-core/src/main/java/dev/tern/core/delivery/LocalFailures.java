package dev.tern.core.delivery;

import dev.tern.bounce.LocalFailure;
import dev.tern.core.delivery.smtp.SmtpException;
import dev.tern.core.delivery.smtp.TransactionResult;
import dev.tern.core.dns.MxResult;
import java.net.SocketTimeoutException;

/**
 * Which of Tern's own failures a delivery outcome is, decided from the typed failure where it is made
 * (the exception, the DNS result, the client's own refusal), so that its reason is fixed and never read
 * back from the reply text.
 */
final class LocalFailures {
    private LocalFailures() {}

    /**
     * The local failure behind a connection-level SMTP failure, or null when the remote server's reply
     * ended it (that reply is classified by the rules).
     */
    static LocalFailure of(SmtpException e) {
        if (e == null || e.reply() != null) return null;
        if (e.tlsFailure() || e.phase() == SmtpException.Phase.TLS_HANDSHAKE) return LocalFailure.TLS_HANDSHAKE;
        if (e.phase() == SmtpException.Phase.CONNECT) {
            Throwable c = e.getCause();
            return c instanceof io.netty.channel.ConnectTimeoutException || c instanceof SocketTimeoutException
                    ? LocalFailure.CONNECT_TIMEOUT
                    : LocalFailure.CONNECT_REFUSED;
        }
        return LocalFailure.CONNECTION_LOST;
    }

    /** The local failure of a transaction the client refused itself (SIZE, SMTPUTF8, 8BITMIME), or null. */
    static LocalFailure of(TransactionResult r) {
        if (!r.local() || r.mailReply() == null) return null;
        return switch (r.mailReply().enhancedCode()) {
            case "5.6.7" -> LocalFailure.SMTPUTF8_UNSUPPORTED;
            case "5.6.3" -> LocalFailure.EIGHTBITMIME_UNSUPPORTED;
            case "5.3.4" -> LocalFailure.SIZE_EXCEEDED;
            default -> null;
        };
    }

    /** The local failure of a DNS resolution that gave no route. */
    static LocalFailure of(MxResult.Failure f) {
        return switch (f) {
            case MxResult.PermanentFailure p ->
                switch (p.enhancedCode()) {
                    case "5.1.10" -> LocalFailure.DNS_NULL_MX;
                    case "5.4.4" -> LocalFailure.DNS_NO_ADDRESS;
                    default -> LocalFailure.DNS_NXDOMAIN;
                };
            case MxResult.TemporaryFailure t ->
                t.cause() == MxResult.Cause.SERVFAIL ? LocalFailure.DNS_SERVFAIL : LocalFailure.DNS_TIMEOUT;
        };
    }
}
