package dev.tern.core.unsubscribe;

import static dev.tern.core.unsubscribe.UnsubFixture.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, first "Done when": a message injected for a tenant with unsubscribe on arrives with
 * List-Unsubscribe and List-Unsubscribe-Post under a DKIM signature (Tern's verifier and dkimpy);
 * a one-click POST to its URL (real HTTP over loopback) answers 200, suppresses the recipient for
 * that tenant once (the next message is refused), and one unsubscribe event with tenant and
 * campaign reaches the log, the webhook and the campaign figures; GET, forged and garbled tokens
 * change nothing.
 */
class OneClickUnsubscribeTest {
    @TempDir
    Path dir;

    static final String MESSAGE = "From: News <news@example.com>\r\nTo: <list@dest.test>\r\nSubject: spring sale\r\n"
            + "X-Tern-Tenant: acme\r\nX-Tern-Campaign: spring\r\n\r\nBuy now.\r\n";

    @Test
    void oneClickUnsubscribesOnceAndNothingElseChangesState() throws Exception {
        List<String> hooks = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            hooks.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        Path key = UnsubFixture.rsaKey(dir.resolve("dkim.pem"));
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            var config = TestConfig.routedTo(
                    dir,
                    sink.port(),
                    """
                    events:
                      log: "%s"
                      webhook: { url: "http://127.0.0.1:%d/hook", batch_interval: 100ms }
                    injection:
                      listen: 127.0.0.1:0
                      tls: { starttls: false }
                      tags: { networks: { "127.0.0.3/32": acme } }
                    unsubscribe:
                      enabled: true
                      url: https://unsub.example.com
                      mailto_domain: unsub.example.com
                      keys: { a: "%s" }
                      listen: 127.0.0.1:0
                    """.formatted(
                                            TestConfig.eventLog(dir),
                                            receiver.getAddress().getPort(),
                                            KEY_A)
                            + UnsubFixture.dkimYaml(key));
            try (TernServer tern = TernServer.start(config)) {
                InetSocketAddress http = tern.unsubscribeAddress();
                try (var smtp = new InjectClient(tern.injectionAddress())) {
                    assertThat(smtp.send("news@example.com", List.of("r1@dest.test", "r2@dest.test"), MESSAGE))
                            .startsWith("250 2.0.0")
                            .contains("one per recipient");
                }
                List<ReceivedMessage> got = sink.awaitMessages(2, Duration.ofSeconds(20));
                String r1Text = null;
                for (ReceivedMessage m : got) {
                    String text = m.text();
                    assertThat(m.recipients()).hasSize(1);
                    assertThat(UnsubFixture.header(text, "List-Unsubscribe"))
                            .matches(
                                    "<https://unsub\\.example\\.com/u/[a-z0-9]{43}>, <mailto:u-[a-z0-9]{43}@unsub\\.example\\.com>");
                    assertThat(UnsubFixture.header(text, "List-Unsubscribe-Post"))
                            .isEqualTo("List-Unsubscribe=One-Click");
                    assertThat(UnsubFixture.header(text, "Message-ID")).matches("<[0-9a-f]{24}@tern\\.test>");
                    assertThat(UnsubFixture.header(text, "Date")).isNotBlank();
                    assertThat(text).doesNotContain("X-Tern-Tenant");
                    UnsubFixture.assertSignedOver(
                            m.data(), key, "list-unsubscribe", "list-unsubscribe-post", "message-id", "date", "from");
                    UnsubFixture.assertDkimpyVerifies(
                            dir, m.data(), key, "list-unsubscribe", "list-unsubscribe-post", "message-id", "date");
                    if (m.recipients().get(0).equals("r1@dest.test")) r1Text = text;
                }
                assertThat(UnsubFixture.urlPath(got.get(0).text()))
                        .isNotEqualTo(UnsubFixture.urlPath(got.get(1).text()));
                String path = UnsubFixture.urlPath(r1Text);
                var suppression = tern.feedback().suppression();

                // GET: a confirmation page, nothing changes (mail scanners follow links)
                HttpResponse<String> page = UnsubFixture.get(http, path);
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body())
                        .contains("r1@dest.test")
                        .contains("name=\"List-Unsubscribe\" value=\"One-Click\"");
                // forged (one character of the MAC changed), garbled, or a POST without One-Click: nothing changes
                char c = path.charAt(path.length() - 3);
                String forged = path.substring(0, path.length() - 3)
                        + (c == 'a' ? 'b' : 'a')
                        + path.substring(path.length() - 2);
                assertThat(UnsubFixture.post(http, forged, "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(404);
                assertThat(UnsubFixture.get(http, forged).statusCode()).isEqualTo(404);
                assertThat(UnsubFixture.post(http, "/u/not-a-token", "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(404);
                assertThat(UnsubFixture.post(http, path, "List-Unsubscribe=Maybe")
                                .statusCode())
                        .isEqualTo(400);
                assertThat(suppression.find("acme", "r1@dest.test")).isEmpty();
                assertThat(unsubscribeEvents()).isEmpty();

                // one click: 200, suppressed for the tenant, one event; a replay changes nothing
                assertThat(UnsubFixture.post(http, path, "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(200);
                assertThat(UnsubFixture.post(http, path, "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(200);
                assertThat(suppression.find("acme", "r1@dest.test"))
                        .hasValueSatisfying(s -> assertThat(s.reason()).isEqualTo("unsubscribed"));
                assertThat(suppression.find("globex", "r1@dest.test"))
                        .as("other tenants")
                        .isEmpty();
                assertThat(suppression.find("acme", "r2@dest.test")).isEmpty();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> unsubscribeEvents().size() == 1);
                JsonNode e = unsubscribeEvents().get(0);
                assertThat(e.get("recipient").asText()).isEqualTo("r1@dest.test");
                assertThat(e.get("tenant").asText()).isEqualTo("acme");
                assertThat(e.get("campaign").asText()).isEqualTo("spring");
                assertThat(e.get("feedback_type").asText()).isEqualTo("one-click");
                assertThat(e.get("reason").asText()).isEqualTo("unsubscribed");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> hooks.stream()
                                .anyMatch(h -> h.contains("\"unsubscribe\"") && h.contains("r1@dest.test")));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> tern.feedback()
                                        .campaigns()
                                        .snapshot("spring")
                                        .orElseThrow()
                                        .unsubscribed()
                                == 1);
                // metrics: the event counter and the campaign's unsubscribed recipients
                String token = java.nio.file.Files.readString(dir.resolve("admin.token"))
                        .strip();
                java.util.concurrent.Callable<String> scrape = () -> UnsubFixture.HTTP
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                                                + tern.adminAddress().getPort() + "/metrics"))
                                        .header("Authorization", "Bearer " + token)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(scrape.call())
                        .containsPattern("(?m)^tern_events_unsubscribe_total\\{[^}]*tenant=\"acme\"[^}]*} 1\\.0$");
                // the campaign gauges are refreshed in the background
                java.util.regex.Pattern campaignUnsubscribed = java.util.regex.Pattern.compile(
                        "(?m)^tern_campaign_recipients\\{[^}]*campaign=\"spring\"[^}]*kind=\"unsubscribed\"[^}]*} 1\\.0$");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> campaignUnsubscribed.matcher(scrape.call()).find());
                assertThat(UnsubFixture.post(http, path, "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(200);
                assertThat(unsubscribeEvents()).hasSize(1);
                assertThat(tern.feedback()
                                .campaigns()
                                .snapshot("spring")
                                .orElseThrow()
                                .unsubscribed())
                        .isEqualTo(1);

                // the next message to r1 for acme is refused: at RCPT when the tenant is known before DATA
                // (a client of acme's network), else at the end of DATA; r2 and other tenants still get mail
                try (var smtp = new InjectClient(tern.injectionAddress(), "127.0.0.3")) {
                    assertThat(smtp.command("MAIL FROM:<news@example.com>")).startsWith("250");
                    assertThat(smtp.command("RCPT TO:<r1@dest.test>"))
                            .startsWith("550 5.7.1")
                            .contains("unsubscribed");
                    assertThat(smtp.command("RCPT TO:<r2@dest.test>")).startsWith("250");
                    smtp.command("RSET");
                }
                try (var smtp = new InjectClient(tern.injectionAddress())) {
                    assertThat(smtp.send("news@example.com", List.of("r1@dest.test"), MESSAGE))
                            .startsWith("550 5.7.1")
                            .contains("unsubscribed");
                    assertThat(smtp.send("news@example.com", List.of("r2@dest.test"), MESSAGE))
                            .startsWith("250");
                    assertThat(smtp.send(
                                    "news@example.com",
                                    List.of("r1@dest.test"),
                                    MESSAGE.replace("X-Tern-Tenant: acme", "X-Tern-Tenant: globex")))
                            .startsWith("250");
                }
            }
        } finally {
            receiver.stop(0);
        }
    }

    private List<JsonNode> unsubscribeEvents() {
        return TestConfig.events(TestConfig.eventLog(dir)).stream()
                .filter(e -> e.get("type").asText().equals("unsubscribe"))
                .toList();
    }
}
