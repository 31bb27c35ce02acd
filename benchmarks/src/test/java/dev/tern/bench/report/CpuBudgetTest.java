package dev.tern.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Stages of CPU samples by their stacks, and the per-thread CPU file. */
class CpuBudgetTest {

    @Test
    void innermostKnownFrameDecidesAndSocketsGoToTheirSide() {
        assertThat(CpuBudget.classify(
                        List.of(
                                "org.bouncycastle.math.ec.rfc7748.X25519Field.mul",
                                "dev.tern.dkim.DkimKey.sign",
                                "dev.tern.dkim.DkimSigner.signatureField",
                                "dev.tern.core.inject.InjectionSession$Injector.store"),
                        "ForkJoinPool-1-worker-1"))
                .startsWith("DKIM signature");
        assertThat(CpuBudget.classify(
                        List.of(
                                "sun.security.provider.SHA2.implCompress0",
                                "dev.tern.dkim.BodyHasher.emitRun",
                                "dev.tern.core.inject.DataReader.feed"),
                        "ForkJoinPool-1-worker-1"))
                .startsWith("DKIM body hash");
        assertThat(CpuBudget.classify(
                        List.of(
                                "sun.nio.ch.SocketDispatcher.write0",
                                "sun.nio.ch.NioSocketImpl.write",
                                "dev.tern.core.inject.ConnectionGuard$Guarded$GuardedOut.write"),
                        "ForkJoinPool-1-worker-2"))
                .isEqualTo(CpuBudget.SESSION_IO);
        assertThat(CpuBudget.classify(
                        List.of(
                                "sun.nio.ch.SocketDispatcher.writev0",
                                "io.netty.channel.socket.nio.NioSocketChannel.doWrite",
                                "dev.tern.core.delivery.smtp.SmtpClientHandler.sendMail"),
                        "multiThreadIoEventLoopGroup-2-1"))
                .isEqualTo(CpuBudget.OUTBOUND);
        // a file write is not socket I/O: the event log's frame decides
        assertThat(CpuBudget.classify(
                        List.of(
                                "sun.nio.ch.UnixFileDispatcherImpl.write0",
                                "sun.nio.ch.FileChannelImpl.write",
                                "dev.tern.core.events.JsonLinesEventLog.run"),
                        "tern-event-log"))
                .startsWith("event log");
        assertThat(CpuBudget.classify(
                        List.of("jdk.internal.vm.Continuation.yield", "java.lang.VirtualThread.park"),
                        "ForkJoinPool-1-worker-1"))
                .isEqualTo(CpuBudget.HANDOFF_IN);
        assertThat(CpuBudget.classify(List.of("org.rocksdb.RocksDB.syncWal", "dev.tern.queue.Committer.commit"), "x"))
                .startsWith("spool write + sync");
    }

    @Test
    void threadFileGivesTotalsAndTheThreadsJfrDoesNotSample() {
        CpuBudget.ThreadCpu t = CpuBudget.ThreadCpu.parse(List.of(
                "thread CPU of pid 42 since the snapshot: 12.10 s (user 9.83, sys 2.27)",
                "  ForkJoinPool-#-                3 threads     4.64 s (user   3.54, sys   1.10)   38.3%",
                "  C# CompilerThre                2 threads     3.69 s (user   3.65, sys   0.04)   30.5%",
                "  ZWorkerYoung##                 1 threads     0.21 s (user   0.21, sys   0.00)    1.7%",
                "  rocksdb:high                   1 threads     0.03 s (user   0.03, sys   0.00)    0.2%",
                "  JFR Sampler Thr                1 threads     0.06 s (user   0.03, sys   0.03)    0.5%"));
        assertThat(t.total()).isCloseTo(12.10, within(1e-9));
        assertThat(t.sys()).isCloseTo(2.27, within(1e-9));
        assertThat(t.unsampled())
                .containsEntry("JIT compiler threads", 3.69)
                .containsEntry("GC threads", 0.21)
                .containsEntry("RocksDB background threads (flush, compaction)", 0.03)
                .containsEntry("VM / JFR threads", 0.06)
                .doesNotContainKey("ForkJoinPool-#-");
    }
}
