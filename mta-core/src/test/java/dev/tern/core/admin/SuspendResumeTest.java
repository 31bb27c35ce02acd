package dev.tern.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Suspending a site stops new connections to it at once; resuming delivers what waited. */
class SuspendResumeTest {
    @TempDir
    Path dir;

    @Test
    void aSuspendedSiteGetsNoNewConnectionAndResumingDelivers() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernFixture f = new TernFixture(dir, sink.port())) {
            f.inject("before.test", 2);
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            String site = "site:route:127.0.0.1:" + sink.port();
            JsonNode s = f.call("POST", "/api/v1/suspend", "{\"target\":\"" + site + "\"}")
                    .json();
            assertThat(s.get("suspended").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(1)).until(() -> sink.currentConnections() == 0);
            int connections = sink.connectionsAccepted();

            // mail keeps coming: once the queue manager has put every message back for the hold,
            // not one new connection was made
            int injected = 15;
            for (int i = 0; i < injected; i++) f.inject("during.test", 1);
            f.awaitHeldBack("during.test", injected);
            assertThat(sink.connectionsAccepted()).isEqualTo(connections);
            assertThat(sink.messageCount()).isEqualTo(2);
            int waiting = injected;
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                JsonNode dest = f.call("GET", "/api/v1/queues", null)
                        .json()
                        .get("destinations")
                        .get(0);
                assertThat(dest.get("suspended").asBoolean()).isTrue();
                // held mail waits in the spool, not in the ready queue
                assertThat(dest.get("ready").asInt()).isZero();
                assertThat(f.tern.spool().stats().entries()).isEqualTo(waiting);
            });
            assertThat(f.call("GET", "/api/v1/queues", null)
                            .json()
                            .get("holds")
                            .get(0)
                            .get("target")
                            .asText())
                    .isEqualTo(site);

            assertThat(f.call("POST", "/api/v1/resume", "{\"target\":\"" + site + "\"}")
                            .json()
                            .get("changed")
                            .asBoolean())
                    .isTrue();
            sink.awaitMessageCount(2 + injected, Duration.ofSeconds(10));
            assertThat(sink.connectionsAccepted()).isGreaterThan(connections);
        }
    }

    @Test
    void aSuspendedDomainWaitsWhileOthersFlowAndResumingDeliversIt() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernFixture f = new TernFixture(dir, sink.port())) {
            assertThat(f.call("POST", "/api/v1/suspend", "{\"target\":\"domain:held.test\"}")
                            .status())
                    .isEqualTo(200);
            f.inject("held.test", 3);
            f.inject("free.test", 2);
            sink.awaitMessageCount(2, Duration.ofSeconds(10));
            f.awaitHeldBack("held.test", 3);
            assertThat(sink.messages())
                    .allSatisfy(m -> assertThat(m.recipients().get(0)).endsWith("@free.test"));
            assertThat(f.tern.spool().stats().entries()).isEqualTo(3);

            JsonNode r = f.call("POST", "/api/v1/resume", "{\"target\":\"domain:held.test\"}")
                    .json();
            assertThat(r.get("changed").asBoolean()).isTrue();
            assertThat(r.get("rescheduled").asInt()).isEqualTo(3);
            sink.awaitMessageCount(5, Duration.ofSeconds(10));
        }
    }
}
