package dev.tern.queue;

/**
 * A snapshot of the spool's size.
 *
 * @param messages  messages (bodies) stored
 * @param entries   queue entries (message x domain) stored
 * @param bodyBytes bytes of message bodies stored
 * @param inFlight  entries currently leased by {@link Spool#due}
 */
public record SpoolStats(long messages, long entries, long bodyBytes, long inFlight) {}
