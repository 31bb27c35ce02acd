package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.queue.Suppression;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code suppression.mode: refuse} each recipient is looked up at RCPT; after DATA only the
 * lists that check did not cover are read (the tenant named by X-Tern-Tenant), never the same one
 * twice (issue 17: two reads per message before).
 */
class SuppressionLookupsTest {
    @TempDir
    Path dir;

    @Test
    void aRecipientClearedAtRcptIsNotLookedUpAgainAfterData() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(FeedbackFixture.config(dir, sink.port(), ""));
                InjectClient c = new InjectClient(tern.injectionAddress())) {
            SuppressionPolicy policy = tern.feedback().suppression();
            assertThat(policy.refuses()).isTrue();
            tern.spool()
                    .suppress(new Suppression("acme", "blocked@dest.test", "manual", 1_700_000_000_000L))
                    .join();

            // no tenant: the global list once per recipient, at RCPT
            long before = policy.lookups();
            assertThat(c.send(
                            "s@inject.test",
                            List.of("a@dest.test", "b@dest.test"),
                            FeedbackFixture.message("s@inject.test", "a@dest.test", "", "one")))
                    .startsWith("250");
            assertThat(policy.lookups() - before).isEqualTo(2);

            // a tenant named only in the header: global at RCPT, then only the tenant's own list
            before = policy.lookups();
            String reply = c.send(
                    "s@inject.test",
                    List.of("blocked@dest.test", "ok@dest.test"),
                    FeedbackFixture.message("s@inject.test", "ok@dest.test", "X-Tern-Tenant: acme\r\n", "two"));
            assertThat(reply).startsWith("250");
            assertThat(policy.lookups() - before).isEqualTo(4);

            // the tenant's list still applies after DATA: only ok@ is delivered from the second message
            sink.awaitMessages(2, Duration.ofSeconds(20));
            assertThat(sink.messages().stream()
                            .flatMap(m -> m.recipients().stream())
                            .toList())
                    .containsExactlyInAnyOrder("a@dest.test", "b@dest.test", "ok@dest.test");
        }
    }

    @Test
    void withoutARcptCheckTheWholeLookupRunsAfterData() {
        try (var spool = dev.tern.queue.Spool.open(
                dev.tern.queue.SpoolSettings.defaults(dir).withMinFreeDiskBytes(0))) {
            SuppressionPolicy policy = new SuppressionPolicy(
                    spool, dev.tern.core.config.TernConfig.defaults().suppression(), java.time.Clock.systemUTC());
            spool.suppress(new Suppression("", "g@dest.test", "manual", 1L)).join();
            spool.suppress(new Suppression("acme", "t@dest.test", "manual", 1L)).join();

            assertThat(policy.findAfterRcpt("acme", "g@dest.test", null)).isPresent(); // not checked: both lists
            assertThat(policy.findAfterRcpt("acme", "t@dest.test", "")).isPresent(); // global checked: own list
            assertThat(policy.findAfterRcpt("acme", "t@dest.test", "acme")).isEmpty(); // both checked
            assertThat(policy.findAfterRcpt("", "g@dest.test", "")).isEmpty();
            long before = policy.lookups();
            policy.findAfterRcpt("acme", "x@dest.test", "acme");
            policy.findAfterRcpt(null, "x@dest.test", "");
            assertThat(policy.lookups()).isEqualTo(before);
            policy.findAfterRcpt("acme", "x@dest.test", null);
            assertThat(policy.lookups()).isEqualTo(before + 2);
        }
    }
}
