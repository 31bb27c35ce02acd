package dev.tern.core.inject;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * Concurrent sessions per client address over the plain and the implicit-TLS listener: one
 * more than {@code maxPerAddress} gets "421 4.7.0" and is closed. Counts each session once even
 * if SubEthaSMTP reports its end twice.
 */
final class ConnectionLimits implements SessionHandler {
    private final int maxPerAddress;
    private final Map<Session, InetAddress> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> counts = new ConcurrentHashMap<>();
    private volatile boolean draining;

    /** @param maxPerAddress most concurrent sessions per client address; 0 = no limit */
    ConnectionLimits(int maxPerAddress) {
        this.maxPerAddress = maxPerAddress;
    }

    /** Draining: every new session gets "421 4.3.2" and is closed (sessions already open go on). */
    void draining(boolean on) {
        draining = on;
    }

    boolean draining() {
        return draining;
    }

    @Override
    public SessionAcceptance accept(Session session) {
        if (draining)
            return SessionAcceptance.failure(
                    421, "4.3.2 Service not available: this node is draining, try another server");
        if (maxPerAddress <= 0) return SessionAcceptance.success();
        InetAddress a = session.getRealRemoteAddress().getAddress();
        boolean[] ok = {false};
        counts.compute(a, (k, n) -> {
            int current = n == null ? 0 : n;
            if (current >= maxPerAddress) return n;
            ok[0] = true;
            return current + 1;
        });
        if (!ok[0])
            return SessionAcceptance.failure(
                    421, "4.7.0 Too many connections from " + a.getHostAddress() + ", try again later");
        open.put(session, a);
        return SessionAcceptance.success();
    }

    @Override
    public void onSessionEnd(Session session) {
        InetAddress a = open.remove(session);
        if (a != null) counts.computeIfPresent(a, (k, n) -> n <= 1 ? null : n - 1);
    }
}
