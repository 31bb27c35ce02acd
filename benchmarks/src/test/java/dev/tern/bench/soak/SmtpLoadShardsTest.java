package dev.tern.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bench.load.SmtpLoad;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Two load processes' shares of one paced schedule, without pipelining, over real loopback sockets. */
class SmtpLoadShardsTest {

    @Test
    void twoShardsSendEveryMessageOnceAndMeasureAfterTheWarmUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SoakSink sink = new SoakSink(port)) {
            long startAt = System.currentTimeMillis() + 300;
            // two threads, as two processes would be (the common pool may have one worker)
            ExecutorService two = Executors.newFixedThreadPool(2);
            CompletableFuture<SmtpLoad.Result> a = CompletableFuture.supplyAsync(() -> run(port, 0, startAt), two);
            CompletableFuture<SmtpLoad.Result> b = CompletableFuture.supplyAsync(() -> run(port, 1, startAt), two);
            two.shutdown();
            SmtpLoad.Result ra = a.join();
            SmtpLoad.Result rb = b.join();

            assertThat(ra.accepted()).isEqualTo(21); // 0, 2, ..., 40
            assertThat(rb.accepted()).isEqualTo(20); // 1, 3, ..., 39
            assertThat(ra.measured().accepted()).isEqualTo(16); // 10, 12, ..., 40
            assertThat(rb.measured().accepted()).isEqualTo(15); // 11, 13, ..., 39
            assertThat(ra.errors() + rb.errors() + ra.refused() + rb.refused()).isZero();
            // both shards share one schedule: the measured window starts when message 10 is due
            assertThat(ra.measured().startEpochNanos()).isEqualTo(rb.measured().startEpochNanos());
            assertThat(ra.measured().startEpochNanos()).isEqualTo(startAt * 1_000_000L + 10 * 1_000_000_000L / 400);
            assertThat(sink.delivered()).isEqualTo(41);
            assertThat(sink.duplicates()).isZero();
        }
    }

    private static SmtpLoad.Result run(int port, int shard, long startAt) {
        try {
            return new SmtpLoad(new SmtpLoad.Settings(
                            new InetSocketAddress("127.0.0.1", port),
                            3,
                            400,
                            1024,
                            41,
                            Duration.ofSeconds(30),
                            "sender@bench.localdomain",
                            i -> "rcpt-" + i + "@example.test",
                            false,
                            shard,
                            2,
                            10,
                            startAt))
                    .run();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
