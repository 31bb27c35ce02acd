package dev.tern.core.delivery;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The key of a site: the unit that shares connections, limits and holds. Domains whose MX
 * hosts are the same form one {@link Mx} site; a static route's target is a {@link Relay} site.
 * Its {@link #key()} is the form shown by {@code tern queues} and taken by {@code site:} targets.
 */
public sealed interface SiteKey permits SiteKey.Mx, SiteKey.Relay {
    /** The printed form: {@code mx:host1,host2} or {@code route:host:port}. */
    String key();

    /** The host names shaping rules and {@code mxhost:} holds match. */
    List<String> hostNames();

    /** An MX site: its sorted, distinct, lower-case MX host names. */
    record Mx(List<String> hosts) implements SiteKey {
        public Mx {
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) throw new IllegalArgumentException("an MX site has at least one host");
        }

        @Override
        public String key() {
            return "mx:" + String.join(",", hosts);
        }

        @Override
        public List<String> hostNames() {
            return hosts;
        }

        @Override
        public String toString() {
            return key();
        }
    }

    /** A static route's target (a smarthost). */
    record Relay(String host, int port) implements SiteKey {
        public Relay {
            Objects.requireNonNull(host, "host");
            host = host.toLowerCase(Locale.ROOT);
            if (host.isEmpty() || port < 1 || port > 65535)
                throw new IllegalArgumentException("bad relay " + host + ":" + port);
        }

        @Override
        public String key() {
            return "route:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        @Override
        public List<String> hostNames() {
            return List.of(host);
        }

        @Override
        public String toString() {
            return key();
        }
    }

    /**
     * Parses a printed key.
     *
     * @throws IllegalArgumentException naming the expected forms
     */
    static SiteKey parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("mx:") && t.length() > 3) {
            List<String> hosts = List.of(t.substring(3).split(","));
            if (hosts.stream().anyMatch(String::isBlank)
                    || !hosts.equals(hosts.stream().sorted().distinct().toList()))
                throw new IllegalArgumentException("bad MX site '" + text + "': expected mx:host[,host...] (sorted)");
            return new Mx(hosts);
        }
        if (t.startsWith("route:")) {
            String target = t.substring(6);
            int colon = target.lastIndexOf(':');
            if (colon > 0) {
                String host = target.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
                try {
                    return new Relay(host, Integer.parseInt(target.substring(colon + 1)));
                } catch (IllegalArgumentException e) {
                    // falls through to the error below
                }
            }
        }
        throw new IllegalArgumentException("bad site key '" + text
                + "': expected mx:host[,host...] or route:host:port as listed by 'tern queues'");
    }
}
