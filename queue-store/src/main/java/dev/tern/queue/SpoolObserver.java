package dev.tern.queue;

/** Metrics hooks of the spool. Called on the spool's commit thread: keep it cheap. */
public interface SpoolObserver {
    SpoolObserver NONE = new SpoolObserver() {};

    /** A group commit of {@code writes} write batches completed; the sync took {@code syncNanos}. */
    default void committed(int writes, long syncNanos) {}
}
