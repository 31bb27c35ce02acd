package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.cli.Main;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.server.TernServer;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A node is drained and its queue handed to another node: {@code tern drain} makes A refuse new
 * sessions with 421 4.3.2 while it delivers what it can and reports the rest; A is stopped,
 * {@code tern spool export} writes its queue (checksummed) and removes it from A's spool,
 * {@code tern spool import} queues it on B, B delivers it. The ledger balances: every recipient
 * that got a 250 at A is delivered exactly once, at A's or at B's sink, and nothing is left.
 */
class DrainHandoverTest {
    private static final String TOKEN = "drain-test-token-0123456789";

    record Run(int exit, String out, String err) {}

    @TempDir
    Path dir;

    @Test
    void drainExportAndImportMoveTheQueueToAnotherNodeAndTheLedgerBalances() throws Exception {
        try (SmtpSink sinkA = SmtpSink.builder().address("127.0.0.1").port(0).start();
                SmtpSink sinkB = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            // A's way to later.test is down: those recipients stay queued (deferred) on A
            sinkA.onRcpt(rcpt -> rcpt.endsWith("@later.test") ? "451 4.4.1 no route today" : null);
            Path aConfig = writeConfig("a", sinkA.port());
            Path bConfig = writeConfig("b", sinkB.port());
            Set<String> accepted;
            Path export = dir.resolve("handover");
            TernServer a = TernServer.start(ConfigLoader.load(aConfig));
            try (Faults.Injector inj = new Faults.Injector(a.injectionAddress())) {
                for (int i = 0; i < 10; i++) {
                    assertThat(inj.send(List.of("now" + i + "@now.test"), "now" + i))
                            .startsWith("250");
                    assertThat(inj.send(List.of("l" + i + "@later.test", "m" + i + "@later.test"), "later" + i))
                            .startsWith("250");
                }
                accepted = Set.copyOf(inj.accepted);

                Run drain = tern("drain", "--url", url(a), "--token", TOKEN);
                assertThat(drain.exit()).as(drain.err()).isZero();
                assertThat(drain.out()).contains("draining since").contains("new SMTP sessions get 421 4.3.2");
                // a new session is refused; the session already open may go on
                assertThat(banner(a)).startsWith("421 4.3.2 ");
                assertThat(scrape(a)).containsPattern("(?m)^tern_draining 1\\.0$");

                // deliver what it can, report what remains
                await().atMost(Duration.ofSeconds(20)).until(() -> sinkA.messageCount() >= 10);
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> status(a).contains("later.test")
                                && !status(a).contains("now.test")
                                && status(a).matches("(?s).*later\\.test +10 +20 +20 .*"));
                Run report = tern("drain", "--status", "--url", url(a), "--token", TOKEN);
                assertThat(report.out())
                        .contains("remaining: 10 messages, 20 recipients")
                        .contains("DOMAIN")
                        .contains("451 4.4.1 no route today");
                Run json = tern("drain", "--status", "--json", "--url", url(a), "--token", TOKEN);
                JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
                assertThat(j.get("draining").asBoolean()).isTrue();
                assertThat(j.get("remaining").get("recipients").asLong()).isEqualTo(20);
                // --wait follows the queue with progress lines until it is empty or the timeout passes
                Run waited = tern(
                        "drain", "--wait", "--timeout", "1s", "--interval", "200ms", "--url", url(a), "--token", TOKEN);
                assertThat(waited.exit()).isZero();
                assertThat(waited.out()).startsWith("remaining: 10 messages, 20 recipients");
                assertThat(waited.out()).contains("later.test");
            } finally {
                a.close();
            }

            // stop, export (removes the queue from A's spool), import on B
            Run exported = tern("spool", "export", "-c", aConfig.toString(), export.toString());
            assertThat(exported.exit()).as(exported.err()).isZero();
            assertThat(exported.out()).contains("exported 10 messages (20 recipients");
            assertThat(Files.exists(export.resolve("manifest.json"))).isTrue();
            try (Spool spool =
                    Spool.open(SpoolSettings.defaults(dir.resolve("a/spool")).withMinFreeDiskBytes(0))) {
                assertThat(spool.stats().entries()).isZero();
                assertThat(spool.stats().messages()).isZero();
            }

            TernServer b = TernServer.start(ConfigLoader.load(bConfig));
            try {
                Run imported = tern("spool", "import", export.toString(), "--url", url(b), "--token", TOKEN);
                assertThat(imported.exit()).as(imported.err()).isZero();
                assertThat(imported.out()).contains("queued 10 messages (20 recipients)");
                // a second import would queue them twice: refused
                Run again = tern("spool", "import", export.toString(), "--url", url(b), "--token", TOKEN);
                assertThat(again.exit()).isEqualTo(1);
                assertThat(again.err()).contains("already imported").contains("HTTP 409");

                await().atMost(Duration.ofSeconds(20)).until(() -> sinkB.messageCount() >= 10);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> b.spool().stats().entries() == 0);

                // the ledger: every accepted recipient delivered exactly once, at A or at B
                Map<String, Integer> copies = new HashMap<>();
                for (ReceivedMessage m : sinkA.messages())
                    for (String r : m.recipients()) copies.merge(r, 1, Integer::sum);
                for (ReceivedMessage m : sinkB.messages())
                    for (String r : m.recipients()) copies.merge(r, 1, Integer::sum);
                assertThat(new TreeSet<>(copies.keySet())).isEqualTo(new TreeSet<>(accepted));
                assertThat(copies.values()).allMatch(n -> n == 1);
                assertThat(accepted).hasSize(30);
                Set<String> deliveredAtB = new TreeSet<>();
                for (JsonNode e : Ledger.events(Faults.eventLog(dir.resolve("b"))))
                    if (e.get("type").asText().equals("delivery"))
                        deliveredAtB.add(e.get("recipient").asText());
                assertThat(deliveredAtB).hasSize(20).allMatch(r -> r.endsWith("@later.test"));
                Map<String, String> idsAtA = new HashMap<>();
                for (JsonNode e : Ledger.events(Faults.eventLog(dir.resolve("a"))))
                    if (e.get("type").asText().equals("reception"))
                        idsAtA.put(
                                e.get("recipient").asText(), e.get("message_id").asText());
                // B delivered them under the message ids A gave them
                for (JsonNode e : Ledger.events(Faults.eventLog(dir.resolve("b"))))
                    if (e.get("type").asText().equals("delivery"))
                        assertThat(e.get("message_id").asText())
                                .isEqualTo(idsAtA.get(e.get("recipient").asText()));
            } finally {
                b.close();
            }
        }
    }

    @Test
    void aTamperedExportIsRefusedWholeAndQueuesNothing() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.onRcpt(rcpt -> "451 4.4.1 not now");
            Path aConfig = writeConfig("a", sink.port());
            Path export = dir.resolve("handover");
            TernServer a = TernServer.start(ConfigLoader.load(aConfig));
            try (Faults.Injector inj = new Faults.Injector(a.injectionAddress())) {
                for (int i = 0; i < 3; i++)
                    assertThat(inj.send(List.of("x" + i + "@t.test"), "t" + i)).startsWith("250");
            } finally {
                a.close();
            }
            assertThat(tern("spool", "export", "-c", aConfig.toString(), export.toString())
                            .exit())
                    .isZero();
            // one body changed by a byte
            Path body;
            try (var files = Files.list(export.resolve("messages"))) {
                body = files.filter(p -> p.toString().endsWith(".eml"))
                        .findFirst()
                        .orElseThrow();
            }
            byte[] b = Files.readAllBytes(body);
            b[b.length - 3] ^= 1;
            Files.write(body, b);
            Path bConfig = writeConfig("b", sink.port());
            TernServer other = TernServer.start(ConfigLoader.load(bConfig));
            try {
                // a running node's spool is locked: export wants it stopped
                Run running = tern(
                        "spool",
                        "export",
                        "-c",
                        bConfig.toString(),
                        dir.resolve("other").toString());
                assertThat(running.exit()).isEqualTo(1);
                assertThat(running.err()).contains("is the node still running? stop it first");
                Run r = tern("spool", "import", export.toString(), "--url", url(other), "--token", TOKEN);
                assertThat(r.exit()).isEqualTo(1);
                assertThat(r.err()).contains("does not match its checksum").contains("HTTP 422");
                assertThat(other.spool().stats().messages()).isZero();
                // an export dir that is no export
                Run none = tern("spool", "import", dir.toString(), "--url", url(other), "--token", TOKEN);
                assertThat(none.err()).contains("not a complete export");
                // the non-empty target of an export is refused
                Run busy = tern("spool", "export", "-c", aConfig.toString(), export.toString());
                assertThat(busy.exit()).isEqualTo(1);
                assertThat(busy.err()).contains("is not empty");
            } finally {
                other.close();
            }
        }
    }

    private Path writeConfig(String node, int sinkPort) throws Exception {
        Path nd = dir.resolve(node);
        Files.createDirectories(nd);
        String yaml = """
                server: { hostname: %1$s.tern.test }
                spool: { directory: "%2$s", min_free_disk: 1MiB, sync: false }
                injection: { listen: 127.0.0.1:0 }
                admin: { listen: 127.0.0.1:0, token: "%3$s", token_file: "" }
                events: { log: "%4$s" }
                routes: { "*": 127.0.0.1:%5$d }
                delivery:
                  retry: { initial: 300ms, multiplier: 1.5, max: 1s, jitter: 0.1 }
                """.formatted(node, nd.resolve("spool"), TOKEN, Faults.eventLog(nd), sinkPort);
        return Files.writeString(nd.resolve("tern.yaml"), yaml);
    }

    private static String scrape(TernServer t) throws Exception {
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url(t) + "/metrics"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static String url(TernServer t) {
        return "http://127.0.0.1:" + t.adminAddress().getPort();
    }

    private static String status(TernServer t) {
        return tern("drain", "--status", "--url", url(t), "--token", TOKEN).out();
    }

    /** The first line a new SMTP session gets. */
    private static String banner(TernServer t) throws Exception {
        try (Socket s = new Socket("127.0.0.1", t.injectionAddress().getPort())) {
            s.setSoTimeout(5000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    static Run tern(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static List<String> lines(String s) {
        return new ArrayList<>(s.lines().toList());
    }
}
