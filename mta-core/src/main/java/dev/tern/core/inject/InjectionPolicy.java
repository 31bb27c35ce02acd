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
 * @param userRates      rate limits of authenticated users, counted in recipients
 */
public record InjectionPolicy(List<Cidr> relayFrom, long maxMessageSize, int maxRecipients, UserRates userRates) {
    public InjectionPolicy(List<Cidr> relayFrom, long maxMessageSize, int maxRecipients) {
        this(relayFrom, maxMessageSize, maxRecipients, UserRates.none());
    }

    public boolean relayAllowed(InetAddress client) {
        for (Cidr c : relayFrom) if (c.contains(client)) return true;
        return false;
    }

    /** True when an authenticated user has allowance left for one more recipient (takes nothing). */
    public boolean withinRate(AuthUser user) {
        return userRates.hasAllowance(user.name());
    }

    /** Takes one recipient (one stored copy) from an authenticated user's allowance; false when over a limit. */
    public boolean takeRecipient(AuthUser user) {
        return userRates.tryAcquire(user.name());
    }
}
