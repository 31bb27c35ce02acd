package dev.tern.core.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * One host tried during a delivery attempt (an item of an event's {@code hosts} list): which host
 * and address, how it ended, and the TLS facts of the session. A connection-level failure (refused,
 * timeout, a 4xx greeting, a failed TLS handshake) is one item; the host that held the session is the
 * last item, with this recipient's outcome and reply.
 *
 * @param host       the MX host name (or the route's host), null when only the address is known
 * @param ip         the address connected to
 * @param port       the port connected to
 * @param outcome    how the attempt at this host ended
 * @param reply      the server's reply or Tern's failure text
 * @param tlsVersion the TLS protocol of the session ({@code TLSv1.3}), null without TLS
 * @param tlsCipher  the TLS cipher suite of the session, null without TLS
 * @param tlsPolicy  the outbound TLS policy result for this host (filled by the TLS policy), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostAttempt(
        @JsonProperty("host") String host,
        @JsonProperty("ip") String ip,
        @JsonProperty("port") int port,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("reply") String reply,
        @JsonProperty("tls_version") String tlsVersion,
        @JsonProperty("tls_cipher") String tlsCipher,
        @JsonProperty("tls_policy") String tlsPolicy) {

    /** How the attempt at one host ended; on the wire in lower snake case. */
    public enum Outcome {
        /** The session's transaction delivered to this recipient. */
        DELIVERED,
        /** The session's transaction ended with a temporary failure for this recipient (4xx or connection lost). */
        DEFERRED,
        /** The session's transaction ended with a permanent failure for this recipient (5xx, or refused locally). */
        BOUNCED,
        /** The TCP connection was refused or could not be made. */
        CONNECT_FAILED,
        /** The host did not answer in time (connect, banner, EHLO, ...). */
        TIMEOUT,
        /** The banner was not 220 (e.g. a 421 or 554 greeting). */
        GREETING_REFUSED,
        /** EHLO (and HELO) were refused. */
        EHLO_REFUSED,
        /** The STARTTLS handshake failed (the host may then be retried in clear text). */
        TLS_FAILED,
        /** The host closed or reset the connection before the session was ready. */
        CONNECTION_LOST;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Outcome fromWire(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    /** This attempt with its outcome and reply set (the session host, once a recipient's result is known). */
    public HostAttempt withResult(Outcome o, String r) {
        return new HostAttempt(host, ip, port, o, r, tlsVersion, tlsCipher, tlsPolicy);
    }

    /** This attempt with the TLS policy result set. */
    public HostAttempt withTlsPolicy(String policy) {
        return new HostAttempt(host, ip, port, outcome, reply, tlsVersion, tlsCipher, policy);
    }
}
