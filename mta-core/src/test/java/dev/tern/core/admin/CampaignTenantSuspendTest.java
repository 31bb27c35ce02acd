package dev.tern.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suspending a campaign or a tenant holds its queued mail in the spool while other mail to the
 * same domain flows; a suspended campaign also refuses new mail; resuming delivers what waited.
 */
class CampaignTenantSuspendTest {
    @TempDir
    Path dir;

    @Test
    void aSuspendedCampaignHoldsItsQueuedMailAndRefusesNewMailUntilResumed() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernFixture f = new TernFixture(dir, sink.port())) {
            // queue mail of two campaigns while the domain is held, then pause one campaign
            call(f, "suspend", "domain:c.test");
            f.inject(List.of("a1@c.test", "a2@c.test", "a3@c.test"), null, "spring");
            f.inject(List.of("b1@c.test", "b2@c.test"), null, "autumn");
            JsonNode s = call(f, "suspend", "campaign:spring");
            assertThat(s.get("changed").asBoolean()).isTrue();
            assertThatThrownBy(() -> f.inject(List.of("a4@c.test"), null, "spring"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("451 4.7.1");

            assertThat(call(f, "resume", "domain:c.test").get("rescheduled").asInt())
                    .isEqualTo(5);
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            f.awaitHeldBack("c.test", 3); // spring's three, put back by the campaign hold
            assertThat(sink.messages())
                    .hasSize(2)
                    .allSatisfy(m -> assertThat(m.recipients().get(0)).startsWith("b"));
            assertThat(f.tern.spool().stats().entries()).isEqualTo(3);
            JsonNode queues = f.call("GET", "/api/v1/queues", null).json();
            assertThat(queues.get("holds").findValuesAsText("target")).containsExactly("campaign:spring");
            assertThat(queues.get("holds").get(0).get("origin").asText()).isEqualTo("operator");
            JsonNode campaigns = f.call("GET", "/api/v1/campaigns", null).json().get("campaigns");
            JsonNode spring = null;
            for (JsonNode c : campaigns) if (c.get("campaign").asText().equals("spring")) spring = c;
            assertThat(spring).isNotNull();
            assertThat(spring.get("paused").asBoolean()).isTrue();
            assertThat(spring.get("pause_reason").asText()).isEqualTo("suspended by operator");

            JsonNode r = call(f, "resume", "campaign:spring");
            assertThat(r.get("changed").asBoolean()).isTrue();
            assertThat(r.get("rescheduled").asInt()).isEqualTo(3);
            sink.awaitMessageCount(5, Duration.ofSeconds(10));
            f.inject(List.of("a4@c.test"), null, "spring");
            sink.awaitMessageCount(6, Duration.ofSeconds(10));
        }
    }

    @Test
    void aSuspendedTenantHoldsItsMailButStillAcceptsIt() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernFixture f = new TernFixture(dir, sink.port())) {
            assertThat(call(f, "suspend", "tenant:acme").get("changed").asBoolean())
                    .isTrue();
            f.inject(List.of("x1@t.test", "x2@t.test"), "acme", null);
            f.inject(List.of("y1@t.test"), "globex", null);
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            f.awaitHeldBack("t.test", 2); // acme's two, put back by the tenant hold
            assertThat(sink.messages()).hasSize(1);
            assertThat(sink.messages().get(0).recipients()).containsExactly("y1@t.test");

            JsonNode r = call(f, "resume", "tenant:acme");
            assertThat(r.get("rescheduled").asInt()).isEqualTo(2);
            sink.awaitMessageCount(3, Duration.ofSeconds(10));
            assertThat(call(f, "resume", "tenant:acme").get("changed").asBoolean())
                    .isFalse();
        }
    }

    @Test
    void badCampaignAndTenantNamesGet400() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernFixture f = new TernFixture(dir, sink.port())) {
            for (String t : List.of("campaign:", "tenant:two words", "campaign:" + "x".repeat(201))) {
                TernFixture.Answer a = f.call("POST", "/api/v1/suspend", "{\"target\":\"" + t + "\"}");
                assertThat(a.status()).as(t).isEqualTo(400);
            }
            assertThat(f.call("POST", "/api/v1/retry", "{\"target\":\"site:gmail\"}")
                            .status())
                    .isEqualTo(400);
        }
    }

    private static JsonNode call(TernFixture f, String action, String target) throws Exception {
        TernFixture.Answer a = f.call("POST", "/api/v1/" + action, "{\"target\":\"" + target + "\"}");
        assertThat(a.status()).as(action + " " + target + ": " + a.body()).isEqualTo(200);
        return a.json();
    }
}
