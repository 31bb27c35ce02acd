package dev.tern.core.events;

/** Receives every published event (file log, webhook, metrics). Must not block for long. */
public interface EventSink extends AutoCloseable {
    void accept(Event event);

    @Override
    default void close() {}
}
