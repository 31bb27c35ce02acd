package dev.tern.core.inject;

import dev.tern.core.config.Cidr;
import dev.tern.core.inject.auth.AuthUser;
import dev.tern.core.inject.auth.UserRates;
import java.net.InetAddress;
import java.util.List;

/**
 * Who may inject (relay) mail and with which limits: clients in {@code relayFrom} and
 * authenticated users (within their message rates) may relay; nobody else.
 *
 * @param relayFrom      client address blocks allowed to relay
 * @param maxMessageSize largest message in bytes
 * @param maxRecipients  most recipients per message
 * @param userRates      message rate limits of authenticated users
 */
public record InjectionPolicy(List<Cidr> relayFrom, long maxMessageSize, int maxRecipients, UserRates userRates) {
    public InjectionPolicy(List<Cidr> relayFrom, long maxMessageSize, int maxRecipients) {
        this(relayFrom, maxMessageSize, maxRecipients, UserRates.none());
    }

    public boolean relayAllowed(InetAddress client) {
        for (Cidr c : relayFrom) if (c.contains(client)) return true;
        return false;
    }

    /** Takes one message from an authenticated user's rate allowance; false when it is over a limit. */
    public boolean withinRate(AuthUser user) {
        return userRates.tryAcquire(user.name());
    }
}
