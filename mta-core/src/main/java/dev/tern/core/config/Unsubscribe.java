package dev.tern.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One-click unsubscribe ({@code unsubscribe}): which mail gets {@code List-Unsubscribe} and
 * {@code List-Unsubscribe-Post} (RFC 2369, RFC 8058) at injection, the keys of their tokens, and
 * the HTTP(S) listener that takes the clicks.
 *
 * @param enabled        add the headers to the mail selected by {@code lanes}, {@code allTenants} and {@code tenants}
 * @param url            base of the one-click URL: the header gets {@code <url>/u/TOKEN} ("" = no HTTPS link)
 * @param mailtoDomain   domain of the {@code mailto:u-TOKEN@domain} link, whose MX points at Tern ("" = none)
 * @param keys           token secrets by key id (one character 0-9/a-z, secret at least 16 characters)
 * @param currentKey     the key id that signs new tokens (all keys verify)
 * @param existing       what to do when the message already has a List-Unsubscribe header
 * @param lanes          priority lanes that get the headers (bulk, transactional)
 * @param allTenants     whether tenants not listed in {@code tenants} (and untagged mail) get the headers
 * @param tenants        per tenant: on or off, and per campaign overrides
 * @param tokenTtl       a token older than this is refused (404); the sent-message index ({@code bounces.index_ttl})
 *                       bounds it too
 * @param listen         address of the one-click HTTP(S) listener; null = none
 * @param certificate    PEM certificate chain for HTTPS on {@code listen}; null = plain HTTP (behind a TLS proxy)
 * @param privateKey     PEM private key of {@code certificate}
 * @param ratePerAddress requests per client address (more get 429)
 * @param maxRequestSize largest request (line, headers and body) accepted (more: 413 or 431)
 * @param requestTimeout a request must arrive completely within this (else the connection is closed)
 */
public record Unsubscribe(
        boolean enabled,
        String url,
        String mailtoDomain,
        Map<String, String> keys,
        String currentKey,
        Existing existing,
        List<Lane> lanes,
        boolean allTenants,
        Map<String, TenantRule> tenants,
        Duration tokenTtl,
        HostPort listen,
        Path certificate,
        Path privateKey,
        Rate ratePerAddress,
        DataSize maxRequestSize,
        Duration requestTimeout)
        implements Validated {

    /** What happens to a message that already carries a {@code List-Unsubscribe} header. */
    public enum Existing {
        /** Keep the client's headers; Tern adds none. */
        KEEP,
        /** Remove the client's List-Unsubscribe and List-Unsubscribe-Post; add Tern's. */
        REPLACE,
        /** Refuse the message with 550 5.6.0. */
        REFUSE
    }

    /** A priority lane ({@code X-Tern-Priority}). */
    public enum Lane {
        BULK,
        TRANSACTIONAL
    }

    /**
     * @param enabled   whether this tenant's mail gets the headers
     * @param campaigns per campaign ({@code X-Tern-Campaign}): true or false, overriding {@code enabled}
     */
    public record TenantRule(boolean enabled, Map<String, Boolean> campaigns) {
        static TenantRule defaults() {
            return new TenantRule(true, Map.of());
        }

        public TenantRule {
            campaigns = campaigns == null ? Map.of() : Map.copyOf(campaigns);
        }
    }

    static Unsubscribe defaults() {
        return new Unsubscribe(
                false,
                "",
                "",
                Map.of(),
                "",
                Existing.KEEP,
                List.of(Lane.BULK),
                true,
                Map.of(),
                Duration.ofDays(30),
                null,
                null,
                null,
                Rate.parse("30/min"),
                new DataSize(16 * 1024),
                Duration.ofSeconds(10));
    }

    public Unsubscribe {
        url = url == null ? "" : url;
        mailtoDomain = mailtoDomain == null ? "" : mailtoDomain.toLowerCase(Locale.ROOT);
        keys = keys == null ? Map.of() : keys;
        currentKey = currentKey == null ? "" : currentKey;
        lanes = lanes == null ? List.of() : List.copyOf(lanes);
        tenants = tenants == null ? Map.of() : tenants;
        certificate = certificate == null || certificate.toString().isEmpty() ? null : certificate;
        privateKey = privateKey == null || privateKey.toString().isEmpty() ? null : privateKey;
    }

    /** Whether mail of this lane, tenant ("" = untagged) and campaign (null = none) gets the headers. */
    public boolean applies(boolean transactional, String tenant, String campaign) {
        if (!enabled || !lanes.contains(transactional ? Lane.TRANSACTIONAL : Lane.BULK)) return false;
        TenantRule rule = tenants.get(tenant == null ? "" : tenant);
        if (rule == null) return allTenants;
        Boolean c = campaign == null ? null : rule.campaigns().get(campaign);
        return c != null ? c : rule.enabled();
    }

    /**
     * Whether unsubscribe tokens are honoured (links and mail answered): keys are configured. New
     * mail gets the headers only when {@code enabled}; links of mail sent before keep working.
     */
    public boolean honoursTokens() {
        return !keys.isEmpty() && !signingKey().isEmpty();
    }

    /** The key id that signs new tokens: {@code currentKey}, else the only key. */
    public String signingKey() {
        return !currentKey.isEmpty()
                ? currentKey
                : keys.size() == 1 ? keys.keySet().iterator().next() : "";
    }

    @Override
    public void validate(Problems p) {
        String dom = "[a-z0-9]([a-z0-9\\-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9\\-]*[a-z0-9])?)+";
        p.require(
                mailtoDomain.isEmpty() || mailtoDomain.matches(dom),
                "mailto_domain",
                "not a domain name: '" + mailtoDomain + "'");
        p.require(
                url.isEmpty() || url.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+(/[A-Za-z0-9._~\\-/]*)?"),
                "url",
                "must be an http(s) URL such as https://unsub.example.com (no query), got '" + url + "'");
        for (var e : keys.entrySet()) {
            p.require(
                    e.getKey().matches("[0-9a-z]"),
                    "keys." + ConfigBinder.quoteKey(e.getKey()),
                    "key ids are one character 0-9 or a-z");
            p.require(
                    e.getValue() != null && e.getValue().length() >= 16,
                    "keys." + ConfigBinder.quoteKey(e.getKey()),
                    "secret must be at least 16 characters");
        }
        p.require(
                currentKey.isEmpty() || keys.containsKey(currentKey),
                "current_key",
                "must name one of keys (got '" + currentKey + "')");
        p.require(keys.size() <= 1 || !currentKey.isEmpty(), "current_key", "is required when there are several keys");
        if (enabled) {
            p.require(!keys.isEmpty(), "keys", "at least one key is required when enabled is true");
            p.require(
                    !url.isEmpty() || !mailtoDomain.isEmpty(),
                    "url",
                    "give url or mailto_domain (or both) when enabled is true");
        }
        p.require(listen == null || !keys.isEmpty(), "listen", "needs keys (the listener checks tokens with them)");
        p.require(tokenTtl.toSeconds() >= 60, "token_ttl", "must be at least 1m");
        p.require(
                (certificate == null) == (privateKey == null),
                certificate == null ? "certificate" : "private_key",
                "certificate and private_key go together");
        if (certificate != null && privateKey != null) FileChecks.installed().tlsKeyPair(certificate, privateKey, p);
        p.require(
                maxRequestSize.bytes() >= 1024 && maxRequestSize.bytes() <= (1 << 20),
                "max_request_size",
                "must be in 1KiB..1MiB (got " + maxRequestSize + ")");
        p.require(!requestTimeout.isNegative() && !requestTimeout.isZero(), "request_timeout", "must be positive");
    }
}
