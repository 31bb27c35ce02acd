package dev.tern.core.admin;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.HostPort;
import dev.tern.core.config.TernConfig;
import dev.tern.core.delivery.DeliverySetup;
import dev.tern.core.delivery.StaticRoutes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code POST /api/v1/reload}: reads the configuration file Tern was started with again and
 * applies what can change at run time: static {@code routes}, {@code admin.token}, and the
 * traffic shaping file, sources and pools (new site limits apply at once). Other
 * changed sections are listed under {@code restart_required} and keep their running values.
 * A file with problems changes nothing (400 with every problem).
 */
final class ReloadResource {
    record RouteChange(String pattern, String from, String to) {}

    record Reloaded(String file, List<RouteChange> routes, boolean tokenChanged, List<String> restartRequired) {}

    private final AdminContext ctx;

    ReloadResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    synchronized Reloaded reload() {
        if (ctx.configFile() == null) {
            throw new ApiException(409, "Tern was started without a configuration file: nothing to reload");
        }
        TernConfig next;
        try {
            next = ConfigLoader.load(ctx.configFile());
        } catch (ConfigException e) {
            throw ApiException.badRequest("configuration not reloaded: " + String.join("; ", e.problems()));
        }
        TernConfig cur = ctx.config();
        // read the shaping file and pools first: a broken one changes nothing
        DeliverySetup.Reload delivery;
        try {
            delivery = DeliverySetup.prepare(next);
        } catch (ConfigException e) {
            throw ApiException.badRequest("configuration not reloaded: " + String.join("; ", e.problems()));
        }
        List<RouteChange> routes = diff(ctx.routes().get(), next.routes());
        if (!routes.isEmpty()) {
            ctx.router().routes(new StaticRoutes(next.routes()));
            ctx.routes().set(next.routes());
        }
        delivery.applyTo(ctx.engine());
        String nextToken = AdminToken.resolve(next.admin());
        boolean tokenChanged = !ctx.token().get().equals(nextToken);
        ctx.token().set(nextToken);
        ctx.scrapeToken().set(next.admin().token());
        // compared with the configuration Tern started with: these keep their running values
        List<String> restart = new ArrayList<>();
        if (!cur.server().equals(next.server())) restart.add("server");
        if (!cur.spool().equals(next.spool())) restart.add("spool");
        if (!cur.injection().equals(next.injection())) restart.add("injection");
        if (!cur.admin().listen().equals(next.admin().listen())) restart.add("admin.listen");
        TernConfig.Delivery cd = cur.delivery(), nd = next.delivery();
        if (!cd.retry().equals(nd.retry())
                || !cd.maxAge().equals(nd.maxAge())
                || !cd.timeouts().equals(nd.timeouts())
                || cd.smtpPort() != nd.smtpPort()
                || cd.maxConnections() != nd.maxConnections()) {
            restart.add("delivery (retry, max_age, timeouts, smtp_port, max_connections)");
        }
        if (!cur.dns().equals(next.dns())) restart.add("dns");
        if (!cur.events().equals(next.events())) restart.add("events");
        return new Reloaded(ctx.configFile().toString(), routes, tokenChanged, restart);
    }

    private static List<RouteChange> diff(Map<String, HostPort> a, Map<String, HostPort> b) {
        List<RouteChange> out = new ArrayList<>();
        for (String k : new TreeSet<>(union(a, b).keySet())) {
            HostPort from = a.get(k), to = b.get(k);
            if (from == null ? to != null : !from.equals(to)) {
                out.add(new RouteChange(k, from == null ? null : from.toString(), to == null ? null : to.toString()));
            }
        }
        return out;
    }

    private static Map<String, HostPort> union(Map<String, HostPort> a, Map<String, HostPort> b) {
        Map<String, HostPort> m = new TreeMap<>(a);
        m.putAll(b);
        return m;
    }
}
