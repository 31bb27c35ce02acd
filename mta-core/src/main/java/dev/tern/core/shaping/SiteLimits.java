package dev.tern.core.shaping;

import dev.tern.core.config.Rate;
import dev.tern.core.config.ShapingConfig;

/**
 * The effective limits of one site, or of one (egress source, site) pair.
 *
 * @param maxConnections              concurrent connections ({@link Integer#MAX_VALUE}: no limit)
 * @param maxMessagesPerConnection    messages per connection
 * @param messageRate                 messages per time, or null for no limit
 * @param connectionRate              new connections per time, or null for no limit
 * @param maxRecipientsPerTransaction recipients per SMTP transaction
 * @param rule                        name of the rule that set them ("" for the defaults)
 */
public record SiteLimits(
        int maxConnections,
        int maxMessagesPerConnection,
        Rate messageRate,
        Rate connectionRate,
        int maxRecipientsPerTransaction,
        String rule) {

    /** No limit at all (the per-source default). */
    public static SiteLimits unlimited() {
        return new SiteLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, null, null, Integer.MAX_VALUE, "");
    }

    /** These limits with each key the given configuration sets replaced. */
    SiteLimits with(ShapingConfig.Limits l, String ruleName) {
        if (l == null) return this;
        return new SiteLimits(
                l.maxConnections() != null ? l.maxConnections() : maxConnections,
                l.maxMessagesPerConnection() != null ? l.maxMessagesPerConnection() : maxMessagesPerConnection,
                l.maxMessageRate() != null ? rate(l.maxMessageRate()) : messageRate,
                l.maxConnectionRate() != null ? rate(l.maxConnectionRate()) : connectionRate,
                l.maxRecipientsPerTransaction() != null ? l.maxRecipientsPerTransaction() : maxRecipientsPerTransaction,
                ruleName);
    }

    private static Rate rate(String text) {
        return text.isBlank() || text.equalsIgnoreCase("unlimited") ? null : Rate.parse(text);
    }
}
