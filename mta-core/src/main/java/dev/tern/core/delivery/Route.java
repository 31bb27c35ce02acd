package dev.tern.core.delivery;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where a destination domain's mail goes.
 *
 * @param key   the queue key: domains with the same key share connections and limits
 *              (an MX site, or a static route's target)
 * @param hosts the hosts to try, in order
 */
public record Route(String key, List<InetSocketAddress> hosts) {
    public Route {
        hosts = List.copyOf(hosts);
    }
}
