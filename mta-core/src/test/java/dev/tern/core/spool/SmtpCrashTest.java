package dev.tern.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.testing.ChildTern;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash test: Tern runs in a child JVM; clients inject over SMTP while it is killed with
 * kill -9 at random moments (5 times). Every message that got a 250 must reach the sink
 * after the last restart; duplicates are allowed (at-least-once) and counted.
 */
@Tag("slow")
class SmtpCrashTest {
    @TempDir
    Path dir;

    @Test
    void noAcknowledgedMessageIsLostAcrossKill9() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            int injectPort;
            try (ServerSocket s = new ServerSocket(0)) {
                injectPort = s.getLocalPort();
            }
            Path cfg = Files.writeString(dir.resolve("tern.yaml"), """
          spool: { directory: "%s", min_free_disk: 1MiB }
          injection: { listen: 127.0.0.1:%d }
          admin: { listen: 127.0.0.1:0 }
          events: { log: "%s" }
          routes: { "*": 127.0.0.1:%d }
          delivery: { retry: { initial: 200ms, max: 1s } }
          """.formatted(
                            dir.resolve("spool"), injectPort, dir.resolve("events.jsonl"), sink.port()));
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicInteger counter = new AtomicInteger();
            Random random = new Random();
            for (int round = 0; round < 5; round++) {
                Process tern = ChildTern.start(cfg, "tern-child.log");
                ChildTern.awaitPort(injectPort, tern);
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService clients = Executors.newFixedThreadPool(4);
                for (int c = 0; c < 4; c++) clients.submit(() -> injectUntilFailure(injectPort, counter, acked, stop));
                // justified sleep: a random moment of real load in the child JVM is the crash point under test
                Thread.sleep(1500 + random.nextInt(2500));
                tern.destroyForcibly(); // SIGKILL
                tern.waitFor(10, TimeUnit.SECONDS);
                stop.set(true);
                clients.shutdown();
                clients.awaitTermination(30, TimeUnit.SECONDS);
            }
            Process tern = ChildTern.start(cfg, "tern-child.log");
            try {
                ChildTern.awaitPort(injectPort, tern);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                // justified sleep: the poll interval of a wait for the child JVM; the assertions follow its stop
                while (System.nanoTime() < deadline && !received(sink).keySet().containsAll(acked)) Thread.sleep(200);
            } finally {
                tern.destroy();
                tern.waitFor(20, TimeUnit.SECONDS);
            }
            Map<String, Integer> got = received(sink);
            long lost = acked.stream().filter(id -> !got.containsKey(id)).count();
            long duplicates = got.values().stream().mapToInt(n -> n - 1).sum();
            System.out.printf(
                    "crash test: %d acknowledged, %d received distinct, %d lost, %d duplicates%n",
                    acked.size(), got.size(), lost, duplicates);
            assertThat(acked).hasSizeGreaterThan(100);
            assertThat(lost).as("acknowledged messages lost").isZero();
        }
    }

    private static Map<String, Integer> received(SmtpSink sink) {
        Map<String, Integer> count = new HashMap<>();
        for (ReceivedMessage m : sink.messages()) {
            String t = m.text();
            int i = t.indexOf("Message-ID: <");
            if (i >= 0) count.merge(t.substring(i + 13, t.indexOf('>', i)), 1, Integer::sum);
        }
        return count;
    }

    private static void injectUntilFailure(int port, AtomicInteger counter, Set<String> acked, AtomicBoolean stop) {
        while (!stop.get()) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                in.readLine();
                out.write("HELO crash\r\n".getBytes(StandardCharsets.US_ASCII));
                in.readLine();
                while (!stop.get()) {
                    String id = "crash-" + counter.incrementAndGet();
                    out.write(("MAIL FROM:<a@inject.test>\r\nRCPT TO:<r@crash.test>\r\nDATA\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    in.readLine();
                    in.readLine();
                    if (!in.readLine().startsWith("354")) break;
                    out.write(("Message-ID: <" + id + ">\r\nSubject: crash\r\n\r\nbody of " + id + "\r\n.\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String reply = in.readLine();
                    if (reply == null) break;
                    if (reply.startsWith("250")) acked.add(id);
                }
            } catch (IOException e) {
                // Tern is down: retry until told to stop
                try {
                    // justified sleep: a client's pause before reconnecting to a Tern that is down
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
