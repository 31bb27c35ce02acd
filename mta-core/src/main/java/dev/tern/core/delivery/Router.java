package dev.tern.core.delivery;

import dev.tern.core.dns.MxHost;
import dev.tern.core.dns.MxResolver;
import dev.tern.core.dns.MxResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Decides where a domain's mail goes: a static route if one matches, else DNS (MX hosts in
 * order, each host's addresses in turn, on {@code smtpPort}). Domains whose MX hosts form the
 * same site share one route key, and so one ready queue and its limits.
 */
public final class Router {
    private volatile StaticRoutes routes;
    private final MxResolver dns;
    private final int smtpPort;

    public Router(StaticRoutes routes, MxResolver dns, int smtpPort) {
        this.routes = routes;
        this.dns = dns;
        this.smtpPort = smtpPort;
    }

    /** Replaces the static routes (configuration reload). */
    public void routes(StaticRoutes r) {
        routes = r;
    }

    /** The route for a domain; fails with {@link RouteException} when it cannot be resolved. */
    public CompletableFuture<Route> route(String domain) {
        Optional<Route> r = routes.lookup(domain);
        if (r.isPresent()) return CompletableFuture.completedFuture(r.get());
        return dns.resolve(domain).thenApply(this::toRoute);
    }

    private static InetAddress named(String host, InetAddress a) {
        try {
            return InetAddress.getByAddress(host, a.getAddress());
        } catch (java.net.UnknownHostException e) {
            return a; // cannot happen for an address of 4 or 16 bytes
        }
    }

    private Route toRoute(MxResult result) {
        return switch (result) {
            case MxResult.Resolved ok -> {
                List<InetSocketAddress> hosts = new ArrayList<>();
                for (MxHost h : ok.hosts()) {
                    // the address carries its MX host name: TLS policies (SNI, names, TLSA) need it
                    for (InetAddress a : h.addresses()) hosts.add(new InetSocketAddress(named(h.name(), a), smtpPort));
                }
                yield new Route(new SiteKey.Mx(ok.site().hosts()), hosts);
            }
            case MxResult.PermanentFailure f ->
                throw new java.util.concurrent.CompletionException(
                        new RouteException(true, f.enhancedCode(), f.text(), LocalFailures.of(f)));
            case MxResult.TemporaryFailure f ->
                throw new java.util.concurrent.CompletionException(
                        new RouteException(false, f.enhancedCode(), f.text(), LocalFailures.of(f)));
        };
    }
}
