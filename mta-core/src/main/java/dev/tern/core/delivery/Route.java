package dev.tern.core.delivery;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where a destination domain's mail goes.
 *
 * @param site    the site: domains with the same site share connections, limits and holds
 * @param hosts   the hosts to try, in order
 * @param mxHosts the domain's own MX hosts after CNAME resolution, sorted (they may differ from the
 *     site's when the domain joined a site by a shared primary host; its mail then has a ready queue
 *     of its own, with its own hosts, within the site's limits); empty for a static route
 */
public record Route(SiteKey site, List<InetSocketAddress> hosts, List<String> mxHosts) {
    public Route {
        hosts = List.copyOf(hosts);
        mxHosts = mxHosts == null ? List.of() : List.copyOf(mxHosts);
    }

    public Route(SiteKey site, List<InetSocketAddress> hosts) {
        this(site, hosts, List.of());
    }

    /** The domain's own hosts when they differ from its site's ({@link #mxHosts}), else empty. */
    List<String> ownHosts() {
        return mxHosts.isEmpty() || mxHosts.equals(site.hostNames()) ? List.of() : mxHosts;
    }
}
