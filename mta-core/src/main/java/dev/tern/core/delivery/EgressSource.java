package dev.tern.core.delivery;

import java.net.InetAddress;

/**
 * Where outbound connections come from: a local address to bind (null: the system's choice)
 * and the name sent in EHLO (a virtual MTA).
 *
 * @param name     the source's name in configuration, events and queue keys ("" for the default)
 * @param bind     local address connections are bound to, or null
 * @param ehloName the EHLO name; it should resolve to {@code bind} and back (FCrDNS)
 */
public record EgressSource(String name, InetAddress bind, String ehloName) {
    public EgressSource {
        name = name == null ? "" : name;
    }
}
