package dev.tern.core.shaping;

import dev.tern.core.config.ShapingConfig;
import dev.tern.core.delivery.smtp.SmtpReply;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A compiled backoff rule: conditions on a reply (code pattern, enhanced code prefix, text
 * regex; all given ones must hold), the sites it applies to, and the action with its duration.
 */
public record AutomationRule(
        String name,
        String code,
        String enhancedCode,
        Pattern text,
        List<String> domains,
        List<String> mx,
        ShapingConfig.Action action,
        Duration duration,
        double connectionFactor,
        double rateFactor) {

    static AutomationRule of(ShapingConfig.Automation a, int index) {
        return new AutomationRule(
                a.name().isEmpty() ? "automation[" + index + "]" : a.name(),
                a.code(),
                a.enhancedCode(),
                a.text() == null ? null : Pattern.compile(a.text()),
                a.domains(),
                a.mx(),
                a.action(),
                a.duration(),
                a.connectionFactor() == null ? 0.5 : a.connectionFactor(),
                a.rateFactor() == null ? 0.5 : a.rateFactor());
    }

    /** Whether this rule applies to a site (given one of its domains and its MX host names). */
    public boolean appliesTo(String domain, List<String> mxHosts) {
        if (domains.isEmpty() && mx.isEmpty()) return true;
        return (domain != null && HostPatterns.any(domains, domain)) || HostPatterns.any(mx, mxHosts);
    }

    /** Whether the reply meets every condition of the rule. */
    public boolean matches(SmtpReply reply) {
        if (code != null && !codeMatches(code, reply.code())) return false;
        if (enhancedCode != null) {
            String e = reply.enhancedCode();
            if (e == null || !(e.equals(enhancedCode) || e.startsWith(enhancedCode + "."))) return false;
        }
        return text == null || text.matcher(reply.toString()).find();
    }

    private static boolean codeMatches(String pattern, int code) {
        String c = Integer.toString(code);
        if (c.length() != 3) return false;
        for (int i = 0; i < 3; i++) {
            char p = pattern.charAt(i);
            if (p != 'x' && p != c.charAt(i)) return false;
        }
        return true;
    }
}
