package dev.tern.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcLogTest {
    @TempDir
    Path dir;

    @Test
    void readsHeapAfterCollectionFromG1AndZgcLines() throws Exception {
        Path file = dir.resolve("gc.log");
        Files.writeString(file, """
                [0.010s][info][gc] Using G1
                [1.234s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 51M->23M(1024M) 2.518ms
                [2.345s][info][gc] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 60M->9M(1024M) 1.900ms
                [3.000s][info][gc] GC(2) Minor Collection (Allocation Rate) 882M(86%)->70M(7%) 0.043s
                """);
        GcLog log = new GcLog(file);

        GcLog.Interval first = log.poll();

        assertThat(first.collections()).isEqualTo(3);
        assertThat(first.minAfterMiB()).isEqualTo(9.0);
        Files.writeString(
                file,
                "[4.000s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 80M->31M(1024M) 2.0ms\n",
                java.nio.file.StandardOpenOption.APPEND);
        GcLog.Interval second = log.poll();
        assertThat(second.collections()).isEqualTo(1);
        assertThat(second.minAfterMiB()).isEqualTo(31.0);
    }
}
