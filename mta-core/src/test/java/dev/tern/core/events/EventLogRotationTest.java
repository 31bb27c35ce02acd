package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Size and time rotation, gzip and retention of the event log, and reading across segments. */
class EventLogRotationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Event event(int i) {
        return Event.of(EventType.DELIVERY, "m" + i, "r" + i + "@dest.test")
                .campaign("c")
                .reply("250 ok " + "x".repeat(40))
                .build();
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void readerFollowsSizeRotationWhileTheLogIsWritten() throws Exception {
        Path file = dir.resolve("events.jsonl");
        JsonLinesEventLog log = new JsonLinesEventLog(
                file, new JsonLinesEventLog.Rotation(4096, Duration.ZERO, 1000), Clock.systemUTC());
        List<Long> seqs = new ArrayList<>();
        try (EventLogReader reader = new EventLogReader(log, 1, 0)) {
            for (int i = 1; i <= 2000; i++) {
                log.accept(event(i));
                if (i % 100 == 0) for (EventLogReader.Line l : reader.read(1000)) seqs.add(l.seq());
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (seqs.size() < 2000 && System.nanoTime() < deadline) {
                for (EventLogReader.Line l : reader.read(1000)) seqs.add(l.seq());
                // justified sleep: the poll interval of a reader following a file written by another thread
                Thread.sleep(20);
            }
        } finally {
            log.close();
        }
        assertThat(seqs).hasSize(2000);
        for (int i = 0; i < seqs.size(); i++) assertThat(seqs.get(i)).isEqualTo(i + 1);
        assertThat(files().stream().filter(f -> f.endsWith(".gz")).count()).isGreaterThan(20);
        assertThat(files()).noneMatch(f -> f.endsWith(".tmp"));
        assertThat(files().stream()
                        .filter(f -> f.matches("events\\.jsonl\\.\\d{6}-\\d{8}T\\d{6}Z"))
                        .toList())
                .isEmpty();
    }

    @Test
    void retentionKeepsTheNewestSegmentsAndSeqContinuesAfterRestart() throws Exception {
        Path file = dir.resolve("events.jsonl");
        JsonLinesEventLog log =
                new JsonLinesEventLog(file, new JsonLinesEventLog.Rotation(4096, Duration.ZERO, 3), Clock.systemUTC());
        for (int i = 1; i <= 500; i++) log.accept(event(i));
        log.close();
        assertThat(files().stream().filter(f -> f.endsWith(".gz")).count()).isEqualTo(3);
        assertThat(log.lastSeq()).isEqualTo(500);
        // what is retained reads back contiguously up to the last event
        JsonLinesEventLog again =
                new JsonLinesEventLog(file, new JsonLinesEventLog.Rotation(4096, Duration.ZERO, 3), Clock.systemUTC());
        try (EventLogReader reader = new EventLogReader(again, again.segments().get(0), 0)) {
            assertThat(again.lastSeq()).isEqualTo(500);
            List<EventLogReader.Line> lines = reader.read(10_000);
            assertThat(lines).isNotEmpty();
            long first = lines.get(0).seq();
            assertThat(first).isGreaterThan(1);
            for (int i = 0; i < lines.size(); i++)
                assertThat(lines.get(i).seq()).isEqualTo(first + i);
            assertThat(lines.getLast().seq()).isEqualTo(500);
            again.accept(event(501));
            again.close();
        }
        List<String> active = Files.readAllLines(file);
        assertThat(JSON.readTree(active.getLast()).get("seq").asLong()).isEqualTo(501);
        assertThat(JSON.readTree(active.getLast()).get("message_id").asText()).isEqualTo("m501");
    }

    @Test
    void rotatesByTimeEvenWhenIdle() throws Exception {
        AtomicLong now = new AtomicLong(Instant.parse("2026-11-23T10:00:00Z").toEpochMilli());
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        Path file = dir.resolve("events.jsonl");
        JsonLinesEventLog log =
                new JsonLinesEventLog(file, new JsonLinesEventLog.Rotation(0, Duration.ofHours(1), 10), clock);
        try {
            log.accept(Event.of(EventType.RECEPTION, "m1", "a@b.test")
                    .time(clock.instant())
                    .build());
            org.awaitility.Awaitility.await().until(() -> log.lastSeq() == 1);
            assertThat(log.activeSegment()).isEqualTo(1);
            now.addAndGet(Duration.ofMinutes(61).toMillis());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> log.activeSegment() == 2);
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> files().contains("events.jsonl.000001-20261123T100000Z.gz"));
        } finally {
            log.close();
        }
    }
}
