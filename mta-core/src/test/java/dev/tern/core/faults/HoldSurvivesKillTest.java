package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.cli.Main;
import dev.tern.core.testing.ChildTern;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An operator's hold on a site survives {@code kill -9}: Tern runs in a child JVM, the site is
 * suspended with {@code tern suspend}, mail for it is queued, the JVM is killed and started
 * again on the same spool. The restarted Tern, even told to retry the site's mail at once,
 * routes it, finds the site held and opens no connection to it; {@code tern holds} lists the hold with its reason and origin; after
 * {@code tern resume} the mail is delivered.
 */
class HoldSurvivesKillTest {
    private static final String TOKEN = "hold-test-token";

    @TempDir
    Path dir;

    private int adminPort;

    @Test
    void aSuspendedSiteStaysSuspendedAfterAKillAndARestart() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            int injectPort = freePort();
            adminPort = freePort();
            Path cfg = Files.writeString(dir.resolve("tern.yaml"), """
          server: { hostname: tern.test }
          spool: { directory: "%s", min_free_disk: 1MiB }
          injection: { listen: 127.0.0.1:%d }
          admin: { listen: 127.0.0.1:%d, token: %s }
          events: { log: "%s" }
          routes: { "*": 127.0.0.1:%d }
          """.formatted(
                            dir.resolve("spool"), injectPort, adminPort, TOKEN, Faults.eventLog(dir), sink.port()));
            String site = "site:route:127.0.0.1:" + sink.port();
            Set<String> accepted = ConcurrentHashMap.newKeySet();

            Process tern = ChildTern.start(cfg, "tern-first.log");
            try {
                ChildTern.awaitPort(adminPort, tern);
                ChildTern.awaitPort(injectPort, tern);
                assertThat(cli("suspend", site, "--reason", "blocking us")).isEqualTo(site + ": suspended");
                try (Faults.Injector inj =
                        new Faults.Injector(new InetSocketAddress("127.0.0.1", injectPort), accepted)) {
                    for (int i = 0; i < 3; i++)
                        assertThat(inj.send(List.of("h" + i + "@held.test"), "h" + i))
                                .startsWith("250");
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> siteIsHeldWithMailWaiting(sink.port()));
                tern.destroyForcibly();
                assertThat(tern.waitFor(10, TimeUnit.SECONDS)).isTrue();
            } finally {
                tern.destroyForcibly();
            }

            tern = ChildTern.start(cfg, "tern-second.log");
            try {
                ChildTern.awaitPort(adminPort, tern);
                // the held mail waits in the spool; even a retry (due now) only finds the site held again
                assertThat(cli("retry", site)).isEqualTo(site + ": 3 entries due now");
                await().atMost(Duration.ofSeconds(20)).until(() -> siteIsHeldWithMailWaiting(sink.port()));
                assertThat(sink.connectionsAccepted()).isZero();
                String holds = cli("holds");
                assertThat(holds)
                        .containsPattern(site.replace(".", "\\.") + " +operator +\\S+ +resumed by hand +blocking us");

                assertThat(cli("resume", site)).startsWith(site + ": resumed");
                sink.awaitMessageCount(3, Duration.ofSeconds(15));
                assertThat(cli("holds")).isEqualTo("no holds");
            } finally {
                tern.destroy();
                if (!tern.waitFor(30, TimeUnit.SECONDS)) tern.destroyForcibly();
            }
            assertThat(accepted).hasSize(3);
        }
    }

    /** The site's destination is known, suspended, and 3 entries wait in the spool (none in memory). */
    private boolean siteIsHeldWithMailWaiting(int sinkPort) throws Exception {
        JsonNode q = new ObjectMapper().readTree(cli("queues", "--json"));
        if (q.get("totals").get("entries").asLong() != 3) return false;
        for (JsonNode d : q.get("destinations")) {
            if (d.get("key").asText().equals("route:127.0.0.1:" + sinkPort))
                return d.get("suspended").asBoolean() && d.get("ready").asInt() == 0;
        }
        return false;
    }

    private String cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + adminPort, "--token", TOKEN));
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        assertThat(exit).as(String.join(" ", args) + ": " + err).isZero();
        return out.toString().strip();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
