package dev.tern.core.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.testing.ChildTern;
import dev.tern.core.testing.InjectClient;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP sent to a Tern process (a child JVM: the signal cannot be sent safely to the test JVM)
 * runs the same reload as the API: a changed route and admin token apply at once and the log
 * reports each section.
 */
@Tag("slow")
class SighupReloadTest {
    @TempDir
    Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Path config(int inject, int admin, String token, int routePort) throws IOException {
        return Files.writeString(dir.resolve("tern.yaml"), """
          server: { hostname: tern.test }
          spool: { directory: "%s", min_free_disk: 1MiB, sync: false }
          injection: { listen: 127.0.0.1:%d }
          admin: { listen: 127.0.0.1:%d, token: %s }
          events: { log: "%s" }
          routes: { "moved.test": 127.0.0.1:%d }
          delivery:
            retry: { initial: 200ms, multiplier: 1.5, max: 1s }
          """.formatted(
                        dir.resolve("spool"), inject, admin, token, dir.resolve("events.jsonl"), routePort));
    }

    @Test
    void sighupAppliesARouteAndTheAdminTokenAndReportsThem() throws Exception {
        int inject = freePort(), admin = freePort();
        try (SmtpSink first = SmtpSink.builder().address("127.0.0.1").port(0).start();
                SmtpSink second =
                        SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            Path cfg = config(inject, admin, "first-token-123456", first.port());
            Process tern = ChildTern.start(cfg, "tern.log", ChildTern.DEFAULT_SIGHUP);
            try {
                ChildTern.awaitPort(admin, tern);
                ChildTern.awaitPort(inject, tern);
                assertThat(status(admin, "first-token-123456")).isEqualTo(200);

                config(inject, admin, "second-token-654321", second.port());
                signal(tern, "HUP");
                Path log = dir.resolve("tern.log");
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(Files.readString(log)).contains("configuration reloaded from"));
                String out = Files.readString(log);
                assertThat(out)
                        .contains("SIGHUP: reloading the configuration")
                        .contains("reload: routes applied [route moved.test: 127.0.0.1:" + first.port()
                                + " -> 127.0.0.1:" + second.port() + "]")
                        .contains("reload: admin.token applied [token changed]")
                        .contains("applied: routes, admin.token;");
                assertThat(status(admin, "second-token-654321")).isEqualTo(200);
                assertThat(status(admin, "first-token-123456")).isEqualTo(401);

                send(inject, "rcpt@moved.test");
                second.awaitMessageCount(1, Duration.ofSeconds(20));
                assertThat(first.messages()).isEmpty();
            } finally {
                tern.destroy();
                if (!tern.waitFor(30, TimeUnit.SECONDS)) tern.destroyForcibly();
            }
        }
    }

    @Test
    void aSighupIgnoredUnderNohupIsLoggedAtStart() throws Exception {
        int admin = freePort();
        Path cfg = config(freePort(), admin, "some-token-123456", 1);
        Process tern = ChildTern.start(cfg, "tern-nohup.log", List.of("nohup"));
        try {
            ChildTern.awaitPort(admin, tern);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(Files.readString(dir.resolve("tern-nohup.log")))
                            .contains("SIGHUP is ignored by this process"));
        } finally {
            tern.destroy();
            if (!tern.waitFor(30, TimeUnit.SECONDS)) tern.destroyForcibly();
        }
    }

    private int status(int admin, String token) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/queues"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(10))
                .build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void signal(Process p, String sig) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor()).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** One message over plain SMTP, each command awaited; fails unless it is accepted. */
    private static void send(int port, String rcpt) throws IOException {
        try (InjectClient c = new InjectClient(new InetSocketAddress("127.0.0.1", port))) {
            assertThat(c.send(
                            "sender@client.test",
                            List.of(rcpt),
                            "From: <sender@client.test>\r\nTo: <" + rcpt + ">\r\nSubject: hup\r\n\r\nbody\r\n"))
                    .startsWith("250");
        }
    }
}
