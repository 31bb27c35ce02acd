package dev.tern.core.delivery;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where a destination domain's mail goes.
 *
 * @param site  the site: domains with the same site share connections, limits and holds
 * @param hosts the hosts to try, in order
 */
public record Route(SiteKey site, List<InetSocketAddress> hosts) {
    public Route {
        hosts = List.copyOf(hosts);
    }
}
