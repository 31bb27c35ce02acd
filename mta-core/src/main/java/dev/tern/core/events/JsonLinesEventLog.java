package dev.tern.core.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends events to a JSON-lines file from one writer thread, so that publishers never wait
 * for the disk. Lines are flushed at least every 200 ms and on close.
 */
public final class JsonLinesEventLog implements EventSink {
  private static final Logger log = LoggerFactory.getLogger(JsonLinesEventLog.class);
  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private static final Event POISON = Event.of(EventType.RECEPTION, "", "").build();

  private final Path file;
  private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final OutputStream out;

  public JsonLinesEventLog(Path file) {
    this.file = file;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open event log " + file + ": " + e.getMessage(), e);
    }
    writer = Thread.ofPlatform().name("tern-event-log").daemon(true).start(this::run);
  }

  public Path file() {
    return file;
  }

  @Override
  public void accept(Event event) {
    queue.add(event);
  }

  private void run() {
    List<Event> batch = new ArrayList<>();
    boolean stop = false;
    while (!stop) {
      try {
        Event first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, 4096);
        }
        for (Event e : batch) {
          if (e == POISON) {
            stop = true;
            continue;
          }
          out.write(JSON.writeValueAsBytes(e));
          out.write('\n');
        }
        batch.clear();
        out.flush();
      } catch (InterruptedException e) {
        stop = true;
      } catch (IOException e) {
        log.error("writing event log {} failed: {}", file, e.toString());
        batch.clear();
      }
    }
    try {
      out.close();
    } catch (IOException e) {
      log.error("closing event log {} failed: {}", file, e.toString());
    }
  }

  @Override
  public void close() {
    queue.add(POISON);
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
