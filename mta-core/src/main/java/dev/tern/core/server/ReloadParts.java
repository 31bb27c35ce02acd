package dev.tern.core.server;

import dev.tern.core.config.HostPort;
import dev.tern.core.config.TernConfig;
import dev.tern.core.delivery.DeliverySetup;
import dev.tern.core.delivery.QueueManager;
import dev.tern.core.delivery.Router;
import dev.tern.core.delivery.StaticRoutes;
import dev.tern.core.inject.DkimSigning;
import dev.tern.core.reload.Change;
import dev.tern.core.reload.Reloadable;
import dev.tern.core.reload.Reloader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a configuration reload does to each section of a running server: the sections that apply
 * at run time ({@code routes}, {@code admin.token}, {@code shaping}, {@code pools}, {@code dkim})
 * and, for every other section, "needs restart" when it changed.
 */
final class ReloadParts {
    private ReloadParts() {}

    /** Registers every section of a server started with {@code started}, in report order. */
    static Reloader register(
            Reloader reloader,
            TernConfig started,
            Router router,
            AtomicReference<Map<String, HostPort>> routes,
            AtomicReference<String> token,
            AtomicReference<String> scrapeToken,
            QueueManager engine,
            DkimSigning dkim) {
        return reloader.register(routes(router, routes))
                .register(adminToken(token, scrapeToken))
                .register(shapingAndPools(engine))
                .register(dkim(dkim))
                .register(Reloadable.restartOnly("server", started, TernConfig::server))
                .register(Reloadable.restartOnly("spool", started, TernConfig::spool))
                .register(Reloadable.restartOnly("injection", started, TernConfig::injection))
                .register(Reloadable.restartOnly(
                        "admin.listen",
                        started,
                        c -> List.of(c.admin().listen(), c.admin().publicMetrics())))
                .register(Reloadable.restartOnly("delivery", started, ReloadParts::deliveryRestartKeys))
                .register(Reloadable.restartOnly("dns", started, TernConfig::dns))
                .register(Reloadable.restartOnly("events", started, TernConfig::events))
                .register(Reloadable.restartOnly("bounces", started, TernConfig::bounces))
                .register(Reloadable.restartOnly("suppression", started, TernConfig::suppression))
                .register(Reloadable.restartOnly("campaigns", started, TernConfig::campaigns));
    }

    /** Static routes: replaced at once; the report lists each added, removed or changed pattern. */
    static Reloadable routes(Router router, AtomicReference<Map<String, HostPort>> current) {
        return (running, next) -> {
            List<String> diff = diff(current.get(), next.routes());
            if (diff.isEmpty()) return List.of(Change.unchanged("routes"));
            return List.of(Change.applied("routes", diff, () -> {
                router.routes(new StaticRoutes(next.routes()));
                current.set(next.routes());
            }));
        };
    }

    /**
     * The admin API's token (admin.token, else the token file's, see {@link
     * dev.tern.core.admin.AdminToken}): the next request is checked against the new one. {@code
     * scrapeToken} is what /metrics needs: admin.token as configured.
     */
    static Reloadable adminToken(AtomicReference<String> token, AtomicReference<String> scrapeToken) {
        return (running, next) -> {
            String effective = dev.tern.core.admin.AdminToken.resolve(next.admin());
            return token.get().equals(effective)
                            && scrapeToken.get().equals(next.admin().token())
                    ? List.of(Change.unchanged("admin.token"))
                    : List.of(Change.applied("admin.token", List.of("token changed"), () -> {
                        token.set(effective);
                        scrapeToken.set(next.admin().token());
                    }));
        };
    }

    /**
     * The shaping file (read again now, as its content may change without the configuration
     * changing) with the base limits of {@code delivery}, and the egress sources and pools:
     * sites get their new limits at once.
     */
    static Reloadable shapingAndPools(QueueManager engine) {
        return (running, next) -> {
            DeliverySetup.Reload prepared = DeliverySetup.prepare(next); // a broken file: nothing changes
            boolean shaping =
                    !Objects.equals(engine.policy().config(), prepared.policy().config())
                            || !baseLimits(running.delivery()).equals(baseLimits(next.delivery()));
            boolean pools = !poolKeys(running).equals(poolKeys(next));
            Runnable apply = () -> prepared.applyTo(engine);
            List<Change> out = new ArrayList<>();
            out.add(
                    shaping
                            ? Change.applied(
                                    "shaping",
                                    List.of(
                                            next.delivery().shapingFile() == null
                                                    ? "base limits"
                                                    : "rules of "
                                                            + next.delivery().shapingFile()),
                                    apply)
                            : Change.unchanged("shaping"));
            out.add(
                    pools
                            ? Change.applied(
                                    "pools",
                                    List.of("sources "
                                            + next.delivery().sources().keySet() + ", pools "
                                            + next.delivery().pools().keySet()),
                                    shaping ? () -> {} : apply)
                            : Change.unchanged("pools"));
            return out;
        };
    }

    /** DKIM domains, keys and signing options: keys are loaded first (a bad key changes nothing). */
    static Reloadable dkim(DkimSigning dkim) {
        return (running, next) -> {
            if (running.dkim().equals(next.dkim())) return List.of(Change.unchanged("dkim"));
            Runnable swap = dkim.prepare(next.dkim());
            return List.of(Change.applied(
                    "dkim",
                    List.of("signing domains "
                            + new TreeSet<>(next.dkim().domains().keySet())),
                    swap));
        };
    }

    private static List<Object> baseLimits(TernConfig.Delivery d) {
        return List.of(d.maxConnectionsPerDestination(), d.maxMessagesPerConnection(), d.maxRecipientsPerTransaction());
    }

    private static List<Object> poolKeys(TernConfig c) {
        TernConfig.Delivery d = c.delivery();
        return List.of(
                d.sources(),
                d.pools(),
                d.tenantPools(),
                d.effectiveDefaultPool(),
                d.ehloName(),
                c.server().hostname());
    }

    private static List<Object> deliveryRestartKeys(TernConfig c) {
        TernConfig.Delivery d = c.delivery();
        return List.of(
                d.retry(),
                d.maxAge(),
                d.idleConnectionTimeout(),
                d.timeouts(),
                d.smtpPort(),
                d.maxConnections(),
                d.ehloName());
    }

    /** One line per route pattern that differs: {@code route P: added -> H}, {@code removed (was H)}, {@code A -> B}. */
    static List<String> diff(Map<String, HostPort> a, Map<String, HostPort> b) {
        Map<String, HostPort> all = new TreeMap<>(a);
        all.putAll(b);
        List<String> out = new ArrayList<>();
        for (String k : all.keySet()) {
            HostPort from = a.get(k), to = b.get(k);
            if (Objects.equals(from, to)) continue;
            out.add("route " + k + ": "
                    + (from == null
                            ? "added -> " + to
                            : to == null ? "removed (was " + from + ")" : from + " -> " + to));
        }
        return out;
    }
}
