package dev.tern.core.events;

import java.util.Locale;

/** What happened to a message or recipient. Serialized in lower snake case ({@code transient_failure}). */
public enum EventType {
  RECEPTION, DELIVERY, TRANSIENT_FAILURE, BOUNCE, EXPIRATION, COMPLAINT, ASYNC_BOUNCE, SUPPRESSED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
