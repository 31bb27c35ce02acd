package dev.tern.core.tlspolicy;

import dev.tern.core.delivery.smtp.TlsPolicy;
import dev.tern.core.delivery.smtp.TlsResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The TLS decision for one destination domain: per MX host, the policy its connections run
 * under, or why the host must not be used; and what TLS-RPT reports about it.
 *
 * @param domain the destination (policy) domain
 * @param hosts  per MX host name (lower case); a host not listed gets {@code fallback}
 * @param fallback the decision of hosts not listed (static routes, literal addresses)
 */
public record DestinationTls(String domain, Map<String, HostTls> hosts, HostTls fallback) {

    /** Opportunistic TLS, nothing to report: today's behaviour. */
    public static final DestinationTls OPPORTUNISTIC =
            new DestinationTls("", Map.of(), new HostTls(TlsPolicy.OPPORTUNISTIC, null, null, null));

    public DestinationTls {
        hosts = Map.copyOf(hosts);
    }

    /**
     * One host's decision.
     *
     * @param policy     what the STARTTLS step must achieve (null when refused)
     * @param refusal    why the host must not be used (policy enforced), or null
     * @param preFailure a failure known before connecting that is only reported (MTA-STS testing), or null
     * @param report     the TLS-RPT policy the host's sessions count for, or null (nothing reported)
     */
    public record HostTls(TlsPolicy policy, Refusal refusal, Refusal preFailure, ReportPolicy report) {}

    /** Why a host fails its policy before any connection. */
    public record Refusal(TlsResult result, String reason) {}

    /** The decision for an MX host name. */
    public HostTls forHost(String host) {
        if (host == null) return fallback;
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return hosts.getOrDefault(h, fallback);
    }

    /** Whether any host runs under more than opportunistic TLS or is reported. */
    public boolean isDefault() {
        return fallback.report() == null
                && fallback.policy() == TlsPolicy.OPPORTUNISTIC
                && hosts.values().stream().allMatch(h -> h.report() == null && h.policy() == TlsPolicy.OPPORTUNISTIC);
    }

    /** The policy name shown for the destination: the strictest of its hosts. */
    public String summary() {
        List<String> order = List.of("dane", "mta-sts", "verify", "required", "opportunistic");
        String best = "opportunistic";
        for (HostTls h : hosts.values()) {
            String n = h.policy() == null ? null : h.policy().name();
            if (n != null && order.indexOf(n) >= 0 && order.indexOf(n) < order.indexOf(best)) best = n;
        }
        return best;
    }
}
