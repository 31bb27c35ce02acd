package dev.tern.core.delivery;

import dev.tern.core.config.ShapingConfig;
import dev.tern.core.config.TernConfig;
import dev.tern.core.shaping.ShapingPolicy;
import dev.tern.core.shaping.SiteLimits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the delivery engine's reloadable parts (shaping policy, egress pools) from the configuration. */
public final class DeliverySetup {
    private DeliverySetup() {}

    /** Shaping and pools read from a configuration, ready to apply to a running engine. */
    public record Reload(ShapingPolicy policy, EgressPools pools) {
        public void applyTo(QueueManager engine) {
            engine.reload(policy, pools);
        }
    }

    /**
     * Reads what a reload applies (the shaping file, sources and pools) from {@code next}.
     *
     * @throws dev.tern.core.config.ConfigException if the shaping file is missing or wrong
     */
    public static Reload prepare(TernConfig next) {
        TernConfig.Delivery dc = next.delivery();
        String ehlo = dc.ehloName().isEmpty() ? next.server().hostname() : dc.ehloName();
        return new Reload(policy(dc), pools(dc, ehlo));
    }

    /** The limits of {@code delivery} (the base of every site) with the shaping file on top, read now. */
    public static ShapingPolicy policy(TernConfig.Delivery dc) {
        java.nio.file.Path shaping = dc.effectiveShapingFile();
        ShapingConfig file = shaping == null ? ShapingConfig.empty() : TernConfig.loadShaping(shaping);
        return new ShapingPolicy(
                file,
                new SiteLimits(
                        dc.maxConnectionsPerDestination(),
                        dc.maxMessagesPerConnection(),
                        null,
                        null,
                        dc.maxRecipientsPerTransaction(),
                        ""));
    }

    /**
     * The egress pools of {@code delivery.sources/pools}; without pools, one default source that
     * binds nothing and says {@code ehloName}.
     */
    public static EgressPools pools(TernConfig.Delivery dc, String ehloName) {
        if (dc.pools().isEmpty()) return EgressPools.single(new EgressSource("", null, ehloName));
        Map<String, List<EgressPools.Member>> pools = new LinkedHashMap<>();
        for (var pool : dc.pools().entrySet()) {
            List<EgressPools.Member> members = new ArrayList<>();
            for (var m : pool.getValue().entrySet()) {
                TernConfig.Source s = dc.sources().get(m.getKey());
                members.add(new EgressPools.Member(
                        new EgressSource(
                                m.getKey(), address(s.address()), s.ehloName().isEmpty() ? ehloName : s.ehloName()),
                        m.getValue()));
            }
            pools.put(pool.getKey(), List.copyOf(members));
        }
        return new EgressPools(pools, dc.tenantPools(), dc.effectiveDefaultPool());
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // an IP literal (validated): no DNS lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
