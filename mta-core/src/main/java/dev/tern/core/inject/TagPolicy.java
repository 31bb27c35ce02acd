package dev.tern.core.inject;

import dev.tern.core.config.InjectionTags;
import dev.tern.core.config.TernConfig;
import dev.tern.core.inject.auth.AuthUser;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.subethamail.smtp.RejectException;

/**
 * Checks a message's {@code X-Tern-Pool} and {@code X-Tern-Tenant} against the configuration
 * (they become metric labels and event fields): a pool must be under {@code delivery.pools} or
 * named in an AUTH user's pools, else it is refused (550 5.7.1) or replaced by the default pool
 * ({@code injection.tags.unknown_pool}); a tenant named by a relay client must be on {@code
 * injection.tags.tenants} when that list is not empty.
 *
 * @param knownPools  pools a message may name
 * @param defaultPool the pool an unknown one becomes with unknown_pool: default (null: none)
 * @param unknownPool refuse or default
 * @param tenants     tenants relay clients may name (empty: any)
 * @param networks    the network-to-tenant map ({@link InjectionTags#tenantOf}); null = none
 */
record TagPolicy(
        Set<String> knownPools,
        String defaultPool,
        InjectionTags.UnknownPool unknownPool,
        Set<String> tenants,
        InjectionTags networks) {
    static TagPolicy of(TernConfig config) {
        Set<String> pools = new TreeSet<>(config.delivery().pools().keySet());
        for (var u : config.injection().auth().users().values()) {
            for (String p : u.pools()) if (!p.equals(AuthUser.ANY)) pools.add(p);
        }
        String def = config.delivery().effectiveDefaultPool();
        InjectionTags tags = config.injection().tags();
        return new TagPolicy(
                Set.copyOf(pools), def.isEmpty() ? null : def, tags.unknownPool(), Set.copyOf(tags.tenants()), tags);
    }

    /** The pool to record for a requested one (null: none). */
    String pool(String requested) throws RejectException {
        if (requested == null || knownPools.contains(requested)) return requested;
        if (unknownPool == InjectionTags.UnknownPool.DEFAULT) return defaultPool;
        throw new RejectException(
                550,
                "5.7.1 Unknown pool '" + printable(requested) + "' in X-Tern-Pool: "
                        + (knownPools.isEmpty()
                                ? "no pools are configured (delivery.pools); leave the header out"
                                : "use one of " + String.join(", ", new TreeSet<>(knownPools))));
    }

    /**
     * The tenant to record for one named by a relay client at {@code client} (authenticated users are
     * checked by their grants): a client in a mapped network sends for its network's tenant only.
     */
    String tenant(String requested, boolean authenticated, java.net.InetAddress client) throws RejectException {
        if (authenticated) return requested;
        java.util.Optional<String> mapped = networks == null ? java.util.Optional.empty() : networks.tenantOf(client);
        if (mapped.isPresent()) {
            if (requested == null || requested.equalsIgnoreCase(mapped.get())) return mapped.get();
            throw new RejectException(
                    550,
                    "5.7.1 Unknown tenant '" + printable(requested) + "' in X-Tern-Tenant: clients of "
                            + "this network send for tenant '" + mapped.get() + "' only");
        }
        if (requested == null || tenants.isEmpty()) return requested;
        if (tenants.contains(requested.toLowerCase(Locale.ROOT))) return requested;
        throw new RejectException(
                550,
                "5.7.1 Unknown tenant '" + printable(requested) + "' in X-Tern-Tenant: not on injection.tags.tenants");
    }

    /**
     * Refuses the transactional lane for a tenant not on {@code injection.tags.transactional_tenants}
     * (a per-tenant permission, checked for relay clients and AUTH users alike).
     */
    void checkTransactional(String tenant) throws RejectException {
        if (networks == null || networks.mayUseTransactional(tenant)) return;
        throw new RejectException(
                550,
                "5.7.1 Tenant '" + (tenant == null ? "(none)" : printable(tenant))
                        + "' may not use the transactional priority lane (injection.tags.transactional_tenants)");
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
