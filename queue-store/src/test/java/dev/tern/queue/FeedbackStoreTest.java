package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feedback column family: put-if-absent from many threads wins once, scans, prunes, survives reopening. */
class FeedbackStoreTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putIfAbsentCountsOnceAmongConcurrentWritersAndAfterReopening() throws Exception {
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            FeedbackStore s = spool.feedbackStore();
            List<CompletableFuture<Boolean>> all = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    synchronized (all) {
                        all.add(s.putIfAbsent("c:m1\u0000a@x.test", b("1")));
                    }
                }));
            }
            for (Thread t : threads) t.join();
            long won = all.stream().filter(CompletableFuture::join).count();
            assertThat(won).isEqualTo(1);
            s.putAll(Map.of("k:t\u0000a", b("A"), "k:t\u0000b", b("B"), "k:u\u0000c", b("C")))
                    .join();
        }
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            FeedbackStore s = spool.feedbackStore();
            assertThat(s.putIfAbsent("c:m1\u0000a@x.test", b("2")).join()).isFalse();
            assertThat(s.get("c:m1\u0000a@x.test"))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(b("1")));
            assertThat(s.scan("k:", "", 10))
                    .extracting(FeedbackStore.Entry::key)
                    .containsExactly("k:t\u0000a", "k:t\u0000b", "k:u\u0000c");
            assertThat(s.scan("k:t\u0000", "k:t\u0000a", 10))
                    .extracting(FeedbackStore.Entry::key)
                    .containsExactly("k:t\u0000b");
            assertThat(s.scan("c:", "", 10)).hasSize(1);
        }
    }

    @Test
    void pruneDropsOnlyMatchingRecordsUnderThePrefix() {
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            FeedbackStore s = spool.feedbackStore();
            for (int i = 0; i < 2500; i++) {
                s.put("b:m" + i, ByteBuffer.allocate(8).putLong(i).array()).join();
            }
            s.put("p:keep", ByteBuffer.allocate(8).putLong(0).array()).join();
            int n = s.prune("b:", (k, v) -> ByteBuffer.wrap(v).getLong() < 2000);
            assertThat(n).isEqualTo(2000);
            assertThat(s.scan("b:", "", 10_000)).hasSize(500);
            assertThat(s.get("p:keep")).isPresent();
        }
    }
}
