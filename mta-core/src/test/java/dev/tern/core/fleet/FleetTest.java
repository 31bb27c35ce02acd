package dev.tern.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.admin.TernFixture;
import dev.tern.queue.HoldTarget;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three Tern nodes on loopback sharing one real redis-server: holds and suppressions apply fleet-wide. */
class FleetTest {
    @TempDir
    Path dir;

    @Test
    void aHoldSetOnAStopsBAndCWithinASecondIsListedEverywhereAndAResumeOnCReleasesIt() throws Exception {
        try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"));
                SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                FleetNodes fleet = new FleetNodes(dir, 3, redis.url(), sink.port(), "")) {
            TernFixture a = fleet.get(0), b = fleet.get(1), c = fleet.get(2);
            for (TernFixture n : fleet.nodes)
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> n.tern.fleet().shared());
            String site = "site:route:127.0.0.1:" + sink.port();
            HoldTarget target = new HoldTarget(HoldTarget.Kind.SITE, "route:127.0.0.1:" + sink.port());

            assertThat(FleetNodes.cli(a, "suspend", site, "--reason", "blocking us"))
                    .isEqualTo(site + ": suspended");
            long heldAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(1))
                    .until(() -> b.tern.delivery().hold(target).isPresent()
                            && c.tern.delivery().hold(target).isPresent());
            System.out.printf(
                    "fleet: hold set on a in force on b and c after %d ms%n", (System.nanoTime() - heldAt) / 1_000_000);
            for (TernFixture n : List.of(a, b, c))
                assertThat(FleetNodes.cli(n, "holds"))
                        .containsPattern(site.replace(".", "\\.") + " +operator +\\S+ +resumed by hand +blocking us");

            // mail on b and c for the site waits: each entry is put back by the hold, and nothing reaches the sink
            FleetNodes.store(b.tern.spool(), "b", 4, "held.test");
            FleetNodes.store(c.tern.spool(), "c", 4, "held.test");
            b.tern.delivery().wake();
            c.tern.delivery().wake();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> FleetNodes.heldBack(b, "held.test") == 4 && FleetNodes.heldBack(c, "held.test") == 4);
            assertThat(sink.messageCount()).isZero();
            assertThat(sink.connectionsAccepted()).isZero();

            // resumed on c: released on every node, and the held mail goes out
            assertThat(FleetNodes.cli(c, "resume", site)).startsWith(site + ": resumed");
            await().atMost(Duration.ofSeconds(1))
                    .until(() -> a.tern.delivery().holds().isEmpty()
                            && b.tern.delivery().holds().isEmpty());
            sink.awaitMessageCount(8, Duration.ofSeconds(10));
            for (TernFixture n : List.of(a, b, c))
                assertThat(FleetNodes.cli(n, "holds")).isEqualTo("no holds");
        }
    }

    @Test
    void anAddressSuppressedOnAIsRefusedAtRcptOnB() throws Exception {
        try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"));
                SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                FleetNodes fleet = new FleetNodes(dir, 2, redis.url(), sink.port(), "")) {
            TernFixture a = fleet.get(0), b = fleet.get(1);
            for (TernFixture n : fleet.nodes)
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> n.tern.fleet().shared());
            assertThat(rcpt(b, "gone@fleet.test")).startsWith("250");
            assertThat(a.call(
                                    "POST",
                                    "/api/v1/suppressions",
                                    "{\"address\":\"Gone@fleet.test\",\"reason\":\"complaint\"}")
                            .status())
                    .isEqualTo(201);
            await().atMost(Duration.ofSeconds(2))
                    .until(() -> rcpt(b, "gone@fleet.test").startsWith("550"));
            assertThat(rcpt(b, "gone@fleet.test")).startsWith("550 5.7.1 <gone@fleet.test>");
            assertThat(rcpt(b, "other@fleet.test")).startsWith("250");
            // removed on b: accepted again on a
            assertThat(b.call("DELETE", "/api/v1/suppressions?address=gone@fleet.test", null)
                            .status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(2))
                    .until(() -> rcpt(a, "gone@fleet.test").startsWith("250"));
        }
    }

    /** The reply to RCPT TO:&lt;address&gt; in a new session on a node's injection listener. */
    static String rcpt(TernFixture node, String address) throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.tern.injectionAddress().getPort())) {
            s.setSoTimeout(5000);
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            for (String line : List.of("EHLO fleet.test", "MAIL FROM:<sender@inject.test>")) {
                out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply(in);
            }
            out.write(("RCPT TO:<" + address + ">\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String r = reply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return r;
        }
    }

    private static String reply(BufferedReader in) throws Exception {
        String line;
        do line = in.readLine();
        while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }
}
