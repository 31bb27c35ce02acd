package dev.tern.core.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The traffic shaping file ({@code delivery.shaping_file}, see {@code config/shaping.yaml}):
 * default limits, rules matched by domain or MX host, automation (backoff) rules and the
 * adaptive mode. Keys are the snake_case names of the components below; a key left out of a
 * rule falls back to {@code defaults}, and a key left out of {@code defaults} falls back to
 * the {@code delivery} section of {@code tern.yaml}.
 *
 * @param defaults         limits of every site that no rule overrides
 * @param rules            per-site rules; the first rule matching a site applies
 * @param automation       reply-triggered actions (backoff mode)
 * @param adaptive         AIMD adjustment of each site's rate and connections
 * @param transactionalShare share of a site's delivery slots the transactional lane gets while both lanes have mail
 * @param readyLimit       most entries held in memory per site and lane; more wait in the spool
 */
public record ShapingConfig(
        Limits defaults,
        List<Rule> rules,
        List<Automation> automation,
        Adaptive adaptive,
        double transactionalShare,
        int readyLimit)
        implements Validated {

    /** No file: every site gets the delivery section's limits (also the base a file is read onto). */
    public static ShapingConfig empty() {
        return new ShapingConfig(Limits.none(), List.of(), List.of(), Adaptive.defaults(), 0.9, 2000);
    }

    public ShapingConfig {
        defaults = defaults == null ? Limits.none() : defaults;
        rules = rules == null ? List.of() : List.copyOf(rules);
        automation = automation == null ? List.of() : List.copyOf(automation);
        adaptive = adaptive == null ? Adaptive.defaults() : adaptive;
    }

    @Override
    public void validate(Problems p) {
        p.require(
                transactionalShare > 0 && transactionalShare <= 1,
                "transactional_share",
                "must be in (0, 1] (got " + transactionalShare + ")");
        p.min(readyLimit, 1, "ready_limit");
    }

    /**
     * Limits; each null key inherits.
     *
     * @param maxConnections              concurrent connections
     * @param maxMessagesPerConnection    messages per connection before it is closed
     * @param maxMessageRate              messages per time, e.g. 100/s, 3000/min, 50000/h
     * @param maxConnectionRate           new connections per time
     * @param maxRecipientsPerTransaction recipients per SMTP transaction
     */
    public record Limits(
            Integer maxConnections,
            Integer maxMessagesPerConnection,
            String maxMessageRate,
            String maxConnectionRate,
            Integer maxRecipientsPerTransaction)
            implements Validated {
        static Limits none() {
            return new Limits(null, null, null, null, null);
        }

        @Override
        public void validate(Problems p) {
            checkLimits(
                    p,
                    maxConnections,
                    maxMessagesPerConnection,
                    maxMessageRate,
                    maxConnectionRate,
                    maxRecipientsPerTransaction);
        }
    }

    /**
     * A shaping rule. It matches a site when one of {@code domains} matches a destination domain
     * routed to it (exact, {@code *.example.com} for subdomains, {@code *} for all) or one of
     * {@code mx} matches one of its MX host names (exact or {@code *.google.com}).
     *
     * @param name      shown in logs and the admin API
     * @param perSource limits of each (egress source, site) pair, within the site's limits
     * @param tlsPolicy the outbound TLS policy of the domains this rule matches (null: {@code delivery.tls});
     *                  an entry of {@code delivery.tls.policies} for the domain itself wins
     */
    public record Rule(
            String name,
            List<String> domains,
            List<String> mx,
            Integer maxConnections,
            Integer maxMessagesPerConnection,
            String maxMessageRate,
            String maxConnectionRate,
            Integer maxRecipientsPerTransaction,
            Limits perSource,
            OutboundTls.Mode tlsPolicy)
            implements Validated {
        public Rule {
            name = name == null ? "" : name;
            domains = domains == null ? List.of() : List.copyOf(domains);
            mx = mx == null ? List.of() : List.copyOf(mx);
        }

        public Limits limits() {
            return new Limits(
                    maxConnections,
                    maxMessagesPerConnection,
                    maxMessageRate,
                    maxConnectionRate,
                    maxRecipientsPerTransaction);
        }

        @Override
        public void validate(Problems p) {
            p.require(!domains.isEmpty() || !mx.isEmpty(), "domains", "a rule needs 'domains' or 'mx' patterns");
            for (int i = 0; i < domains.size(); i++) checkPattern(p, "domains[" + i + "]", domains.get(i));
            for (int i = 0; i < mx.size(); i++) checkPattern(p, "mx[" + i + "]", mx.get(i));
            checkLimits(
                    p,
                    maxConnections,
                    maxMessagesPerConnection,
                    maxMessageRate,
                    maxConnectionRate,
                    maxRecipientsPerTransaction);
        }
    }

    /** What an automation rule does. */
    public enum Action {
        /** no connection and no message to the site for the duration */
        SUSPEND,
        /** multiply the site's rate and connections by the factors for the duration */
        THROTTLE,
        /** bounce the site's queued mail, and mail routed to it for the duration, with the reply */
        BOUNCE
    }

    /**
     * A backoff rule: when a reply from a site matches (every given condition), apply
     * {@code action} to the site for {@code duration}, then return to normal.
     *
     * @param code              reply code pattern: 421, 4xx, 45x
     * @param enhancedCode      enhanced status code prefix: 4.7.0, 4.7
     * @param text              regular expression searched in the reply text
     * @param domains           only for sites these domain patterns match (empty: any)
     * @param mx                only for sites whose MX hosts match (empty: any)
     * @param connectionFactor  for throttle: multiplier of max_connections (at least one stays)
     * @param rateFactor        for throttle: multiplier of max_message_rate and max_connection_rate
     */
    public record Automation(
            String name,
            String code,
            String enhancedCode,
            String text,
            List<String> domains,
            List<String> mx,
            Action action,
            Duration duration,
            Double connectionFactor,
            Double rateFactor)
            implements Validated {
        public Automation {
            name = name == null ? "" : name;
            domains = domains == null ? List.of() : List.copyOf(domains);
            mx = mx == null ? List.of() : List.copyOf(mx);
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    code != null || enhancedCode != null || text != null,
                    "code",
                    "an automation rule needs at least one of code, enhanced_code, text");
            if (code != null)
                p.require(
                        code.matches("[245][0-9x]{2}"),
                        "code",
                        "must be a reply code such as 421, 4xx or 45x (got '" + code + "')");
            if (enhancedCode != null)
                p.require(
                        enhancedCode.matches("[245](\\.\\d{1,3}){0,2}"),
                        "enhanced_code",
                        "must be an enhanced status code or prefix such as 4.7.0 or 4.7 (got '" + enhancedCode + "')");
            if (text != null) {
                try {
                    Pattern.compile(text);
                } catch (PatternSyntaxException e) {
                    p.add("text", "not a regular expression: " + e.getDescription());
                }
            }
            p.require(action != null, "action", "is required (suspend, throttle or bounce)");
            p.require(duration != null && duration.toMillis() >= 1, "duration", "is required (e.g. 10m)");
            if (connectionFactor != null)
                p.require(connectionFactor > 0 && connectionFactor <= 1, "connection_factor", "must be in (0, 1]");
            if (rateFactor != null) p.require(rateFactor > 0 && rateFactor <= 1, "rate_factor", "must be in (0, 1]");
            for (int i = 0; i < domains.size(); i++) checkPattern(p, "domains[" + i + "]", domains.get(i));
            for (int i = 0; i < mx.size(); i++) checkPattern(p, "mx[" + i + "]", mx.get(i));
        }
    }

    /**
     * Adaptive mode (AIMD): each site starts at {@code startFactor} of its limits, gains
     * {@code increase} after every {@code cleanReplies} replies without pushback, and is
     * multiplied by {@code decrease} on pushback (421, 4.7.x, or a matching automation rule);
     * never above the configured maxima nor below {@code minFactor}.
     */
    public record Adaptive(
            boolean enabled, double startFactor, double minFactor, double increase, int cleanReplies, double decrease)
            implements Validated {
        static Adaptive defaults() {
            return new Adaptive(false, 0.5, 0.1, 0.1, 50, 0.5);
        }

        @Override
        public void validate(Problems p) {
            p.require(minFactor > 0 && minFactor <= 1, "min_factor", "must be in (0, 1]");
            p.require(startFactor >= minFactor && startFactor <= 1, "start_factor", "must be in [min_factor, 1]");
            p.require(increase > 0 && increase <= 1, "increase", "must be in (0, 1]");
            p.min(cleanReplies, 1, "clean_replies");
            p.require(decrease > 0 && decrease < 1, "decrease", "must be in (0, 1)");
        }
    }

    private static void checkLimits(
            Problems p,
            Integer maxConnections,
            Integer maxMessagesPerConnection,
            String maxMessageRate,
            String maxConnectionRate,
            Integer maxRecipientsPerTransaction) {
        if (maxConnections != null) p.min(maxConnections, 1, "max_connections");
        if (maxMessagesPerConnection != null) p.min(maxMessagesPerConnection, 1, "max_messages_per_connection");
        if (maxRecipientsPerTransaction != null)
            p.min(maxRecipientsPerTransaction, 1, "max_recipients_per_transaction");
        checkRate(p, "max_message_rate", maxMessageRate);
        checkRate(p, "max_connection_rate", maxConnectionRate);
    }

    private static void checkRate(Problems p, String key, String rate) {
        if (rate == null || rate.isBlank() || rate.equalsIgnoreCase("unlimited")) return;
        try {
            Rate.parse(rate);
        } catch (IllegalArgumentException e) {
            p.add(key, e.getMessage());
        }
    }

    private static void checkPattern(Problems p, String key, String pattern) {
        p.require(
                pattern != null
                        && (pattern.equals("*")
                                || pattern.matches("(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_.\\-]*[A-Za-z0-9])?\\.?")),
                key,
                "not a domain, '*.domain' wildcard or '*' (got '" + pattern + "')");
    }
}
