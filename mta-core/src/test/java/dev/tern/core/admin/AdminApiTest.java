package dev.tern.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.admin.TernFixture.Answer;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over HTTP against an in-process Tern delivering to a loopback sink. */
class AdminApiTest {
    @TempDir
    static Path dir;

    static SmtpSink sink;
    static TernFixture f;

    @BeforeAll
    static void start() throws Exception {
        sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        sink.onRcpt(rcpt -> rcpt.contains(".defer.test") ? "451 4.7.1 greylisted, try later" : null);
        f = new TernFixture(dir, sink.port());
    }

    @AfterAll
    static void stop() {
        if (f != null) f.close();
        if (sink != null) sink.close();
    }

    @Test
    void withoutOrWithAWrongTokenTheApiAndMetricsAnswer401ButHealthIsOpen() throws Exception {
        Answer none = f.call("GET", "/api/v1/queues", null, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("error").asText()).contains("Bearer");
        assertThat(f.call("POST", "/api/v1/suspend", "{\"target\":\"domain:a.test\"}", "wrong")
                        .status())
                .isEqualTo(401);
        assertThat(f.call("GET", "/api/v1/health", null, null)
                        .json()
                        .get("status")
                        .asText())
                .isEqualTo("ok");
        assertThat(f.call("GET", "/health", null, null).status()).isEqualTo(200);
        assertThat(f.call("GET", "/metrics", null, null).status()).isEqualTo(401);
        assertThat(f.call("GET", "/metrics", null, "wrong").status()).isEqualTo(401);
        assertThat(f.call("GET", "/metrics", null, TernFixture.TOKEN).status()).isEqualTo(200);
        assertThat(f.call("GET", "/api/v1/nothing", null).status()).isEqualTo(404);
        assertThat(f.call("DELETE", "/api/v1/queues", null).status()).isEqualTo(405);
    }

    @Test
    void anEmptyTokenDisablesTheApiWith403() throws Exception {
        Path other = Files.createDirectories(dir.resolve("no-token"));
        try (TernFixture g = new TernFixture(other, sink.port(), "", "")) {
            Answer a = g.call("GET", "/api/v1/queues", null, "anything");
            assertThat(a.status()).isEqualTo(403);
            assertThat(a.json().get("error").asText()).contains("set admin.token");
            assertThat(g.call("GET", "/api/v1/health", null, null).status()).isEqualTo(200);
            assertThat(g.call("GET", "/metrics", null, null).status())
                    .as("no token: metrics open on loopback")
                    .isEqualTo(200);
        }
    }

    @Test
    void badTargetsAndBodiesGet400WithAMessage() throws Exception {
        for (String body : List.of(
                "{\"target\":\"planet:mars\"}",
                "{\"target\":\"domain:not a domain\"}",
                "{\"target\":\"site:gmail\"}",
                "{}",
                "not json",
                "[1]")) {
            Answer a = f.call("POST", "/api/v1/suspend", body);
            assertThat(a.status()).as(body).isEqualTo(400);
            assertThat(a.json().get("error").asText()).as(body).isNotBlank();
        }
        assertThat(f.call("POST", "/api/v1/suspend", "{\"target\":\"planet:mars\"}")
                        .json()
                        .get("error")
                        .asText())
                .contains("expected site:<key>, domain:<domain>, mxhost:<host>, campaign:<name>, tenant:<name>,"
                        + " pool:<name> or source:<name>");
        assertThat(f.call("POST", "/api/v1/bounce", "{\"target\":\"site:mx.example.com\"}")
                        .status())
                .isEqualTo(400);
        assertThat(f.call("GET", "/api/v1/messages/no-such-id", null).status()).isEqualTo(404);
    }

    @Test
    void queuesMessageRetryAndBounceOfADeferredDomain() throws Exception {
        List<String> ids = f.inject("q.defer.test", 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> deferrals("q.defer.test") == 3);

        JsonNode q = f.call("GET", "/api/v1/queues", null).json();
        assertThat(q.get("totals").get("entries").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(q.get("destinations").get(0).get("key").asText()).isEqualTo("route:127.0.0.1:" + sink.port());
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(f.call("GET", "/api/v1/queues", null)
                                .json()
                                .get("scan")
                                .get("by_domain")
                                .findValuesAsText("name"))
                        .contains("q.defer.test"));

        JsonNode m = f.call("GET", "/api/v1/messages/" + ids.get(0), null).json();
        assertThat(m.get("id").asText()).isEqualTo(ids.get(0));
        assertThat(m.get("sender").asText()).isEqualTo("sender@inject.test");
        JsonNode entry = m.get("entries").get(0);
        assertThat(entry.get("domain").asText()).isEqualTo("q.defer.test");
        assertThat(entry.get("attempts").asInt()).isEqualTo(1);
        JsonNode r = entry.get("recipients").get(0);
        assertThat(r.get("status").asText()).isEqualTo("deferred");
        assertThat(r.get("last_reply").asText()).startsWith("451");

        // retry now: the next attempt (otherwise a minute away) happens at once
        JsonNode retried = f.call("POST", "/api/v1/retry", "{\"target\":\"domain:q.defer.test\"}")
                .json();
        assertThat(retried.get("rescheduled").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> deferrals("q.defer.test") == 6);

        // purge: every queued recipient bounces with the operator's reason, the entries are gone
        Answer purged = f.call(
                "POST", "/api/v1/bounce", "{\"target\":\"domain:q.defer.test\",\"reason\":\"customer request\"}");
        assertThat(purged.status()).isEqualTo(200);
        assertThat(purged.json().get("bounced_recipients").asInt()).isEqualTo(3);
        assertThat(purged.json().get("in_flight").asInt()).isZero();
        List<Event> bounces = f.events.stream()
                .filter(e -> e.kind() == EventType.BOUNCE && e.recipient().endsWith("@q.defer.test"))
                .toList();
        assertThat(bounces)
                .hasSize(3)
                .allSatisfy(e -> assertThat(e.reply()).contains("purged by operator: customer request"));
        for (String id : ids) assertThat(f.tern.spool().entries(id)).isEmpty();
        // a finished message: its history from the event log
        JsonNode done = f.call("GET", "/api/v1/messages/" + ids.get(0), null).json();
        assertThat(done.get("finished").asBoolean()).isTrue();
        assertThat(done.get("events").findValuesAsText("type"))
                .containsSubsequence("reception", "transient_failure", "transient_failure", "bounce");
    }

    @Test
    void suppressionsCanBeAddedListedAndRemoved() throws Exception {
        Answer added = f.call(
                "POST",
                "/api/v1/suppressions",
                "{\"tenant\":\"t1\",\"address\":\"Bad@Example.COM\",\"reason\":\"manual\"}");
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.json().get("address").asText()).isEqualTo("bad@example.com");
        JsonNode list = f.call("GET", "/api/v1/suppressions?tenant=t1", null).json();
        assertThat(list.get("suppressions").findValuesAsText("address")).containsExactly("bad@example.com");
        assertThat(f.tern.spool().suppression("t1", "bad@example.com")).isPresent();
        assertThat(f.call("DELETE", "/api/v1/suppressions?tenant=t1&address=bad@example.com", null)
                        .json()
                        .get("removed")
                        .asBoolean())
                .isTrue();
        assertThat(f.call("DELETE", "/api/v1/suppressions?tenant=t1&address=bad@example.com", null)
                        .status())
                .isEqualTo(404);
        assertThat(f.call("POST", "/api/v1/suppressions", "{\"address\":\"no-at-sign\"}")
                        .status())
                .isEqualTo(400);
        assertThat(f.tern.spool().suppression("t1", "bad@example.com")).isEmpty();
    }

    @Test
    void reloadAppliesChangedRoutesAndRefusesABrokenFile() throws Exception {
        try (SmtpSink second = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            String original = Files.readString(f.configFile);
            try {
                Files.writeString(
                        f.configFile,
                        original.replace("routes:\n", "routes:\n  moved.test: 127.0.0.1:" + second.port() + "\n"));
                Answer a = f.call("POST", "/api/v1/reload", null);
                assertThat(a.status()).isEqualTo(200);
                JsonNode routes = a.json().get("sections").get(0);
                assertThat(routes.get("section").asText()).isEqualTo("routes");
                assertThat(routes.get("outcome").asText()).isEqualTo("applied");
                assertThat(routes.get("details").get(0).asText())
                        .isEqualTo("route moved.test: added -> 127.0.0.1:" + second.port());
                assertThat(a.json().get("restart_required")).isEmpty();
                assertThat(a.json().get("sections").findValuesAsText("section"))
                        .contains("admin.token", "shaping", "pools", "dkim", "bounces", "suppression", "campaigns");
                f.inject("moved.test", 1);
                second.awaitMessageCount(1, Duration.ofSeconds(10));

                Files.writeString(f.configFile, original.replace("retry: {", "retry: { bogus_key: 1,"));
                Answer bad = f.call("POST", "/api/v1/reload", null);
                assertThat(bad.status()).isEqualTo(400);
                assertThat(bad.json().get("error").asText()).contains("bogus_key");
            } finally {
                Files.writeString(f.configFile, original);
                f.call("POST", "/api/v1/reload", null);
            }
        }
    }

    private static long deferrals(String domain) {
        return f.events.stream()
                .filter(e ->
                        e.kind() == EventType.TRANSIENT_FAILURE && e.recipient().endsWith("@" + domain))
                .count();
    }
}
