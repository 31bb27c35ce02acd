package dev.tern.core.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Outbound TLS policy ({@code delivery.tls}): the policy every destination gets, per-domain
 * overrides, and the published policies (MTA-STS, DANE) applied on top, with TLS-RPT reports.
 *
 * @param policy     the policy of destinations no entry of {@code policies} names
 * @param policies   per destination domain: exact, {@code *.example.com} (subdomains) or {@code *}
 * @param trustStore PEM file of the CA certificates {@code verify} and MTA-STS trust (also for
 *                   fetching MTA-STS policies); null ({@code ""}) = the JDK's trust store
 * @param mtaSts     MTA-STS (RFC 8461)
 * @param dane       DANE for SMTP (RFC 7672)
 * @param report     TLS-RPT (RFC 8460) aggregate reports
 */
public record OutboundTls(
        Mode policy, Map<String, Mode> policies, Path trustStore, MtaSts mtaSts, Dane dane, Report report)
        implements Validated {

    /** A destination's TLS policy. */
    public enum Mode {
        /** STARTTLS when offered, any certificate, clear text when it fails (the default). */
        OPPORTUNISTIC,
        /** TLS must be negotiated (no clear-text fallback); any certificate. */
        REQUIRED,
        /** TLS with a certificate from a trusted CA, valid for the MX host name. */
        VERIFY,
        /** DANE only: every MX host needs DNSSEC-validated TLSA records that match. */
        DANE,
        /** MTA-STS only: the domain must publish a policy, enforced even in {@code testing} mode. */
        MTA_STS
    }

    public static OutboundTls defaults() {
        return new OutboundTls(
                Mode.OPPORTUNISTIC, Map.of(), null, MtaSts.defaults(), Dane.defaults(), Report.defaults());
    }

    public OutboundTls {
        policy = policy == null ? Mode.OPPORTUNISTIC : policy;
        policies = policies == null ? Map.of() : Map.copyOf(policies);
        if (trustStore != null && trustStore.toString().isEmpty()) trustStore = null;
        mtaSts = mtaSts == null ? MtaSts.defaults() : mtaSts;
        dane = dane == null ? Dane.defaults() : dane;
        report = report == null ? Report.defaults() : report;
    }

    @Override
    public void validate(Problems p) {
        for (String pattern : policies.keySet()) {
            if (!pattern.equals("*") && !pattern.matches("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.\\-]*[A-Za-z0-9])?"))
                p.at("policies").add(ConfigBinder.quoteKey(pattern), "not a domain, '*.domain' wildcard or '*'");
        }
        if (trustStore != null && !Files.isReadable(trustStore)) p.add("trust_store", "cannot read " + trustStore);
    }

    /** The configured mode of a domain: exact, then the longest {@code *.suffix}, then {@code *}, then {@code policy}. */
    public Mode modeOf(String domain) {
        Mode m = explicitModeOf(domain);
        return m == null ? policy : m;
    }

    /** The mode {@code policies} gives a domain (exact, longest {@code *.suffix}, {@code *}), or null. */
    public Mode explicitModeOf(String domain) {
        String d = domain.toLowerCase(java.util.Locale.ROOT);
        Mode m = policies.get(d);
        for (String suffix = d; m == null; ) {
            int dot = suffix.indexOf('.');
            if (dot < 0) break;
            suffix = suffix.substring(dot + 1);
            m = policies.get("*." + suffix);
        }
        if (m == null) m = policies.get("*");
        return m;
    }

    /**
     * @param enabled       look up and apply published MTA-STS policies
     * @param httpsPort     port of the policy host (443; tests use others)
     * @param fetchTimeout  the whole policy fetch (connect, TLS, response) must finish within this
     * @param maxPolicySize a larger policy is refused (RFC 8461 suggests 64 KiB)
     * @param cacheFile     policies kept across restarts (JSON), until their max_age
     */
    public record MtaSts(boolean enabled, int httpsPort, Duration fetchTimeout, DataSize maxPolicySize, Path cacheFile)
            implements Validated {
        static MtaSts defaults() {
            return new MtaSts(true, 443, Duration.ofSeconds(10), new DataSize(64 * 1024), Path.of("data/mta-sts.json"));
        }

        @Override
        public void validate(Problems p) {
            p.require(httpsPort >= 1 && httpsPort <= 65535, "https_port", "must be a port number 1..65535");
            p.require(!fetchTimeout.isNegative() && !fetchTimeout.isZero(), "fetch_timeout", "must be positive");
            p.require(
                    maxPolicySize.bytes() >= 256 && maxPolicySize.bytes() <= 1024 * 1024,
                    "max_policy_size",
                    "must be between 256B and 1MiB");
            p.require(cacheFile != null && !cacheFile.toString().isEmpty(), "cache_file", "must be a file path");
        }
    }

    /** How DNSSEC answers for TLSA records are trusted. */
    public enum Validation {
        /** No TLSA lookups: DANE is never applied. */
        OFF,
        /** Trust the AD bit of the configured resolvers (they must be validating and trusted, e.g. on localhost). */
        AD_BIT,
        /** Validate in Tern (dnsjava's validating resolver) from {@code trust_anchors}. */
        VALIDATE
    }

    /**
     * @param validation   how DNSSEC is checked
     * @param trustAnchors with {@code validate}: file of DS or DNSKEY records in zone-file format
     *                     (the root's KSK for the public DNS)
     * @param timeout      one TLSA lookup (with its validation) must finish within this
     */
    public record Dane(Validation validation, Path trustAnchors, Duration timeout) implements Validated {
        static Dane defaults() {
            return new Dane(Validation.AD_BIT, null, Duration.ofSeconds(10));
        }

        public Dane {
            validation = validation == null ? Validation.AD_BIT : validation;
            if (trustAnchors != null && trustAnchors.toString().isEmpty()) trustAnchors = null;
            timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
        }

        @Override
        public void validate(Problems p) {
            if (validation == Validation.VALIDATE) {
                p.require(trustAnchors != null, "trust_anchors", "is required with validation: validate");
                if (trustAnchors != null && !Files.isReadable(trustAnchors))
                    p.add("trust_anchors", "cannot read " + trustAnchors);
            }
            p.require(!timeout.isNegative() && !timeout.isZero(), "timeout", "must be positive");
        }
    }

    /**
     * @param enabled          record results and send the daily reports
     * @param organizationName the report's {@code organization-name} ("" = server.hostname)
     * @param contactInfo      the report's {@code contact-info} ("" = postmaster@server.hostname)
     * @param from             sender of reports sent by mail ("" = noreply-tlsrpt@server.hostname)
     * @param directory        where each day's counts are kept until its report is sent
     * @param sendDelay        reports of a UTC day are sent this long after its end
     * @param httpsTimeout     a report POSTed to an https rua must be accepted within this
     */
    public record Report(
            boolean enabled,
            String organizationName,
            String contactInfo,
            String from,
            Path directory,
            Duration sendDelay,
            Duration httpsTimeout)
            implements Validated {
        static Report defaults() {
            return new Report(
                    true, "", "", "", Path.of("data/tls-rpt"), Duration.ofMinutes(30), Duration.ofSeconds(30));
        }

        public Report {
            organizationName = organizationName == null ? "" : organizationName;
            contactInfo = contactInfo == null ? "" : contactInfo;
            from = from == null ? "" : from;
        }

        @Override
        public void validate(Problems p) {
            p.require(directory != null && !directory.toString().isEmpty(), "directory", "must be a directory path");
            p.require(!sendDelay.isNegative() && sendDelay.toHours() < 24, "send_delay", "must be in [0s, 24h)");
            p.require(!httpsTimeout.isNegative() && !httpsTimeout.isZero(), "https_timeout", "must be positive");
            p.require(from.isEmpty() || from.contains("@"), "from", "must be an address");
        }
    }
}
