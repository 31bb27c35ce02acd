package dev.tern.core.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the {@link MxResolver}.
 *
 * @param servers recursive resolvers to query, in order; empty means the system's (resolv.conf)
 * @param timeout how long one query attempt waits for an answer
 * @param attempts query attempts per lookup, rotating over the servers (timeouts and network errors
 *     are retried; SERVFAIL/REFUSED only on another server)
 * @param cacheSize maximum number of cached answers (one per name and type); 0 disables the cache
 *     (lookups of one name are still coalesced while in flight)
 * @param negativeTtl cache time of NXDOMAIN and NODATA answers when they carry no SOA, and the cap
 *     on the SOA-derived negative TTL (RFC 2308)
 * @param maxTtl cap on every positive TTL
 * @param failureTtl cache time of SERVFAIL, timeouts and other failures (kept brief)
 */
public record DnsSettings(
        List<InetSocketAddress> servers,
        Duration timeout,
        int attempts,
        int cacheSize,
        Duration negativeTtl,
        Duration maxTtl,
        Duration failureTtl) {

    /** Default DNS port. */
    public static final int DNS_PORT = 53;

    public DnsSettings {
        servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
        requirePositive(timeout, "timeout");
        requirePositive(maxTtl, "maxTtl");
        requireNotNegative(negativeTtl, "negativeTtl");
        requireNotNegative(failureTtl, "failureTtl");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
        }
        if (cacheSize < 0) {
            throw new IllegalArgumentException("cacheSize must not be negative, got " + cacheSize);
        }
    }

    /** System resolvers, 5 s timeout, 2 attempts, 100,000 cached answers, 1 h negative, 1 d max, 10 s failures. */
    public static DnsSettings defaults() {
        return new DnsSettings(
                List.of(),
                Duration.ofSeconds(5),
                2,
                100_000,
                Duration.ofHours(1),
                Duration.ofDays(1),
                Duration.ofSeconds(10));
    }

    /** These settings with other servers. */
    public DnsSettings withServers(List<InetSocketAddress> newServers) {
        return new DnsSettings(newServers, timeout, attempts, cacheSize, negativeTtl, maxTtl, failureTtl);
    }

    /**
     * Parses a server as written in configuration: {@code host}, {@code host:port}, {@code [v6]} or
     * {@code [v6]:port}; a bare IPv6 literal has no port. Only IP literals are accepted (a resolver
     * cannot be found by name).
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public static InetSocketAddress parseServer(String text) {
        String s = Objects.requireNonNull(text, "server").strip();
        String host;
        int port = DNS_PORT;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad DNS server '" + text + "': missing ']'");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("bad DNS server '" + text + "'");
                }
                port = parsePort(rest.substring(1), text);
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = parsePort(s.substring(s.indexOf(':') + 1), text);
        } else {
            host = s;
        }
        if (!isIpLiteral(host)) {
            throw new IllegalArgumentException("bad DNS server '" + text + "': expected an IP address");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad DNS server '" + text + "': " + e.getMessage(), e);
        }
    }

    private static boolean isIpLiteral(String host) {
        return !host.isEmpty() && (host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}"));
    }

    private static int parsePort(String port, String text) {
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad DNS server '" + text + "': port must be 1-65535");
        }
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    private static void requireNotNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + d);
        }
    }
}
