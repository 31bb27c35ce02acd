package dev.tern.core.shaping;

import dev.tern.core.config.ShapingConfig;
import dev.tern.core.delivery.smtp.SmtpReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The shaping rules in effect (immutable; a reload builds a new one): which limits a site gets,
 * which automation rule a reply triggers, the adaptive settings and the lanes' shares.
 */
public final class ShapingPolicy {
    private final ShapingConfig config;
    private final SiteLimits base;
    private final List<AutomationRule> automation;

    /**
     * @param config the shaping file
     * @param base   limits from tern.yaml's delivery section, under the file's {@code defaults}
     */
    public ShapingPolicy(ShapingConfig config, SiteLimits base) {
        this.config = config;
        this.base = base.with(config.defaults(), "");
        List<AutomationRule> rules = new ArrayList<>();
        for (int i = 0; i < config.automation().size(); i++)
            rules.add(AutomationRule.of(config.automation().get(i), i));
        this.automation = List.copyOf(rules);
    }

    public ShapingConfig config() {
        return config;
    }

    /** The limits of the site that {@code domain} (one of its domains) routes to, with these MX host names. */
    public SiteLimits forSite(String domain, List<String> mxHosts) {
        return rule(domain, mxHosts)
                .map(r -> base.with(r.limits(), ruleName(r)))
                .orElse(base);
    }

    /** The limits of each (egress source, site) pair of that site (within the site's). */
    public SiteLimits forSourceAtSite(String domain, List<String> mxHosts) {
        return rule(domain, mxHosts)
                .map(r -> SiteLimits.unlimited().with(r.perSource(), ruleName(r)))
                .orElse(SiteLimits.unlimited());
    }

    /** The first automation rule for this site that the reply matches. */
    public Optional<AutomationRule> automation(SmtpReply reply, String domain, List<String> mxHosts) {
        if (reply == null || reply.positive()) return Optional.empty();
        for (AutomationRule r : automation) {
            if (r.appliesTo(domain, mxHosts) && r.matches(reply)) return Optional.of(r);
        }
        return Optional.empty();
    }

    public ShapingConfig.Adaptive adaptive() {
        return config.adaptive();
    }

    public double transactionalShare() {
        return config.transactionalShare();
    }

    public int readyLimit() {
        return config.readyLimit();
    }

    private Optional<ShapingConfig.Rule> rule(String domain, List<String> mxHosts) {
        for (ShapingConfig.Rule r : config.rules()) {
            if ((domain != null && HostPatterns.any(r.domains(), domain)) || HostPatterns.any(r.mx(), mxHosts)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private String ruleName(ShapingConfig.Rule r) {
        return r.name().isEmpty() ? "rules[" + config.rules().indexOf(r) + "]" : r.name();
    }
}
