package dev.tern.core.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.dns.TestDnsServer;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** The DNS server stops answering (queries time out) and later answers again; routes come from DNS only. */
class DnsOutageTest {
    @TempDir
    Path dir;

    /**
     * While MX lookups time out, Tern must defer every recipient of the domain with
     * {@code 451 4.4.3} (transient_failure), keep retrying on its schedule, and bounce nothing;
     * once DNS answers again, everything queued is delivered. Mail resolved before the outage is
     * delivered normally. Time (retry schedule, DNS TTLs) runs on a virtual clock.
     */
    @Test
    void lookupsThatTimeOutDeferWith4_4_3AndEverythingIsDeliveredWhenDnsAnswersAgain() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-05-01T08:00:00Z"));
        try (TestDnsServer dns = TestDnsServer.start();
                SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            dns.mx("dns.test", 10, "mx.dns.test", 60).a("mx.dns.test", "127.0.0.1", 60);
            try (TernServer tern = TernServer.start(Faults.config(dir, """
          dns: { servers: ["127.0.0.1:%d"], timeout: 300ms, attempts: 1 }
          delivery:
            smtp_port: %d
            retry: { initial: 1m, multiplier: 2.0, max: 5m, jitter: 0 }
            max_age: 1d
          """.formatted(dns.port(), sink.port())), clock);
                    Faults.Injector inj = new Faults.Injector(tern.injectionAddress())) {
                for (int i = 0; i < 10; i++)
                    assertThat(inj.send(List.of("before" + i + "@dns.test"), "b" + i))
                            .startsWith("250");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ledger(tern, inj, sink).settled());
                assertThat(dns.queryCount("dns.test", Type.MX)).isEqualTo(1); // then cached for its TTL

                // DNS goes silent; the cached answer runs out
                dns.noAnswer("dns.test").noAnswer("mx.dns.test");
                clock.advance(Duration.ofSeconds(61));
                for (int i = 0; i < 20; i++)
                    assertThat(inj.send(List.of("during" + i + "@dns.test"), "d" + i))
                            .startsWith("250");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Ledger l = ledger(tern, inj, sink).assertBalanced();
                    assertThat(l.queued())
                            .hasSize(20)
                            .allSatisfy(r -> assertThat(l.transientFailures(r)).isEqualTo(1));
                });
                // retries during the outage (several retry intervals of virtual time) defer again
                for (int step = 0; step < 3; step++) {
                    clock.advance(Duration.ofMinutes(5));
                    tern.delivery().wake();
                    int attempts = step + 2;
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        Ledger l = ledger(tern, inj, sink).assertBalanced();
                        assertThat(l.queued())
                                .hasSize(20)
                                .allSatisfy(
                                        r -> assertThat(l.transientFailures(r)).isEqualTo(attempts));
                    });
                }
                List<JsonNode> failures = Ledger.events(Faults.eventLog(dir)).stream()
                        .filter(e -> e.get("type").asText().equals("transient_failure"))
                        .toList();
                assertThat(failures)
                        .hasSize(80)
                        .allSatisfy(e -> assertThat(e.get("reply").asText()).startsWith("451 4.4.3"));
                assertThat(dns.queryCount("dns.test", Type.MX)).isGreaterThan(1);
                assertThat(sink.messageCount()).isEqualTo(10);

                // DNS answers again
                dns.heal("dns.test").heal("mx.dns.test");
                clock.advance(Duration.ofMinutes(5));
                tern.delivery().wake();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ledger(tern, inj, sink).settled());
                Ledger end = ledger(tern, inj, sink).assertSettled();
                System.out.println("dns outage: " + end);
                assertThat(end.delivered()).hasSize(30);
                assertThat(end.bounced()).isEmpty();
                assertThat(end.expired()).isEmpty();
                assertThat(end.duplicates()).isEmpty();
            }
        }
    }

    private Ledger ledger(TernServer tern, Faults.Injector inj, SmtpSink sink) {
        return Ledger.of(inj.accepted, Faults.eventLog(dir), tern.spool(), sink.messages());
    }
}
