package dev.tern.core.delivery;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Decides where a domain's mail goes: a static route if one matches, else DNS (MX). */
public final class Router {
  private volatile StaticRoutes routes;
  private final Function<String, CompletableFuture<Route>> dns;

  public Router(StaticRoutes routes, Function<String, CompletableFuture<Route>> dns) {
    this.routes = routes;
    this.dns = dns;
  }

  /** Replaces the static routes (configuration reload). */
  public void routes(StaticRoutes r) {
    routes = r;
  }

  /** The route for a domain; fails with {@link RouteException} when it cannot be resolved. */
  public CompletableFuture<Route> route(String domain) {
    Optional<Route> r = routes.lookup(domain);
    return r.map(CompletableFuture::completedFuture).orElseGet(() -> dns.apply(domain));
  }
}
