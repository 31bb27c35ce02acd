package dev.tern.core.unsubscribe;

import static dev.tern.core.unsubscribe.UnsubFixture.KEY_A;
import static dev.tern.core.unsubscribe.UnsubFixture.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, second "Done when": mail to {@code u-TOKEN@DOMAIN} unsubscribes like a click, once;
 * after a key rotation links signed with the previous key still work on both paths, new mail is
 * signed with the new key, and once the old key is removed its links change nothing. Tokens older
 * than {@code token_ttl} change nothing (virtual time).
 */
class UnsubscribeKeysTest {
    @TempDir
    Path dir;

    static final String MESSAGE = "From: <news@example.com>\r\nSubject: hi\r\nX-Tern-Tenant: acme\r\n"
            + "X-Tern-Campaign: c1\r\nMessage-ID: <m1@example.com>\r\nDate: Fri, 4 Dec 2026 10:00:00 +0000\r\n\r\nhello\r\n";

    private TernConfig config(int sinkPort, String keys, String current, String extra) {
        return TestConfig.routedTo(dir, sinkPort, """
                injection: { listen: 127.0.0.1:0, tls: { starttls: false } }
                unsubscribe:
                  enabled: true
                  url: https://unsub.example.com
                  mailto_domain: unsub.example.com
                  keys: %s
                  current_key: "%s"
                  listen: 127.0.0.1:0
                %s""".formatted(keys, current, extra));
    }

    /** Injects to the recipients; returns each recipient's delivered text. */
    private static Map<String, String> inject(TernServer tern, SmtpSink sink, List<String> rcpts) throws Exception {
        int before = sink.messages().size();
        try (var smtp = new InjectClient(tern.injectionAddress())) {
            assertThat(smtp.send("news@example.com", rcpts, MESSAGE)).startsWith("250");
        }
        List<ReceivedMessage> got = sink.awaitMessages(before + rcpts.size(), Duration.ofSeconds(20));
        Map<String, String> out = new HashMap<>();
        for (ReceivedMessage m : got.subList(before, got.size()))
            out.put(m.recipients().get(0), m.text());
        return out;
    }

    /** Sends a mail to a mailto unsubscribe address from a client outside relay_from. */
    private static String mailto(TernServer tern, String address) throws Exception {
        try (var smtp = new InjectClient(tern.injectionAddress(), "127.0.0.2")) {
            return smtp.send("someone@dest.test", List.of(address), "Subject: unsubscribe\r\n\r\nplease\r\n");
        }
    }

    private List<JsonNode> events(String type) {
        return TestConfig.events(TestConfig.eventLog(dir)).stream()
                .filter(e -> e.get("type").asText().equals(type))
                .toList();
    }

    @Test
    void rotatedKeysKeepOldLinksWorkingOnBothPathsUntilRemoved() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            Map<String, String> old;
            try (TernServer tern = TernServer.start(config(sink.port(), "{ a: \"" + KEY_A + "\" }", "a", ""))) {
                old = inject(tern, sink, List.of("r1@dest.test", "r2@dest.test", "r3@dest.test"));
                // the client's own Message-ID and Date are kept, not doubled
                assertThat(UnsubFixture.count(old.get("r1@dest.test"), "Message-ID"))
                        .isEqualTo(1);
                assertThat(UnsubFixture.header(old.get("r1@dest.test"), "Message-ID"))
                        .isEqualTo("<m1@example.com>");
                assertThat(UnsubFixture.count(old.get("r1@dest.test"), "Date")).isEqualTo(1);
            }
            String keysAb = "{ a: \"" + KEY_A + "\", b: \"" + KEY_B + "\" }";
            try (TernServer tern = TernServer.start(config(sink.port(), keysAb, "b", ""))) {
                var http = tern.unsubscribeAddress();
                var suppression = tern.feedback().suppression();
                Map<String, String> fresh = inject(tern, sink, List.of("r4@dest.test"));
                String freshPath = UnsubFixture.urlPath(fresh.get("r4@dest.test"));
                assertThat(freshPath).startsWith("/u/b");
                assertThat(UnsubFixture.urlPath(old.get("r1@dest.test"))).startsWith("/u/a");

                // the previous key still verifies: one-click ...
                assertThat(UnsubFixture.post(
                                        http,
                                        UnsubFixture.urlPath(old.get("r1@dest.test")),
                                        "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(200);
                assertThat(suppression.find("acme", "r1@dest.test")).isPresent();
                // ... and mailto, counted once however often the mail comes
                String r2Mailto = UnsubFixture.mailto(old.get("r2@dest.test"));
                assertThat(r2Mailto).startsWith("u-a").endsWith("@unsub.example.com");
                assertThat(mailto(tern, r2Mailto)).startsWith("250");
                assertThat(mailto(tern, r2Mailto)).startsWith("250");
                assertThat(mailto(tern, r2Mailto.toUpperCase())).startsWith("250");
                assertThat(suppression.find("acme", "r2@dest.test"))
                        .hasValueSatisfying(s -> assertThat(s.reason()).isEqualTo("unsubscribed"));
                // a forged mailto token changes nothing
                String r3Mailto = UnsubFixture.mailto(old.get("r3@dest.test"));
                int at = r3Mailto.indexOf('@');
                char c = r3Mailto.charAt(at - 3);
                String forged = r3Mailto.substring(0, at - 3) + (c == 'a' ? 'b' : 'a') + r3Mailto.substring(at - 2);
                assertThat(mailto(tern, forged)).startsWith("250");
                assertThat(suppression.find("acme", "r3@dest.test")).isEmpty();
                // the new key works too
                assertThat(UnsubFixture.post(http, freshPath, "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(200);
                assertThat(suppression.find("acme", "r4@dest.test")).isPresent();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> events("unsubscribe").size() == 3);
                assertThat(events("unsubscribe"))
                        .extracting(e -> e.get("recipient").asText() + " "
                                + e.get("feedback_type").asText())
                        .containsExactlyInAnyOrder(
                                "r1@dest.test one-click", "r2@dest.test mailto", "r4@dest.test one-click");
                assertThat(events("unmatched_feedback")).hasSize(1);
            }
            // key a retired: its links change nothing, on either path
            try (TernServer tern = TernServer.start(config(sink.port(), "{ b: \"" + KEY_B + "\" }", "b", ""))) {
                var http = tern.unsubscribeAddress();
                String r3Path = UnsubFixture.urlPath(old.get("r3@dest.test"));
                assertThat(UnsubFixture.get(http, r3Path).statusCode()).isEqualTo(404);
                assertThat(UnsubFixture.post(http, r3Path, "List-Unsubscribe=One-Click")
                                .statusCode())
                        .isEqualTo(404);
                assertThat(mailto(tern, UnsubFixture.mailto(old.get("r3@dest.test"))))
                        .startsWith("250");
                assertThat(tern.feedback().suppression().find("acme", "r3@dest.test"))
                        .isEmpty();
                assertThat(events("unsubscribe")).hasSize(3);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> events("unmatched_feedback").size() == 2);
            }
        }
    }

    @Test
    void aTokenOlderThanItsTtlChangesNothing() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(
                        config(sink.port(), "{ a: \"" + KEY_A + "\" }", "a", "  token_ttl: 1h\n"), clock)) {
            String text = inject(tern, sink, List.of("late@dest.test")).get("late@dest.test");
            String path = UnsubFixture.urlPath(text);
            var http = tern.unsubscribeAddress();
            clock.advance(Duration.ofMinutes(59));
            assertThat(UnsubFixture.get(http, path).statusCode()).isEqualTo(200);
            clock.advance(Duration.ofMinutes(2));
            assertThat(UnsubFixture.get(http, path).statusCode()).isEqualTo(404);
            assertThat(UnsubFixture.post(http, path, "List-Unsubscribe=One-Click")
                            .statusCode())
                    .isEqualTo(404);
            assertThat(mailto(tern, UnsubFixture.mailto(text))).startsWith("250");
            assertThat(tern.feedback().suppression().find("acme", "late@dest.test"))
                    .isEmpty();
            assertThat(events("unsubscribe")).isEmpty();
        }
    }
}
