package dev.tern.core.admin;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What an operation applies to: {@code site:<destination key>} (a key as listed by
 * {@code GET /api/v1/queues}: {@code mx:...} or {@code route:host:port}), {@code domain:<domain>},
 * {@code campaign:<name>} or {@code tenant:<name>} (as set by X-Tern-Campaign / X-Tern-Tenant).
 */
public record Target(Kind kind, String value) {
    /** The kinds of targets. */
    public enum Kind {
        SITE,
        DOMAIN,
        CAMPAIGN,
        TENANT
    }

    static final String FORMS = "site:<key>, domain:<domain>, campaign:<name> or tenant:<name>";

    private static final Pattern DOMAIN =
            Pattern.compile("[a-z0-9]([a-z0-9\\-]{0,62}[a-z0-9])?(\\.[a-z0-9]([a-z0-9\\-]{0,62}[a-z0-9])?)+");

    /** Parses a target; 400 with the expected forms if it is not one. */
    public static Target parse(String text) {
        if (text == null || text.isBlank()) throw ApiException.badRequest("missing target: expected " + FORMS);
        int colon = text.indexOf(':');
        String kind = colon < 0 ? "" : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1).trim();
        switch (kind) {
            case "site" -> {
                if (!(value.startsWith("mx:") || value.startsWith("route:")) || value.length() < 5) {
                    throw ApiException.badRequest(
                            "bad site key '" + value + "': expected a destination key as listed by"
                                    + " 'tern queues', e.g. site:mx:mx.example.com or site:route:127.0.0.1:2526");
                }
                return new Target(Kind.SITE, value);
            }
            case "domain" -> {
                String d = value.toLowerCase(Locale.ROOT);
                if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
                if (d.length() > 253 || !DOMAIN.matcher(d).matches()) {
                    throw ApiException.badRequest(
                            "bad domain '" + value + "': expected a domain name such as example.com");
                }
                return new Target(Kind.DOMAIN, d);
            }
            case "campaign", "tenant" -> {
                if (value.isEmpty() || value.length() > 200 || value.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                    throw ApiException.badRequest("bad " + kind + " name '" + value
                            + "': expected 1 to 200 printable characters without spaces");
                }
                return new Target(kind.equals("campaign") ? Kind.CAMPAIGN : Kind.TENANT, value);
            }
            default -> throw ApiException.badRequest("bad target '" + text + "': expected " + FORMS);
        }
    }

    /** Whether a spooled entry belongs to this target (sites are not recorded in the spool: never). */
    public boolean matches(dev.tern.queue.QueueEntry e) {
        return switch (kind) {
            case SITE -> false;
            case DOMAIN -> e.domain().equals(value);
            case CAMPAIGN -> value.equals(e.envelope().campaign());
            case TENANT -> value.equals(e.envelope().tenant());
        };
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + value;
    }
}
