package dev.tern.core.delivery;

import static dev.tern.core.delivery.DeliveryFixture.config;
import static dev.tern.core.delivery.DeliveryFixture.store;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.config.TernConfig;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site is a set of MX hosts after CNAME resolution, and domains sharing a primary MX host share it:
 * three domains that reach one host (the same MX; that MX with a second MX; an MX name that is a
 * CNAME of it) are one site with one connection limit, counted at the sink, and {@code tern queues}
 * lists the three domains on the site's row.
 */
class SitesByHostTest {
    @TempDir
    Path dir;

    @Test
    void threeDomainsReachingOneHostShareOneSiteAndItsConnectionLimit() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
                SmtpSink shared =
                        SmtpSink.builder().address("127.0.0.2").port(0).start()) {
            dns.mx("direct.test", 10, "mx.shared.test", 300)
                    // the shared host first, and a backup of its own (nothing listens there)
                    .mx("second.test", 10, "mx.shared.test", 300)
                    .mx("second.test", 20, "backup.second.test", 300)
                    .a("backup.second.test", "127.0.0.5", 300)
                    // an MX name that is an alias of the shared host
                    .mx("alias.test", 10, "mx.alias.test", 300)
                    .cname("mx.alias.test", "mx.shared.test", 300)
                    .a("mx.shared.test", "127.0.0.2", 300);
            shared.delay(Phase.DATA_END, Duration.ofMillis(15));
            TernConfig cfg = config(dir, """
          dns: { servers: ["127.0.0.1:%d"] }
          delivery: { smtp_port: %d, max_connections_per_destination: 3 }
          """.formatted(dns.port(), shared.port()));
            try (TernServer tern = TernServer.start(cfg)) {
                long now = System.currentTimeMillis();
                store(tern.spool(), 60, "direct.test", false, now, now);
                store(tern.spool(), 60, "second.test", false, now, now);
                store(tern.spool(), 60, "alias.test", false, now, now);
                tern.delivery().wake();
                shared.awaitMessageCount(180, Duration.ofSeconds(40));

                SiteKey site = tern.delivery().siteOf("direct.test").orElseThrow();
                assertThat(tern.delivery().siteOf("second.test")).contains(site);
                assertThat(tern.delivery().siteOf("alias.test")).contains(site);
                assertThat(site.hostNames()).contains("mx.shared.test").doesNotContain("mx.alias.test");
                assertThat(tern.delivery().siteDomains(site))
                        .containsExactly("alias.test", "direct.test", "second.test");
                assertThat(tern.delivery().destinations())
                        .extracting(DestinationStatus::site)
                        .containsOnly(site.key());
                assertThat(tern.delivery().siteLimits(site).orElseThrow().maxConnections())
                        .isEqualTo(3);

                // tern queues: one row for the site, naming its domains
                JsonNode queues = queues(tern, dir);
                List<JsonNode> rows = new ArrayList<>();
                queues.path("destinations").forEach(rows::add);
                JsonNode row = rows.stream()
                        .filter(r -> r.path("key").asText().equals(site.key()))
                        .findFirst()
                        .orElseThrow();
                List<String> domains = new ArrayList<>();
                row.path("domains").forEach(d -> domains.add(d.asText()));
                assertThat(domains).containsExactly("alias.test", "direct.test", "second.test");
                assertThat(row.path("domains_total").asInt()).isEqualTo(3);
            }
            // one site, one limit: three connections at most at the host (three sites would have used nine)
            assertThat(shared.maxConcurrentConnections()).isBetween(2, 3);
            assertThat(shared.messageCount()).isEqualTo(180);
        }
    }

    static JsonNode queues(TernServer tern, Path dir) throws Exception {
        String token = Files.readString(dir.resolve("admin.token")).strip();
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                        + tern.adminAddress().getPort() + "/api/v1/queues"))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }
}
