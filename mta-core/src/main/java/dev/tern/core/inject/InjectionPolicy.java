package dev.tern.core.inject;

import dev.tern.core.config.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * Who may inject (relay) mail and with which limits.
 *
 * @param relayFrom      client address blocks allowed to relay
 * @param maxMessageSize largest message in bytes
 * @param maxRecipients  most recipients per message
 */
public record InjectionPolicy(List<Cidr> relayFrom, long maxMessageSize, int maxRecipients) {
  public boolean relayAllowed(InetAddress client) {
    for (Cidr c : relayFrom) if (c.contains(client)) return true;
    return false;
  }
}
