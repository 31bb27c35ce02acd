package dev.tern.core.config;

import java.util.List;
import java.util.Locale;

/**
 * Which {@code X-Tern-Pool} and {@code X-Tern-Tenant} values injection accepts
 * ({@code injection.tags}). They become metric labels and event fields, so they come from
 * configuration, never freely from a relay client.
 *
 * @param unknownPool what happens to a pool that is neither under {@code delivery.pools} nor named
 *                    in an AUTH user's {@code pools}: refuse (550 5.7.1) or use the default pool
 * @param tenants     the tenants relay clients may name ([] = any, at most
 *                    {@code dev.tern.core.metrics.EventMetrics#MAX_TAG_VALUES} distinct label values,
 *                    later ones counted as "other"); AUTH users are limited by their own {@code tenants}
 * @param networks    relay client address blocks (keys, e.g. {@code 10.1.0.0/16}) mapped to the one tenant
 *                    they send for: mail from there without X-Tern-Tenant gets it, another one is refused
 * @param transactionalTenants tenants whose mail may use the transactional lane ({@code X-Tern-Priority:
 *                    transactional}; {@code "*"}: any, [] = none; mail without a tenant counts as tenant
 *                    {@code ""} and needs {@code "*"}); an AUTH user needs its own {@code priorities} grant too
 */
public record InjectionTags(
        UnknownPool unknownPool,
        List<String> tenants,
        java.util.Map<String, String> networks,
        List<String> transactionalTenants)
        implements Validated {
    /** Any tenant, in {@link #transactionalTenants}. */
    public static final String ANY = "*";

    /** What happens to an unknown X-Tern-Pool. */
    public enum UnknownPool {
        REFUSE,
        DEFAULT
    }

    static InjectionTags defaults() {
        return new InjectionTags(UnknownPool.REFUSE, List.of(), java.util.Map.of(), List.of(ANY));
    }

    public InjectionTags {
        unknownPool = unknownPool == null ? UnknownPool.REFUSE : unknownPool;
        tenants = tenants == null
                ? List.of()
                : tenants.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
        networks = networks == null ? java.util.Map.of() : networks;
        transactionalTenants = transactionalTenants == null
                ? List.of(ANY)
                : transactionalTenants.stream()
                        .map(t -> t.toLowerCase(Locale.ROOT))
                        .toList();
    }

    /** Whether mail of {@code tenant} (null: none) may use the transactional lane. */
    public boolean mayUseTransactional(String tenant) {
        return transactionalTenants.contains(ANY)
                || (tenant != null && transactionalTenants.contains(tenant.toLowerCase(Locale.ROOT)));
    }

    /** The tenant of a relay client address, if a block of {@code networks} contains it (the longest prefix wins). */
    public java.util.Optional<String> tenantOf(java.net.InetAddress client) {
        String best = null;
        int bestPrefix = -1;
        for (var e : networks.entrySet()) {
            Cidr c;
            try {
                c = Cidr.parse(e.getKey());
            } catch (IllegalArgumentException bad) {
                continue; // reported by validate
            }
            if (client != null && c.contains(client) && c.prefix() > bestPrefix) {
                best = e.getValue();
                bestPrefix = c.prefix();
            }
        }
        return java.util.Optional.ofNullable(best);
    }

    @Override
    public void validate(Problems p) {
        for (int i = 0; i < tenants.size(); i++) {
            p.require(
                    tenants.get(i).matches("[a-z0-9][a-z0-9._\\-]{0,63}"),
                    "tenants[" + i + "]",
                    "a tenant is 1-64 letters, digits, '.', '_' or '-' (got '" + tenants.get(i) + "')");
        }
        for (int i = 0; i < transactionalTenants.size(); i++) {
            p.require(
                    transactionalTenants.get(i).equals(ANY)
                            || transactionalTenants.get(i).matches("[a-z0-9][a-z0-9._\\-]{0,63}"),
                    "transactional_tenants[" + i + "]",
                    "a tenant is \"*\" or 1-64 letters, digits, '.', '_' or '-' (got '" + transactionalTenants.get(i)
                            + "')");
        }
        for (var e : networks.entrySet()) {
            try {
                Cidr.parse(e.getKey());
            } catch (IllegalArgumentException bad) {
                p.at("networks").add(ConfigBinder.quoteKey(e.getKey()), "not an address block such as 10.1.0.0/16");
            }
            p.require(
                    e.getValue() != null && e.getValue().matches("[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}"),
                    "networks." + ConfigBinder.quoteKey(e.getKey()),
                    "a tenant is 1-64 letters, digits, '.', '_' or '-'");
        }
    }
}
