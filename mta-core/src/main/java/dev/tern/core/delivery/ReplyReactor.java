package dev.tern.core.delivery;

import dev.tern.core.delivery.smtp.SmtpReply;
import dev.tern.core.shaping.AutomationRule;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the replies of a site to the adaptive mode (pushback on 421 and 4.7.x, recovery on
 * success) and to the automation rules; the first matching rule acts on the whole site: a
 * suspension becomes a timed hold (through the queue manager), a throttle slows the site's
 * throttle down for a while, a bounce window bounces its mail until the window ends.
 */
final class ReplyReactor {
    private static final Logger log = LoggerFactory.getLogger(ReplyReactor.class);

    /** What a rule does beyond the throttle; the queue manager applies it. */
    interface Actions {
        /** Holds the site for the rule's duration (origin automation). */
        void holdSite(SiteKey site, AutomationRule rule, SmtpReply reply);

        /** Bounces the mail waiting for the site with {@code reply}. */
        void bounceSite(SiteKey site, String reply);
    }

    /** An automation "bounce" in force for a site. */
    private record BounceWindow(String reply, Instant until) {}

    private final DestinationRegistry registry;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Actions actions;
    private final Map<SiteKey, BounceWindow> bouncing = new ConcurrentHashMap<>();

    ReplyReactor(DestinationRegistry registry, Clock clock, LongSupplier nanoTime, Actions actions) {
        this.registry = registry;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.actions = actions;
    }

    /** Reacts to one reply of {@code d}'s site; true if a rule took the site out (held or bouncing). */
    boolean react(Destination d, SmtpReply reply) {
        if (reply == null) return false;
        if (reply.positive()) {
            d.site.clean();
            return false;
        }
        String enhanced = reply.enhancedCode();
        if (reply.code() == 421 || (enhanced != null && enhanced.startsWith("4.7."))) d.site.pushback();
        var site = registry.site(d.siteKey);
        if (site.isEmpty()) return false;
        var rule = registry.policy().automation(reply, site.get().domain(), d.siteKey.hostNames());
        if (rule.isEmpty()) return false;
        return apply(d, rule.get(), reply);
    }

    private boolean apply(Destination d, AutomationRule rule, SmtpReply reply) {
        log.info(
                "site {}: '{}' matched automation rule {}: {} for {}",
                d.siteKey,
                reply,
                rule.name(),
                rule.action().name().toLowerCase(Locale.ROOT),
                rule.duration());
        switch (rule.action()) {
            case SUSPEND -> {
                actions.holdSite(d.siteKey, rule, reply);
                return true;
            }
            case THROTTLE -> {
                long now = nanoTime.getAsLong();
                d.site.backoff(
                        rule.connectionFactor(),
                        rule.rateFactor(),
                        now,
                        now + rule.duration().toNanos());
                return false;
            }
            case BOUNCE -> {
                bouncing.put(
                        d.siteKey,
                        new BounceWindow(reply.toString(), clock.instant().plus(rule.duration())));
                actions.bounceSite(d.siteKey, reply.toString());
                return true;
            }
        }
        return false;
    }

    /** The reply an automation bounce window gives the site's mail now, or null. */
    String bouncing(SiteKey site) {
        BounceWindow b = bouncing.get(site);
        if (b == null) return null;
        if (!clock.instant().isBefore(b.until())) {
            bouncing.remove(site, b);
            return null;
        }
        return b.reply();
    }
}
