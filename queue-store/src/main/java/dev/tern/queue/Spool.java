package dev.tern.queue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The durable spool on RocksDB: the source of truth for every accepted message.
 *
 * <p>A message body is stored once; each destination domain of the message has a
 * {@link QueueEntry}. A time-ordered schedule index on disk answers {@link #due}; the heap
 * only holds entries that are in flight. Writes are group-committed: concurrent writers
 * share one WAL sync, and a returned future completes only when the write is durable.
 *
 * <p>Thread-safe.
 */
public final class Spool implements AutoCloseable {

  private Spool() {}

  /**
   * Opens (or creates) the spool. Entries that were leased (in flight) when the previous
   * process stopped become due at once; {@link #recoveredCount()} tells how many.
   *
   * @throws SpoolException with a clear message if the directory is not a Tern spool, is
   *     corrupt, or cannot be opened
   */
  public static Spool open(SpoolSettings settings) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Stores a new message: its body and one entry per destination domain, in one atomic
   * write batch. The future completes when durable, or exceptionally with
   * {@link SpoolFullException} (disk floor) or {@link SpoolException}.
   */
  public CompletableFuture<Void> store(Envelope envelope, byte[] body, List<QueueEntry> entries) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Leases up to {@code limit} entries whose next attempt time is at or before {@code nowMillis},
   * in time order. A leased entry is not returned again until it is {@link #update updated},
   * {@link #complete completed} or {@link #release released} (or the process restarts).
   */
  public List<QueueEntry> due(long nowMillis, int limit) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Atomically records new recipient states and the next attempt time of a (leased) entry,
   * and ends its lease: it is due again at {@code entry.nextAttemptAt()}.
   */
  public CompletableFuture<Void> update(QueueEntry entry) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Atomically deletes a finished entry, and the message body and envelope when no other
   * entry of the message remains.
   */
  public CompletableFuture<Void> complete(QueueEntry entry) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Ends the lease of an entry without changing it (for example on shutdown). */
  public void release(QueueEntry entry) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The stored body of a message, if it is still spooled. */
  public Optional<byte[]> body(String messageId) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The envelope of a message, if it is still spooled. */
  public Optional<Envelope> envelope(String messageId) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The current entries of a message (one per destination domain). */
  public List<QueueEntry> entries(String messageId) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Visits every stored entry (for queue summaries); weakly consistent. */
  public void forEachEntry(Consumer<QueueEntry> visitor) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Entries that were in flight at the last stop and were made due again on open. */
  public long recoveredCount() {
    throw new UnsupportedOperationException("not yet implemented");
  }

  public SpoolStats stats() {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Adds or replaces a suppression entry (durable when the future completes). */
  public CompletableFuture<Void> suppress(Suppression suppression) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Removes a suppression entry; true if one existed. */
  public boolean unsuppress(String tenant, String address) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The suppression entry for this tenant and address, if any (address compared lower case). */
  public Optional<Suppression> suppression(String tenant, String address) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Up to {@code limit} suppression entries of a tenant, in address order, after {@code afterAddress} ("" for the start). */
  public List<Suppression> suppressions(String tenant, String afterAddress, int limit) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Flushes and closes RocksDB cleanly; leased entries stay spooled. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
