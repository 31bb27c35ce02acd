package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static dev.tern.core.delivery.DeliveryFixture.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;
import dev.tern.core.events.EventType;
import dev.tern.core.events.HostAttempt;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.dns.TestDnsServer;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every host tried is on record: MX 10 fails (refused connection, a 4xx greeting, or no banner in
 * time), MX 20 delivers over TLS, and the one delivery event lists both hosts in order, with the
 * first's failure and the second's reply and TLS facts; {@code tern_outbound_attempts_total} counts both.
 */
class AttemptsOnRecordTest {
    @TempDir
    Path dir;

    enum FirstMx {
        REFUSED(HostAttempt.Outcome.CONNECT_FAILED),
        GREETING_421(HostAttempt.Outcome.GREETING_REFUSED),
        BANNER_TIMEOUT(HostAttempt.Outcome.TIMEOUT);

        final HostAttempt.Outcome outcome;

        FirstMx(HostAttempt.Outcome outcome) {
            this.outcome = outcome;
        }
    }

    @ParameterizedTest
    @EnumSource(FirstMx.class)
    void mx10FailingThenMx20DeliveringIsOneDeliveryEventListingBothHosts(FirstMx variant) throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
                SmtpSink second = SmtpSink.builder()
                        .address("127.0.0.4")
                        .port(0)
                        .startTls(true)
                        .start();
                SmtpSink first = variant == FirstMx.REFUSED
                        ? null
                        : SmtpSink.builder()
                                .address("127.0.0.3")
                                .port(second.port())
                                .start()) {
            if (variant == FirstMx.GREETING_421) first.onBanner("421 4.3.2 Service busy, try later");
            if (variant == FirstMx.BANNER_TIMEOUT) first.delay(Phase.CONNECT, Duration.ofSeconds(5));
            dns.mx("fail.test", 10, "mx10.fail.test", 300)
                    .mx("fail.test", 20, "mx20.fail.test", 300)
                    .a("mx10.fail.test", "127.0.0.3", 300)
                    .a("mx20.fail.test", "127.0.0.4", 300);
            TernConfig cfg = config(dir, """
          dns: { servers: ["127.0.0.1:%d"] }
          delivery:
            smtp_port: %d
            timeouts: { connect: 2s, banner: 400ms, ehlo: 5s, mail: 5s, rcpt: 5s, data_init: 5s, data_block: 5s, data_end: 5s, quit: 1s }
          """.formatted(dns.port(), second.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                List<Event> events = new CopyOnWriteArrayList<>();
                tern.events().register(new EventSink() {
                    @Override
                    public void accept(Event e) {
                        if (e.kind() != EventType.RECEPTION) events.add(e);
                    }
                });
                long now = System.currentTimeMillis();
                store(tern.spool(), 1, "fail.test", false, now, now);
                tern.delivery().wake();
                second.awaitMessageCount(1, Duration.ofSeconds(15));
                await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());

                assertThat(events).hasSize(1);
                Event delivery = events.getFirst();
                assertThat(delivery.kind()).isEqualTo(EventType.DELIVERY);
                assertThat(delivery.hosts()).hasSize(2);
                HostAttempt mx10 = delivery.hosts().get(0),
                        mx20 = delivery.hosts().get(1);
                assertThat(mx10.host()).isEqualTo("mx10.fail.test");
                assertThat(mx10.ip()).isEqualTo("127.0.0.3");
                assertThat(mx10.port()).isEqualTo(second.port());
                assertThat(mx10.outcome()).isEqualTo(variant.outcome);
                assertThat(mx10.reply()).startsWith("4");
                if (variant == FirstMx.GREETING_421) assertThat(mx10.reply()).contains("421 4.3.2");
                assertThat(mx10.tlsVersion()).isNull();
                assertThat(mx20.host()).isEqualTo("mx20.fail.test");
                assertThat(mx20.ip()).isEqualTo("127.0.0.4");
                assertThat(mx20.outcome()).isEqualTo(HostAttempt.Outcome.DELIVERED);
                assertThat(mx20.reply()).startsWith("250");
                assertThat(mx20.tlsVersion()).startsWith("TLSv1.");
                assertThat(mx20.tlsCipher()).startsWith("TLS_");

                // the same list in the event log, in lower snake case
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> DeliveryFixture.events(dir).stream()
                                .anyMatch(e -> e.path("type").asText().equals("delivery")));
                JsonNode logged = DeliveryFixture.events(dir).stream()
                        .filter(e -> e.path("type").asText().equals("delivery"))
                        .findFirst()
                        .orElseThrow();
                assertThat(logged.path("hosts").get(0).path("outcome").asText()).isEqualTo(variant.outcome.wireName());
                assertThat(logged.path("hosts").get(1).path("tls_version").asText())
                        .startsWith("TLSv1.");
                assertThat(logged.path("attempts").asInt()).isEqualTo(1);

                String scrape = scrape(tern, dir);
                assertThat(counter(scrape, variant.outcome.wireName())).isGreaterThanOrEqualTo(1);
                assertThat(counter(scrape, "connected")).isGreaterThanOrEqualTo(1);
            }
        }
    }

    static String scrape(TernServer tern, Path dir) throws Exception {
        String token = Files.readString(dir.resolve("admin.token")).strip();
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                        + tern.adminAddress().getPort() + "/metrics"))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static double counter(String scrape, String outcome) {
        Matcher m = Pattern.compile(
                        "(?m)^tern_outbound_attempts_total\\{[^}]*outcome=\"" + outcome + "\"[^}]*\\} (\\S+)$")
                .matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
