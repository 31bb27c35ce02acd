package dev.tern.core.dns;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of resolving where a domain's mail goes: {@link Resolved} hosts, a {@link
 * PermanentFailure} (bounce the recipients) or a {@link TemporaryFailure} (defer and retry).
 */
public sealed interface MxResult permits MxResult.Resolved, MxResult.Failure {

    /** The domain as asked (lower case, ASCII, without trailing dot). */
    String domain();

    /**
     * The hosts to try, in order: by MX preference, shuffled among equal preferences; hosts without
     * any address are left out. The hosts after the first are the fallbacks.
     *
     * @param site the MX site: the sorted set of all MX hosts after CNAME resolution (a host left out
     *     for want of an address by its MX name)
     * @param implicit true when the domain has no MX and its own A/AAAA records are used (RFC 5321
     *     section 5.1), or the domain is an address literal
     * @param expires when this answer stops being valid (the smallest TTL involved)
     */
    record Resolved(String domain, List<MxHost> hosts, Site site, boolean implicit, Instant expires)
            implements MxResult {
        public Resolved {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(site, "site");
            Objects.requireNonNull(expires, "expires");
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("a resolved domain has at least one host");
            }
        }
    }

    /** A failure with the SMTP reply a bounce or deferral reports. */
    sealed interface Failure extends MxResult permits PermanentFailure, TemporaryFailure {
        /** Basic reply code, e.g. 550 or 451. */
        int replyCode();

        /** RFC 3463 enhanced status code, e.g. {@code 5.1.2}. */
        String enhancedCode();

        /** Human-readable reason. */
        String text();

        /** The reply line: code, enhanced code and text. */
        default String reply() {
            return replyCode() + " " + enhancedCode() + " " + text();
        }
    }

    /**
     * The domain cannot receive mail: NXDOMAIN ({@code 550 5.1.2}), null MX ({@code 556 5.1.10},
     * RFC 7505), no address for any MX host ({@code 550 5.4.4}), an invalid domain ({@code 550 5.1.2}).
     */
    record PermanentFailure(String domain, int replyCode, String enhancedCode, String text) implements Failure {
        public PermanentFailure {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(enhancedCode, "enhancedCode");
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * DNS trouble that may pass: SERVFAIL, timeouts, network errors ({@code 451 4.4.3}).
     *
     * @param cause what failed (SERVFAIL, timeout, another error)
     */
    record TemporaryFailure(String domain, int replyCode, String enhancedCode, String text, Cause cause)
            implements Failure {
        public TemporaryFailure {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(enhancedCode, "enhancedCode");
            Objects.requireNonNull(text, "text");
            cause = cause == null ? Cause.ERROR : cause;
        }

        /** A failure of an unstated cause ({@link Cause#ERROR}). */
        public TemporaryFailure(String domain, int replyCode, String enhancedCode, String text) {
            this(domain, replyCode, enhancedCode, text, Cause.ERROR);
        }
    }

    /** What made a lookup fail for now. */
    enum Cause {
        /** A server answered SERVFAIL (or REFUSED): trouble at the DNS servers. */
        SERVFAIL,
        /** No answer in time. */
        TIMEOUT,
        /** Another error (network, malformed answer, CNAME loop ...). */
        ERROR
    }
}
