package dev.tern.core.events;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans every event out to the registered sinks; a failing sink does not stop the others. */
public final class EventBus implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventBus.class);
  private final List<EventSink> sinks = new CopyOnWriteArrayList<>();

  public void register(EventSink sink) {
    sinks.add(sink);
  }

  public void publish(Event event) {
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
