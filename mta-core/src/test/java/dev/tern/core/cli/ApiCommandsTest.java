package dev.tern.core.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.admin.TernFixture;
import dev.tern.core.events.EventType;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every API subcommand of {@code tern} against a running in-process Tern. */
class ApiCommandsTest {
    @TempDir
    static Path dir;

    static SmtpSink sink;
    static TernFixture f;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        sink.onRcpt(rcpt -> rcpt.contains(".defer.test") ? "451 4.7.1 try later" : null);
        f = new TernFixture(dir, sink.port());
    }

    @AfterAll
    static void stop() {
        if (f != null) f.close();
        if (sink != null) sink.close();
    }

    static Run tern(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", f.adminUrl(), "--token", TernFixture.TOKEN));
        return ternRaw(all.toArray(String[]::new));
    }

    static Run ternRaw(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void queuesPrintsAnAlignedTableAndJson() throws Exception {
        f.inject(List.of("a@q.defer.test", "b@q.defer.test"), "acme", "spring");
        await().atMost(Duration.ofSeconds(10)).until(() -> f.count(EventType.TRANSIENT_FAILURE) >= 2);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(tern("queues").out()).contains("q.defer.test"));
        Run r = tern("queues");
        assertThat(r.exit()).isZero();
        List<String> lines = r.out().lines().toList();
        String header = lines.stream()
                .filter(l -> l.startsWith("DESTINATION"))
                .findFirst()
                .orElseThrow();
        String row = lines.get(lines.indexOf(header) + 1);
        assertThat(row).startsWith("route:127.0.0.1:" + sink.port());
        // text left-aligned under its header, numbers right-aligned
        assertThat(row.indexOf(" no ") + 1).isEqualTo(header.indexOf("HELD"));
        assertThat(row.charAt(header.indexOf("QUEUED") + "QUEUED".length() - 1)).isBetween('0', '9');
        assertThat(r.out()).contains("CAMPAIGN", "spring", "TENANT", "acme");

        JsonNode json = new ObjectMapper().readTree(tern("queues", "--json").out());
        assertThat(json.get("totals").get("entries").asLong()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void showPrintsTheRecipientsOfAMessage() throws Exception {
        String id = f.inject(List.of("c@show.defer.test"), null, null).get(0);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.tern.spool().entries(id).stream().anyMatch(e -> e.attempts() > 0));
        Run r = tern("show", id);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains(
                        "message   " + id,
                        "sender    sender@inject.test",
                        "c@show.defer.test",
                        "deferred",
                        "451 4.7.1");
        Run missing = tern("show", "0000000000000000000000ff");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no message", "(HTTP 404)");
    }

    @Test
    void suspendAndResumeASiteAndADomain() {
        String site = "site:route:127.0.0.1:" + sink.port();
        Run s = tern("suspend", site);
        assertThat(s.exit()).isZero();
        assertThat(s.out().strip()).isEqualTo(site + ": suspended");
        assertThat(tern("suspend", site).out()).contains("(already)");
        assertThat(tern("queues").out()).containsPattern("site:route:127\\.0\\.0\\.1:" + sink.port() + " +operator ");
        assertThat(tern("holds").out()).containsPattern("site:route:127\\.0\\.0\\.1:" + sink.port() + " +operator ");
        assertThat(tern("resume", site).out().strip()).startsWith(site + ": resumed");
        assertThat(tern("resume", site).out()).contains("(was not suspended)");

        assertThat(tern("suspend", "domain:cli.test").out().strip()).isEqualTo("domain:cli.test: suspended");
        assertThat(tern("queues").out()).containsPattern("domain:cli.test +operator ");
        assertThat(tern("resume", "domain:cli.test").exit()).isZero();
    }

    @Test
    void aBadTargetGets400WithTheMessage() {
        Run r = tern("suspend", "planet:mars");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("expected site:<key>, domain:<domain>, mxhost:<host>", "(HTTP 400)");
    }

    @Test
    void withoutATokenTheApiAnswers401() {
        Run r = ternRaw(
                "queues",
                "--url",
                f.adminUrl(),
                "--token",
                "",
                "--config",
                dir.resolve("none.yaml").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("missing bearer token", "(HTTP 401)");
    }

    @Test
    void theTokenAndUrlDefaultToTheConfigurationFile() throws Exception {
        // a config whose admin.listen is the running server's address and whose token is right
        Path cfg = dir.resolve("client.yaml");
        Files.writeString(
                cfg,
                "admin: { listen: 127.0.0.1:" + f.tern.adminAddress().getPort() + ", token: \"" + TernFixture.TOKEN
                        + "\" }\n");
        Run r = ternRaw("queues", "--config", cfg.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("spool:");
    }

    @Test
    void bounceRetryAndTheirMessages() throws Exception {
        f.inject(List.of("d@purge.defer.test", "e@purge.defer.test"), null, null);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.events.stream()
                                .filter(e -> e.kind() == EventType.TRANSIENT_FAILURE
                                        && e.recipient().endsWith("@purge.defer.test"))
                                .count()
                        == 2);
        Run retry = tern("retry", "domain:purge.defer.test");
        assertThat(retry.out().strip()).isEqualTo("domain:purge.defer.test: 2 entries due now");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.events.stream()
                                .filter(e -> e.kind() == EventType.TRANSIENT_FAILURE
                                        && e.recipient().endsWith("@purge.defer.test"))
                                .count()
                        == 4);
        Run b = tern("bounce", "domain:purge.defer.test", "--reason", "list cleanup");
        assertThat(b.exit()).as(b.err()).isZero();
        assertThat(b.out().strip()).isEqualTo("domain:purge.defer.test: bounced 2 recipients in 2 entries");
        assertThat(tern("bounce", "site:gmail").err()).contains("(HTTP 400)");
    }

    @Test
    void suppressionListAddRemove() {
        assertThat(tern("suppression", "add", "Someone@Example.org", "--tenant", "t9", "--reason", "complaint")
                        .out()
                        .strip())
                .isEqualTo("suppressed someone@example.org for tenant t9 (complaint)");
        Run list = tern("suppression", "list", "--tenant", "t9");
        assertThat(list.out())
                .containsPattern("ADDRESS +TENANT +REASON +ADDED")
                .containsPattern("someone@example.org +t9 +complaint ");
        assertThat(tern("suppression", "remove", "someone@example.org", "--tenant", "t9")
                        .out()
                        .strip())
                .isEqualTo("removed someone@example.org for tenant t9");
        assertThat(tern("suppression", "list", "--tenant", "t9").out().strip()).isEqualTo("no suppressions");
        Run again = tern("suppression", "remove", "someone@example.org", "--tenant", "t9");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("(HTTP 404)");
    }

    @Test
    void reloadPrintsWhatChanged() throws Exception {
        String original = Files.readString(f.configFile);
        try {
            Files.writeString(f.configFile, original.replace("routes:\n", "routes:\n  elsewhere.test: 127.0.0.1:1\n"));
            Run r = tern("reload");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out())
                    .contains(
                            "reloaded " + f.configFile,
                            "routes: applied\n  route elsewhere.test: added -> 127.0.0.1:1",
                            "admin.token: unchanged",
                            "dkim: unchanged",
                            "bounces: unchanged",
                            "suppression: unchanged",
                            "campaigns: unchanged",
                            "injection: unchanged");
            Files.writeString(f.configFile, original);
            assertThat(tern("reload").out()).contains("route elsewhere.test: removed (was 127.0.0.1:1)");
            assertThat(tern("reload").out()).contains("routes: unchanged");
        } finally {
            Files.writeString(f.configFile, original);
        }
    }

    @Test
    void topOncePrintsRatesAndQueues() throws Exception {
        f.inject("top.test", 3);
        sink.awaitMessageCount(3, Duration.ofSeconds(10));
        Run r = tern("top", "--once", "--interval", "0.2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("tern top", "per second", "DESTINATION").containsPattern("total +\\d+ +\\d+");
        assertThat(r.out()).doesNotContain("\033[");
        long delivered = f.count(EventType.DELIVERY);
        String totalLine =
                r.out().lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
        assertThat(totalLine.split(" +")[2]).isEqualTo(Long.toString(delivered));
    }
}
