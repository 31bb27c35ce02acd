package dev.tern.core.config;

import java.util.List;

/**
 * Which {@code injection.relay_from} blocks make an open relay: a block is acceptable when it lies inside
 * a private, loopback, link-local or shared (CGNAT) range, or names a narrow public block (at most /24
 * for IPv4, /48 for IPv6: one platform's addresses); anything wider lets strangers relay.
 */
final class RelayBlocks {
    /** Blocks whose addresses are not reachable from the Internet at large. */
    static final List<Cidr> PRIVATE = List.of(
            Cidr.parse("10.0.0.0/8"),
            Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.168.0.0/16"),
            Cidr.parse("100.64.0.0/10"),
            Cidr.parse("127.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"),
            Cidr.parse("::1/128"),
            Cidr.parse("fc00::/7"),
            Cidr.parse("fe80::/10"));

    static final int NARROWEST_WIDE_V4 = 24;
    static final int NARROWEST_WIDE_V6 = 48;

    private RelayBlocks() {}

    /** True when {@code block} would let clients on the Internet relay without AUTH. */
    static boolean open(Cidr block) {
        for (Cidr p : PRIVATE) if (within(block, p)) return false;
        return block.prefix() < (block.network().length == 4 ? NARROWEST_WIDE_V4 : NARROWEST_WIDE_V6);
    }

    /** True when every address of {@code inner} is in {@code outer}. */
    static boolean within(Cidr inner, Cidr outer) {
        if (inner.network().length != outer.network().length || inner.prefix() < outer.prefix()) return false;
        try {
            return outer.contains(java.net.InetAddress.getByAddress(inner.network()));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
