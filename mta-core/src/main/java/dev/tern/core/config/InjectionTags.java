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
 */
public record InjectionTags(UnknownPool unknownPool, List<String> tenants) implements Validated {
    /** What happens to an unknown X-Tern-Pool. */
    public enum UnknownPool {
        REFUSE,
        DEFAULT
    }

    static InjectionTags defaults() {
        return new InjectionTags(UnknownPool.REFUSE, List.of());
    }

    public InjectionTags {
        unknownPool = unknownPool == null ? UnknownPool.REFUSE : unknownPool;
        tenants = tenants == null
                ? List.of()
                : tenants.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
    }

    @Override
    public void validate(Problems p) {
        for (int i = 0; i < tenants.size(); i++) {
            p.require(
                    tenants.get(i).matches("[a-z0-9][a-z0-9._\\-]{0,63}"),
                    "tenants[" + i + "]",
                    "a tenant is 1-64 letters, digits, '.', '_' or '-' (got '" + tenants.get(i) + "')");
        }
    }
}
