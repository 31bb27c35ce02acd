package dev.tern.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventTailTest {
    @TempDir
    Path dir;

    private static String ev(String type, String time, String id, String rcpt) {
        return "{\"type\":\"" + type + "\",\"time\":\"" + time + "\",\"message_id\":\"" + id + "\",\"recipient\":\""
                + rcpt + "\"}\n";
    }

    private void append(Path log, String s) throws Exception {
        Files.writeString(log, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void pairsReceptionsWithDeliveriesAndKeepsRetriedApart() throws Exception {
        Path log = dir.resolve("events.jsonl");
        EventTail tail = new EventTail(log);
        assertThat(tail.poll().deliveries()).isZero(); // no file yet
        append(
                log,
                ev("reception", "2026-11-23T10:00:00.000Z", "m1", "rcpt-1@x")
                        + ev("reception", "2026-11-23T10:00:00.000Z", "m2", "defer-2@x")
                        + ev("reception", "2026-11-23T10:00:00.500Z", "m3", "bounce-3@x")
                        + ev("delivery", "2026-11-23T10:00:00.0125Z", "m1", "rcpt-1@x")
                        + ev("transient_failure", "2026-11-23T10:00:00.020Z", "m2", "defer-2@x")
                        + ev("bounce", "2026-11-23T10:00:00.530Z", "m3", "bounce-3@x")
                        + "{\"type\":\"delivery\",\"time\":\"2026-11-23T10:00:05"); // a line still being written
        EventTail.Interval first = tail.poll();
        assertThat(first.firstAttemptMs()).containsExactly(12.5);
        assertThat(first.retriedMs()).isEmpty();
        assertThat(first.bounces()).isEqualTo(1);
        assertThat(first.transientFailures()).isEqualTo(1);
        assertThat(tail.pending()).isEqualTo(1);

        append(log, ".000Z\",\"message_id\":\"m2\",\"recipient\":\"defer-2@x\"}\n");
        EventTail.Interval second = tail.poll();
        assertThat(second.firstAttemptMs()).isEmpty();
        assertThat(second.retriedMs()).containsExactly(5000.0);
        assertThat(second.deliveries()).isEqualTo(1);
        assertThat(tail.pending()).isZero();
    }
}
