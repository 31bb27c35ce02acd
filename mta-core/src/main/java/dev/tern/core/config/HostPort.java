package dev.tern.core.config;

import java.net.InetSocketAddress;

/** A host (name, IPv4 or bracketed IPv6 literal) and a port, written {@code host:port} or {@code [::1]:port}. */
public record HostPort(String host, int port) {
    public HostPort {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }

    public static HostPort parse(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || (t.indexOf(':') != colon && !t.startsWith("["))) {
            throw new IllegalArgumentException("expected host:port or [ipv6]:port, got '" + text + "'");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + text + "'");
        }
        return new HostPort(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
