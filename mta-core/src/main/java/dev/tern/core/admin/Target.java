package dev.tern.core.admin;

import dev.tern.core.delivery.SiteKey;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.HoldTarget.Kind;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses what an operation applies to: {@code site:<key>} (a site as listed by {@code tern queues}:
 * {@code mx:...} or {@code route:host:port}), {@code domain:<domain>}, {@code mxhost:<host>},
 * {@code campaign:<name>}, {@code tenant:<name>}, {@code pool:<name>} or {@code source:<name>}.
 */
public final class Target {
    static final String FORMS =
            "site:<key>, domain:<domain>, mxhost:<host>, campaign:<name>, tenant:<name>, pool:<name> or source:<name>";

    private static final Pattern DOMAIN =
            Pattern.compile("[a-z0-9]([a-z0-9\\-]{0,62}[a-z0-9])?(\\.[a-z0-9]([a-z0-9\\-]{0,62}[a-z0-9])?)+");

    private Target() {}

    /** Parses a target; 400 with the expected forms if it is not one. */
    public static HoldTarget parse(String text) {
        if (text == null || text.isBlank()) throw ApiException.badRequest("missing target: expected " + FORMS);
        int colon = text.indexOf(':');
        Kind kind = colon < 0 ? null : Kind.ofPrefix(text.substring(0, colon));
        String value = colon < 0 ? "" : text.substring(colon + 1).trim();
        if (kind == null) throw ApiException.badRequest("bad target '" + excerpt(text) + "': expected " + FORMS);
        return switch (kind) {
            case SITE -> {
                try {
                    yield new HoldTarget(kind, SiteKey.parse(value).key());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest(e.getMessage().replace(value, excerpt(value))
                            + ", e.g. site:mx:mx.example.com or site:route:127.0.0.1:2526");
                }
            }
            case DOMAIN, MX_HOST -> {
                String d = value.toLowerCase(Locale.ROOT);
                if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
                if (d.length() > 253 || !DOMAIN.matcher(d).matches()) {
                    throw ApiException.badRequest("bad " + kind.prefix() + " '" + excerpt(value)
                            + "': expected a host name such as example.com");
                }
                yield new HoldTarget(kind, d);
            }
            case CAMPAIGN, TENANT, POOL, SOURCE -> {
                if (value.isEmpty() || value.length() > 200 || value.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                    throw ApiException.badRequest("bad " + kind.prefix() + " name '" + excerpt(value)
                            + "': expected 1 to 200 printable characters without spaces");
                }
                yield new HoldTarget(kind, value);
            }
        };
    }

    /** A short, printable excerpt of client input for an error message. */
    private static String excerpt(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 80 ? clean.substring(0, 80) + "..." : clean;
    }
}
