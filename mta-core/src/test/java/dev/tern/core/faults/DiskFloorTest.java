package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool's file system is below the free-space floor ({@code spool.min_free_disk}). */
class DiskFloorTest {
    @TempDir
    Path dir;

    private static String yaml(int sinkPort) {
        return """
        routes: { "*": 127.0.0.1:%d }
        delivery: { retry: { initial: 200ms, multiplier: 1.5, max: 500ms, jitter: 0 } }
        """.formatted(sinkPort);
    }

    /**
     * Below the floor Tern must refuse every new message with {@code 452 4.3.1} (so the client
     * keeps it and retries), store nothing and report nothing for it, and still deliver (and
     * complete in the spool) every message it had already accepted.
     */
    @Test
    void newMailIsRefusedWith452AndQueuedMailIsStillDelivered() throws Exception {
        SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        int port = sink.port();
        sink.stop();
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        try (TernServer tern = TernServer.start(Faults.config(dir, yaml(port)));
                Faults.Injector inj = new Faults.Injector(tern.injectionAddress(), accepted)) {
            for (int i = 0; i < 15; i++) {
                assertThat(inj.send(List.of("q" + i + "@floor.test", "p" + i + "@other.test"), "q" + i))
                        .startsWith("250");
            }
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(Ledger.of(accepted, Faults.eventLog(dir), tern.spool(), List.of())
                                    .assertBalanced()
                                    .queued())
                            .hasSize(30));
        }
        sink.start();
        // the same spool, now with a floor above any free space
        try (TernServer tern = TernServer.start(Faults.config(dir, "1000000GiB", yaml(port)));
                Faults.Injector inj = new Faults.Injector(tern.injectionAddress(), accepted)) {
            for (int i = 0; i < 10; i++) {
                assertThat(inj.send(List.of("refused" + i + "@floor.test"), "r" + i))
                        .startsWith("452 4.3.1");
            }
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> Ledger.of(accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                            .settled());
            Ledger end = Ledger.of(accepted, Faults.eventLog(dir), tern.spool(), sink.messages())
                    .assertSettled();
            System.out.println("disk floor: " + end);
            assertThat(end.counts().accepted()).isEqualTo(30);
            assertThat(end.delivered()).hasSize(30);
            assertThat(end.duplicates()).isEmpty();
            assertThat(tern.spool().stats().messages()).isZero();
            // the refused messages left no trace: not at the sink, not in the log (the ledger flags either)
            assertThat(sink.messages()).noneMatch(m -> m.recipients().getFirst().startsWith("refused"));
            assertThat(Ledger.events(Faults.eventLog(dir)))
                    .noneMatch(e -> e.path("recipient").asText().startsWith("refused"));
        } finally {
            sink.close();
        }
    }
}
