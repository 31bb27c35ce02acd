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
    public ReportPolicy {
        policyString = List.copyOf(policyString);
        mxHosts = List.copyOf(mxHosts);
    }
}
