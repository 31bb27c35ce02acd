package dev.tern.core.tlspolicy;

import java.util.List;

/**
 * A policy as TLS-RPT names it (RFC 8460 section 4.4, {@code policies[].policy}).
 *
 * @param type         {@code sts}, {@code tlsa} or {@code no-policy-found}
 * @param policyString the policy's lines (the MTA-STS policy, or the TLSA records in presentation form)
 * @param domain       the policy domain (the recipient domain)
 * @param mxHosts      the MX patterns of an STS policy, or the TLSA record's MX host
 */
public record ReportPolicy(String type, List<String> policyString, String domain, List<String> mxHosts) {
    /** The policy type of sessions to a domain that publishes no policy (RFC 8460 section 4.3). */
    public static final String NO_POLICY_FOUND = "no-policy-found";

    public ReportPolicy {
        policyString = List.copyOf(policyString);
        mxHosts = List.copyOf(mxHosts);
    }

    /** Sessions to {@code domain}, which published neither MTA-STS nor DANE. */
    public static ReportPolicy noPolicyFound(String domain) {
        return new ReportPolicy(NO_POLICY_FOUND, List.of(), domain, List.of());
    }

    /** Whether this is {@value #NO_POLICY_FOUND}. */
    public boolean noPolicy() {
        return NO_POLICY_FOUND.equals(type);
    }
}
