package dev.tern.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.admin.TernFixture;
import dev.tern.core.cli.Main;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;

/** Tern nodes of one fleet on loopback (one Redis, one sink), with the helpers the fleet tests share. */
final class FleetNodes implements AutoCloseable {
    private static final AtomicLong IDS = new AtomicLong();
    final List<TernFixture> nodes = new ArrayList<>();

    /** Starts {@code n} nodes named a, b, c ... routed to the sink, with {@code extraYaml} (shaping file ...). */
    FleetNodes(Path dir, int n, String redisUrl, int sinkPort, String extraYaml) throws IOException {
        try {
            for (int i = 0; i < n; i++) {
                String name = String.valueOf((char) ('a' + i));
                Path d = Files.createDirectories(dir.resolve(name));
                nodes.add(
                        new TernFixture(d, sinkPort, TernFixture.TOKEN, """
                        fleet: { node_id: %s, redis: "%s", size: %d, timeout: 300ms }
                        """.formatted(name, redisUrl, n) + extraYaml));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    TernFixture get(int i) {
        return nodes.get(i);
    }

    /** Runs the {@code tern} command line against a node's admin API; returns what it printed. */
    static String cli(TernFixture node, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", node.adminUrl(), "--token", TernFixture.TOKEN));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        assertThat(exit).as(String.join(" ", args) + ": " + err).isZero();
        return out.toString().strip();
    }

    /** Stores {@code n} one-recipient messages for {@code domain}, due now, and waits until durable; returns the ids. */
    static List<String> store(Spool spool, String node, int n, String domain) {
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            String id = node + String.format("%08d", IDS.incrementAndGet());
            String rcpt = "u" + i + "@" + domain;
            byte[] body = ("Subject: " + id + "\r\nMessage-ID: <" + id + "@test>\r\n\r\nbody of " + id + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            Envelope env = new Envelope(
                    id, "sender@tern.test", "", "", "", false, now, now + 86_400_000L, body.length, Map.of());
            writes.add(spool.store(
                    env, body, List.of(new QueueEntry(env, domain, List.of(RecipientState.pending(rcpt)), 0, now))));
            ids.add(id);
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        return ids;
    }

    /** The id ("a00000012") in the Subject of a delivered message. */
    static String id(dev.tern.testkit.smtp.ReceivedMessage m) {
        String t = m.text();
        int i = t.indexOf("Subject: ");
        return t.substring(i + 9, t.indexOf("\r\n", i));
    }

    /** Entries of {@code domain} in a node's spool put back by a hold (due a minute or more from now). */
    static int heldBack(TernFixture node, String domain) {
        long later = System.currentTimeMillis() + 30_000;
        int[] held = {0};
        node.tern.spool().forEachEntry(e -> {
            if (e.domain().equals(domain) && e.nextAttemptAt() > later) held[0]++;
        });
        return held[0];
    }

    @Override
    public void close() {
        for (TernFixture f : nodes.reversed()) {
            try {
                f.close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
    }
}
