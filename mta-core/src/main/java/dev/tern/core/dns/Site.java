package dev.tern.core.dns;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

/**
 * An MX site: the sorted set of a domain's MX host names (lower case, no trailing dot). Domains
 * hosted by the same provider publish the same MX hosts and so get equal sites; the delivery engine
 * keys ready queues and traffic limits by site (PowerMTA's mx-rollup, KumoMTA's site_name).
 *
 * @param name stable key of the site: the host names joined with "," (the host itself when single)
 * @param hosts the host names, sorted, distinct, lower case, without trailing dot
 */
public record Site(String name, List<String> hosts) {

    public Site {
        Objects.requireNonNull(name, "name");
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a site has at least one host");
        }
        if (!hosts.equals(normalize(hosts))) {
            throw new IllegalArgumentException("site hosts must be sorted, distinct, lower case: " + hosts);
        }
        if (!name.equals(String.join(",", hosts))) {
            throw new IllegalArgumentException("site name must be the joined host names: " + name);
        }
    }

    /** The site of these MX host names, in any order and case, with or without trailing dots. */
    public static Site of(Collection<String> hostNames) {
        List<String> hosts = normalize(hostNames);
        return new Site(String.join(",", hosts), hosts);
    }

    /** The site of these MX host names. */
    public static Site of(String... hostNames) {
        return of(List.of(hostNames));
    }

    /** Whether the site contains this host (any case, trailing dot allowed). */
    public boolean contains(String host) {
        return hosts.contains(normalizeHost(host));
    }

    static String normalizeHost(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static List<String> normalize(Collection<String> hostNames) {
        TreeSet<String> sorted = new TreeSet<>();
        for (String host : hostNames) {
            String h = normalizeHost(host);
            if (h.isEmpty()) {
                throw new IllegalArgumentException("empty MX host name");
            }
            sorted.add(h);
        }
        return List.copyOf(sorted);
    }

    @Override
    public String toString() {
        return name;
    }
}
