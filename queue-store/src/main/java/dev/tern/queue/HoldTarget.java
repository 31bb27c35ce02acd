package dev.tern.queue;

import java.util.Locale;
import java.util.Objects;

/**
 * What a hold stops: mail to a site, domain or MX host, of a campaign, tenant or pool, or sent
 * from one egress source.
 *
 * @param kind  the kind of target
 * @param value the site key ({@code mx:...}, {@code route:host:port}), domain, host name or name
 */
public record HoldTarget(Kind kind, String value) {
    /** The kinds of hold targets, with their wire prefix ({@code site:}, {@code mxhost:}, ...). */
    public enum Kind {
        SITE("site"),
        DOMAIN("domain"),
        MX_HOST("mxhost"),
        CAMPAIGN("campaign"),
        TENANT("tenant"),
        POOL("pool"),
        SOURCE("source");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        /** The prefix of this kind in {@code kind:value} form. */
        public String prefix() {
            return prefix;
        }

        /** The kind with this prefix, or null. */
        public static Kind ofPrefix(String prefix) {
            for (Kind k : values()) if (k.prefix.equals(prefix)) return k;
            return null;
        }
    }

    public HoldTarget {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        if (value.isEmpty() || value.indexOf('\0') >= 0)
            throw new IllegalArgumentException("hold target value is empty or has a NUL character");
        if (kind == Kind.DOMAIN || kind == Kind.MX_HOST) value = value.toLowerCase(Locale.ROOT);
    }

    /** The {@code kind:value} form (as {@code tern suspend} takes it). */
    @Override
    public String toString() {
        return kind.prefix() + ":" + value;
    }
}
