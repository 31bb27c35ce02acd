package dev.tern.core.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One MX host of a resolved domain with its addresses.
 *
 * @param name host name, lower case, without trailing dot (the domain itself for an implicit MX)
 * @param preference MX preference (0 for an implicit MX); lower is tried first
 * @param ipv4 IPv4 addresses (A records), in DNS order
 * @param ipv6 IPv6 addresses (AAAA records), in DNS order
 * @param canonical the host after CNAME resolution (the owner of its address records; lower case, no
 *     trailing dot): the host that takes the connections, which sites are built from
 */
public record MxHost(String name, int preference, List<Inet4Address> ipv4, List<Inet6Address> ipv6, String canonical) {

    /** A host that is not an alias (its canonical name is its name). */
    public MxHost(String name, int preference, List<Inet4Address> ipv4, List<Inet6Address> ipv6) {
        this(name, preference, ipv4, ipv6, name);
    }

    public MxHost {
        Objects.requireNonNull(name, "name");
        canonical = canonical == null ? name : canonical;
        ipv4 = List.copyOf(ipv4);
        ipv6 = List.copyOf(ipv6);
        if (ipv4.isEmpty() && ipv6.isEmpty()) {
            throw new IllegalArgumentException("MX host " + name + " has no address");
        }
    }

    /** All addresses: IPv4 first, then IPv6. */
    public List<InetAddress> addresses() {
        List<InetAddress> all = new ArrayList<>(ipv4.size() + ipv6.size());
        all.addAll(ipv4);
        all.addAll(ipv6);
        return all;
    }
}
