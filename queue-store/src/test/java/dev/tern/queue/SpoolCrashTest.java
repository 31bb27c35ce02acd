package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes to the spool and logs every acknowledged write; it is killed with
 * SIGKILL at a random moment, five times. After each kill every acknowledged write must be
 * in the reopened spool, and the spool must be internally consistent.
 */
@Tag("slow")
class SpoolCrashTest {
    @TempDir
    Path dir;

    @Test
    void acknowledgedWritesSurviveKillMinus9() throws Exception {
        Path spoolDir = dir.resolve("spool");
        Path ack = dir.resolve("acks.log");
        Random random = new Random();
        long totalRecovered = 0;
        for (int round = 1; round <= 5; round++) {
            long linesBefore = lines(ack).size();
            Process child = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "--enable-native-access=ALL-UNNAMED",
                            "-cp",
                            System.getProperty("java.class.path"),
                            CrashWriter.class.getName(),
                            spoolDir.toString(),
                            ack.toString(),
                            "r" + round)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("child-" + round + ".out").toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lines(ack).size() < linesBefore + 50) {
                assertThat(child.isAlive())
                        .as("child alive; output: %s", output(round))
                        .isTrue();
                assertThat(System.nanoTime()).as("child made progress").isLessThan(deadline);
                Thread.sleep(20);
            }
            Thread.sleep(100 + random.nextInt(1500));
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            try (Spool spool = Spool.open(Messages.settings(spoolDir))) {
                totalRecovered += spool.recoveredCount();
                verify(spool, lines(ack));
            }
        }
        System.out.println("recovered in-flight entries over 5 kills: " + totalRecovered);
    }

    private void verify(Spool spool, List<String> acks) {
        Set<String> stored = new HashSet<>();
        Set<String> completed = new HashSet<>();
        Set<String> completing = new HashSet<>();
        for (String line : acks) {
            String[] p = line.split(" ");
            switch (p[0]) {
                case "S" -> stored.add(p[1]);
                case "C" -> completed.add(p[1] + " " + p[2]);
                case "c" -> completing.add(p[1] + " " + p[2]);
                default -> {}
            }
        }
        Map<String, Integer> entriesByMessage = new HashMap<>();
        long[] entryCount = {0};
        spool.forEachEntry(e -> {
            entriesByMessage.merge(e.messageId(), 1, Integer::sum);
            entryCount[0]++;
        });
        List<String> lost = new java.util.ArrayList<>();
        for (String id : stored) {
            boolean anyPresent = false;
            for (String domain : CrashWriter.domains(id)) {
                String key = id + " " + domain;
                boolean present =
                        spool.entries(id).stream().anyMatch(e -> e.domain().equals(domain));
                anyPresent |= present;
                // Absent is only allowed once a complete was requested (acknowledged or not).
                if (!present && !completing.contains(key)) lost.add(key);
                assertThat(completed.contains(key) && present)
                        .as("completed entry %s came back", key)
                        .isFalse();
            }
            assertThat(spool.body(id).isPresent()).as("body of %s", id).isEqualTo(anyPresent);
        }
        assertThat(lost).as("acknowledged entries lost").isEmpty();
        System.out.printf(
                "acked messages so far %d, acked completes %d, entries spooled %d, recovered leases %d%n",
                stored.size(), completed.size(), spool.stats().entries(), spool.recoveredCount());
        // Internal consistency: counters match a recount, every entry has its message.
        SpoolStats stats = spool.stats();
        assertThat(stats.entries()).isEqualTo(entryCount[0]);
        assertThat(stats.messages()).isEqualTo(entriesByMessage.size());
        for (String id : entriesByMessage.keySet())
            assertThat(spool.body(id)).as("body of %s", id).isPresent();
        // Everything not completed is due again (leases were recovered).
        long due = 0;
        List<QueueEntry> batch;
        while (!(batch = spool.due(Long.MAX_VALUE, 1000)).isEmpty()) due += batch.size();
        assertThat(due).isEqualTo(entryCount[0]);
    }

    private static List<String> lines(Path file) throws java.io.IOException {
        if (!Files.exists(file)) return List.of();
        String text = Files.readString(file);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }

    private String output(int round) {
        try {
            return Files.readString(dir.resolve("child-" + round + ".out"));
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
