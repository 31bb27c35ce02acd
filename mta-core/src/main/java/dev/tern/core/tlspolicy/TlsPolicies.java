package dev.tern.core.tlspolicy;

import dev.tern.core.config.OutboundTls;
import dev.tern.core.config.OutboundTls.Mode;
import dev.tern.core.delivery.smtp.TlsPolicy;
import dev.tern.core.delivery.smtp.TlsResult;
import dev.tern.core.tlspolicy.DestinationTls.HostTls;
import dev.tern.core.tlspolicy.DestinationTls.Refusal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Decides the TLS policy of each MX host of a destination domain: the configured policy
 * ({@code delivery.tls}), with the strictest published policy on top (RFC 8461 section 2 and
 * RFC 7672): a host with DNSSEC-validated TLSA records gets DANE; else an MTA-STS policy in
 * {@code enforce} mode requires the host to match its MX patterns and present a WebPKI
 * certificate valid for its name; {@code testing} checks and reports the same without enforcing.
 * Also the place where session results are counted for TLS-RPT.
 *
 * <table>
 *   <caption>Per MX host</caption>
 *   <tr><th>published</th><th>decision</th></tr>
 *   <tr><td>TLSA secure, usable records</td><td>DANE (enforced)</td></tr>
 *   <tr><td>TLSA secure, none usable</td><td>TLS required, no authentication (RFC 7672 2.2)</td></tr>
 *   <tr><td>TLSA lookup bogus / failed validation</td><td>host refused ({@code dnssec-invalid})</td></tr>
 *   <tr><td>MTA-STS enforce, host matches</td><td>verify (WebPKI + name), enforced</td></tr>
 *   <tr><td>MTA-STS enforce, host does not match</td><td>host refused ({@code validation-failure})</td></tr>
 *   <tr><td>MTA-STS testing</td><td>the configured policy; the check is run and reported</td></tr>
 *   <tr><td>nothing</td><td>the configured policy ({@code dane}/{@code mta-sts} then refuse the host)</td></tr>
 * </table>
 */
public final class TlsPolicies {
    private final OutboundTls config;
    private final PolicyDns dns;
    private final MtaSts sts;
    private final TlsReports reports;

    /**
     * @param dns     DNS for TLSA lookups (null: none)
     * @param sts     MTA-STS (null: not used)
     * @param reports TLS-RPT counts (null: not kept)
     */
    public TlsPolicies(OutboundTls config, PolicyDns dns, MtaSts sts, TlsReports reports) {
        this.config = config;
        this.dns = dns;
        this.sts = sts;
        this.reports = reports;
    }

    /** Opportunistic TLS for every destination, nothing looked up or reported. */
    public static TlsPolicies opportunistic() {
        return new TlsPolicies(OutboundTls.defaults(), null, null, null);
    }

    /** The TLS-RPT counts, or null. */
    public TlsReports reports() {
        return reports;
    }

    /**
     * The decision for a destination domain and its MX host names (in order); {@code relay}: a
     * static route (its target gets the configured policy; DANE when configured, no MTA-STS).
     * Never fails.
     */
    public CompletableFuture<DestinationTls> decide(String domain, List<String> hosts, boolean relay) {
        return decide(domain, hosts, relay, List.of());
    }

    /**
     * Like {@link #decide(String, List, boolean)} with the shaping file's rules: the first rule that
     * matches the domain or one of the MX hosts and sets {@code tls_policy} gives the configured
     * policy, unless {@code delivery.tls.policies} names the domain.
     */
    public CompletableFuture<DestinationTls> decide(
            String domain, List<String> hosts, boolean relay, List<dev.tern.core.config.ShapingConfig.Rule> rules) {
        String d = domain.toLowerCase(Locale.ROOT);
        Mode configured = configuredMode(d, hosts, rules);
        if (relay && configured == Mode.OPPORTUNISTIC || hosts.isEmpty()) {
            return CompletableFuture.completedFuture(
                    configured == Mode.OPPORTUNISTIC ? DestinationTls.OPPORTUNISTIC : uniform(d, hosts, configured));
        }
        boolean wantSts = !relay && sts != null && (config.mtaSts().enabled() || configured == Mode.MTA_STS);
        CompletableFuture<MtaSts.Lookup> stsLookup =
                wantSts ? sts.lookup(d) : CompletableFuture.completedFuture(new MtaSts.Lookup.None());
        boolean wantDane = dns != null && dns.daneEnabled() && (!relay || configured == Mode.DANE);
        Map<String, CompletableFuture<PolicyDns.Tlsa>> tlsa = new LinkedHashMap<>();
        for (String h : hosts) {
            String host = normalize(h);
            tlsa.put(
                    host, wantDane ? dns.tlsa(host) : CompletableFuture.completedFuture(new PolicyDns.Tlsa.Insecure()));
        }
        List<CompletableFuture<?>> all = new ArrayList<>(tlsa.values());
        all.add(stsLookup);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            MtaSts.Lookup published = stsLookup.join();
            Map<String, HostTls> out = new LinkedHashMap<>();
            for (var e : tlsa.entrySet())
                out.put(e.getKey(), host(d, e.getKey(), configured, e.getValue().join(), published));
            DestinationTls decided = new DestinationTls(d, out, configuredHost(configured, null));
            return decided.isDefault() ? DestinationTls.OPPORTUNISTIC : decided;
        });
    }

    /** {@code delivery.tls.policies}, then the first shaping rule with a {@code tls_policy}, then {@code delivery.tls.policy}. */
    Mode configuredMode(String domain, List<String> hosts, List<dev.tern.core.config.ShapingConfig.Rule> rules) {
        Mode explicit = config.explicitModeOf(domain);
        if (explicit != null) return explicit;
        for (var rule : rules) {
            if (rule.tlsPolicy() == null) continue;
            boolean hit = rule.domains().stream().anyMatch(p -> matches(p, domain))
                    || rule.mx().stream().anyMatch(p -> hosts.stream().anyMatch(h -> matches(p, normalize(h))));
            if (hit) return rule.tlsPolicy();
        }
        return config.policy();
    }

    /** The shaping file's pattern semantics: exact, {@code *.suffix} (any subdomain), {@code *}. */
    private static boolean matches(String pattern, String name) {
        String p = pattern.toLowerCase(Locale.ROOT);
        if (p.equals("*")) return true;
        if (p.startsWith("*.")) return name.endsWith(p.substring(1));
        return p.equals(name);
    }

    private DestinationTls uniform(String domain, List<String> hosts, Mode configured) {
        Map<String, HostTls> out = new LinkedHashMap<>();
        for (String h : hosts) out.put(normalize(h), configuredHost(configured, normalize(h)));
        return new DestinationTls(domain, out, configuredHost(configured, null));
    }

    private HostTls host(String domain, String host, Mode configured, PolicyDns.Tlsa tlsa, MtaSts.Lookup published) {
        switch (tlsa) {
            case PolicyDns.Tlsa.Secure s -> {
                ReportPolicy rp = new ReportPolicy(
                        "tlsa",
                        s.records().stream().map(TlsPolicy.Tlsa::toString).toList(),
                        domain,
                        List.of(host));
                List<TlsPolicy.Tlsa> usable =
                        s.records().stream().filter(TlsPolicy.Tlsa::usable).toList();
                if (!usable.isEmpty())
                    return new HostTls(new TlsPolicy(TlsPolicy.Level.DANE, true, "dane", host, usable), null, null, rp);
                // RFC 7672 2.2: TLSA records, none usable: encrypt, no authentication
                return new HostTls(
                        new TlsPolicy(TlsPolicy.Level.REQUIRED, true, "dane", host, List.of()), null, null, rp);
            }
            case PolicyDns.Tlsa.Bogus b -> {
                return new HostTls(
                        null,
                        new Refusal(TlsResult.DNSSEC_INVALID, b.reason()),
                        null,
                        new ReportPolicy("tlsa", List.of(), domain, List.of(host)));
            }
            default -> {
                // insecure or proven absent: DANE does not apply to this host
            }
        }
        if (configured == Mode.DANE) {
            return new HostTls(
                    null,
                    new Refusal(
                            TlsResult.DANE_REQUIRED,
                            "no DNSSEC-validated TLSA record at _25._tcp." + host + ", which TLS policy dane requires"),
                    null,
                    null);
        }
        switch (published) {
            case MtaSts.Lookup.Found f
            when f.policy().mode() != StsPolicy.Mode.NONE -> {
                StsPolicy p = f.policy();
                boolean enforce = p.mode() == StsPolicy.Mode.ENFORCE || configured == Mode.MTA_STS;
                ReportPolicy rp = new ReportPolicy("sts", p.lines(), domain, p.mx());
                if (!p.matches(host)) {
                    Refusal r = new Refusal(
                            TlsResult.VALIDATION_FAILURE,
                            "MX host " + host + " does not match the MTA-STS policy of " + domain + " (mx: "
                                    + String.join(", ", p.mx()) + ")");
                    return enforce
                            ? new HostTls(null, r, null, rp)
                            : new HostTls(configuredPolicy(configured, host), null, r, rp);
                }
                if (!enforce && configured != Mode.OPPORTUNISTIC)
                    return new HostTls(configuredPolicy(configured, host), null, null, rp);
                return new HostTls(
                        new TlsPolicy(TlsPolicy.Level.VERIFY, enforce, "mta-sts", host, List.of()), null, null, rp);
            }
            case MtaSts.Lookup.Failed fl -> {
                ReportPolicy rp = new ReportPolicy("sts", List.of(), domain, List.of());
                if (configured == Mode.MTA_STS)
                    return new HostTls(null, new Refusal(fl.result(), fl.reason()), null, rp);
                return new HostTls(configuredPolicy(configured, host), null, new Refusal(fl.result(), fl.reason()), rp);
            }
            default -> {
                // no policy published
            }
        }
        if (configured == Mode.MTA_STS) {
            return new HostTls(
                    null,
                    new Refusal(
                            TlsResult.STS_POLICY_FETCH_ERROR,
                            domain + " publishes no MTA-STS policy, which TLS policy mta-sts requires"),
                    null,
                    null);
        }
        return configuredHost(configured, host);
    }

    private static HostTls configuredHost(Mode configured, String host) {
        if (host == null && (configured == Mode.VERIFY || configured == Mode.MTA_STS || configured == Mode.DANE)) {
            // a host that was not looked up (an address literal): no name to verify
            return new HostTls(
                    null,
                    new Refusal(
                            TlsResult.VALIDATION_FAILURE, "no host name to verify for TLS policy " + name(configured)),
                    null,
                    null);
        }
        return new HostTls(configuredPolicy(configured, host), null, null, null);
    }

    private static TlsPolicy configuredPolicy(Mode configured, String host) {
        return switch (configured) {
            case OPPORTUNISTIC -> TlsPolicy.OPPORTUNISTIC;
            case REQUIRED -> new TlsPolicy(TlsPolicy.Level.REQUIRED, true, "required", host, List.of());
            case VERIFY, MTA_STS, DANE ->
                new TlsPolicy(TlsPolicy.Level.VERIFY, true, name(configured), host, List.of());
        };
    }

    private static String name(Mode m) {
        return m.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Counts one session to a domain without a published policy (RFC 8460 section 4.3, policy type
     * {@code no-policy-found}): a success when TLS was negotiated, else {@code starttls-not-supported}.
     */
    public void recordNoPolicy(String domain, boolean tls, String sendingIp, String receivingMx, String receivingIp) {
        if (reports == null) return;
        reports.record(
                ReportPolicy.noPolicyFound(domain),
                tls ? null : TlsResult.STARTTLS_NOT_SUPPORTED,
                sendingIp,
                receivingMx,
                receivingIp,
                null);
    }

    /** Counts one session for TLS-RPT: {@code failure} null for a success. */
    public void record(
            HostTls host, TlsResult failure, String sendingIp, String receivingMx, String receivingIp, String reason) {
        if (reports == null || host == null || host.report() == null) return;
        reports.record(host.report(), failure, sendingIp, receivingMx, receivingIp, reason);
    }

    private static String normalize(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
