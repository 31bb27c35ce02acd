package dev.tern.core.delivery;

import dev.tern.core.config.HostPort;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code routes:} table (a transport map / smarthost): exact domain first, then the
 * longest matching {@code *.suffix} wildcard, then {@code *}. A route overrides DNS.
 */
public final class StaticRoutes {
    private final Map<String, HostPort> routes;

    public StaticRoutes(Map<String, HostPort> routes) {
        this.routes = Map.copyOf(routes);
    }

    public Optional<Route> lookup(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        HostPort target = routes.get(d);
        for (String suffix = d; target == null; ) {
            int dot = suffix.indexOf('.');
            if (dot < 0) break;
            suffix = suffix.substring(dot + 1);
            target = routes.get("*." + suffix);
        }
        if (target == null) target = routes.get("*");
        if (target == null) return Optional.empty();
        return Optional.of(new Route(
                new SiteKey.Relay(target.host(), target.port()),
                List.of(new InetSocketAddress(target.host(), target.port()))));
    }
}
