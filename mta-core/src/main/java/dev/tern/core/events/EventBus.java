package dev.tern.core.events;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans every event out to the registered sinks; a failing sink does not stop the others.
 *
 * <p>Per message, reception comes first: a message is visible to the delivery engine as soon as
 * its spool write lands, a moment before the injecting session publishes its reception events.
 * The session calls {@link #holdUntilReception} before the write and {@link #receptionPublished}
 * after; events of that message published in between are held and follow its reception events.
 */
public final class EventBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);
    private final List<EventSink> sinks = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, List<Event>> held = new ConcurrentHashMap<>();
    private final List<java.util.function.UnaryOperator<Event>> enrichers = new CopyOnWriteArrayList<>();

    public void register(EventSink sink) {
        sinks.add(sink);
    }

    /** Adds a step that may complete an event (e.g. its suppression outcome) before any sink sees it. */
    public void enrich(java.util.function.UnaryOperator<Event> enricher) {
        enrichers.add(enricher);
    }

    /** Holds the events of {@code messageId} until {@link #receptionPublished}, but its reception events. */
    public void holdUntilReception(String messageId) {
        held.put(messageId, new ArrayList<>());
    }

    /** Publishes the events held for {@code messageId} (in their order) and stops holding them. */
    public void receptionPublished(String messageId) {
        List<Event> later = held.remove(messageId);
        if (later != null) later.forEach(this::fanOut);
    }

    public void publish(Event event) {
        String id = event.messageId();
        if (id != null
                && !held.isEmpty()
                && !event.is(EventType.RECEPTION)
                && held.containsKey(id) // a read first: computeIfPresent locks the key's bin even when absent
                && held.computeIfPresent(id, (k, list) -> {
                            list.add(event);
                            return list;
                        })
                        != null) {
            return;
        }
        fanOut(event);
    }

    private void fanOut(Event original) {
        Event event = original;
        for (var enricher : enrichers) {
            try {
                event = enricher.apply(event);
            } catch (RuntimeException e) {
                log.warn("event enricher failed: {}", e.toString());
            }
        }
        for (EventSink sink : sinks) {
            try {
                sink.accept(event);
            } catch (RuntimeException e) {
                log.warn("event sink {} failed: {}", sink.getClass().getSimpleName(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        for (EventSink sink : sinks) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                log.warn("closing event sink failed: {}", e.toString());
            }
        }
    }
}
