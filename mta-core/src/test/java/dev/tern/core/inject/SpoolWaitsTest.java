package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tern.queue.SpoolFullException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Waits for spool writes: the write's outcome as {@code get} gives it, and the deadline on virtual time. */
class SpoolWaitsTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final SpoolWaits waits = new SpoolWaits(60, TimeUnit.SECONDS, now::get);

    /** Runs {@code waits.await(write)} on a virtual thread; its outcome: "ok" or the exception. */
    private CompletableFuture<Object> awaitIn(CompletableFuture<?> write) {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                waits.await(write);
                outcome.complete("ok");
            } catch (Exception e) {
                outcome.complete(e);
            }
        });
        return outcome;
    }

    @Test
    void aWriteThatCompletesEndsTheWait() throws Exception {
        CompletableFuture<Void> write = new CompletableFuture<>();
        CompletableFuture<Object> outcome = awaitIn(write);
        await().atMost(Duration.ofSeconds(5)).until(() -> waits.open() == 1);
        write.complete(null);
        assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThat(waits.open()).isZero();
        waits.await(CompletableFuture.completedFuture(null)); // done already: no wait at all
    }

    @Test
    void aFailedWriteGivesItsCauseAsGetDoes() throws Exception {
        SpoolFullException full = new SpoolFullException("spool full");
        for (boolean combined : new boolean[] {false, true}) {
            CompletableFuture<Void> write = new CompletableFuture<>();
            CompletableFuture<?> waited = combined ? CompletableFuture.allOf(write, new CompletableFuture<>()) : write;
            CompletableFuture<Object> outcome = awaitIn(waited);
            write.completeExceptionally(full);
            if (combined) waited.completeExceptionally(full); // allOf waits for every part; fail it like the part
            Object e = outcome.get(5, TimeUnit.SECONDS);
            assertThat(e).isInstanceOf(ExecutionException.class);
            assertThat(((ExecutionException) e).getCause()).isSameAs(full);
            // the same as a timed get on the same future
            assertThatThrownBy(() -> waited.get(1, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCause(full);
        }
        CompletableFuture<Void> failed = CompletableFuture.failedFuture(full);
        assertThatThrownBy(() -> waits.await(failed))
                .isInstanceOf(ExecutionException.class)
                .hasCause(full);
    }

    @Test
    void aWaitEndsInATimeoutOnlyOnceItsDeadlineHasPassed() throws Exception {
        CompletableFuture<Void> write = new CompletableFuture<>();
        CompletableFuture<Object> outcome = awaitIn(write);
        await().atMost(Duration.ofSeconds(5)).until(() -> waits.open() == 1);
        now.addAndGet(TimeUnit.SECONDS.toNanos(60) - 1);
        waits.sweep(now.get());
        assertThat(outcome).isNotDone();
        now.incrementAndGet();
        waits.sweep(now.get());
        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(write).isNotDone(); // the write itself is not touched
        assertThat(waits.open()).isZero();
    }

    @Test
    void theSweeperThreadEndsStuckWaitsByItself() throws Exception {
        CompletableFuture<Void> write = new CompletableFuture<>();
        AtomicReference<CompletableFuture<Object>> outcome = new AtomicReference<>(awaitIn(write));
        await().atMost(Duration.ofSeconds(5)).until(() -> waits.open() == 1);
        now.addAndGet(TimeUnit.SECONDS.toNanos(61)); // the sweeper reads the same (virtual) ticker
        assertThat(outcome.get().get(5, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
    }
}
