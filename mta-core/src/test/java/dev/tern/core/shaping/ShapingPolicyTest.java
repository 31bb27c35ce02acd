package dev.tern.core.shaping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.Rate;
import dev.tern.core.config.ShapingConfig;
import dev.tern.core.config.TernConfig;
import dev.tern.core.delivery.smtp.SmtpReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapingPolicyTest {
    @TempDir
    Path dir;

    private static final SiteLimits BASE = new SiteLimits(20, 1024, null, null, 100, "");

    @Test
    void shippedShapingFileIsValidAndMatchesProvidersByDomainAndMxSuffix() {
        ShapingPolicy p = new ShapingPolicy(TernConfig.loadShaping(Path.of("../config/shaping.yaml")), BASE);
        assertThat(p.forSite("gmail.com", List.of("gmail-smtp-in.l.google.com")).rule())
                .isEqualTo("google");
        // a Google Workspace domain: matched by its MX hosts only
        SiteLimits workspace = p.forSite("customer.example", List.of("aspmx.l.google.com", "alt1.aspmx.l.google.com"));
        assertThat(workspace.rule()).isEqualTo("google");
        assertThat(workspace.messageRate()).isEqualTo(new Rate(3000, Duration.ofMinutes(1)));
        assertThat(p.forSourceAtSite("gmail.com", List.of()).maxConnections()).isEqualTo(10);
        assertThat(p.forSite("yahoo.com", List.of()).rule()).isEqualTo("yahoo-aol");
        assertThat(p.forSite("web.de", List.of()).maxConnections()).isEqualTo(3);
        assertThat(p.forSite("small.example", List.of("mx.small.example"))).isEqualTo(BASE);
        assertThat(p.automation(
                                SmtpReply.of(421, "4.7.0", "[TS04] Messages from 192.0.2.1 temporarily deferred"),
                                "yahoo.com",
                                List.of("mta5.am0.yahoodns.net"))
                        .orElseThrow()
                        .name())
                .isEqualTo("yahoo-tss04");
        assertThat(p.automation(SmtpReply.of(250, "2.0.0", "ok"), "yahoo.com", List.of("mta5.am0.yahoodns.net")))
                .isEmpty();
    }

    @Test
    void problemsNameTheKeyInTheShapingFile() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.yaml"), """
        rules:
          - { name: x, domains: ["not a domain"], max_connections: 0, max_message_rate: fast }
        automation:
          - { code: "42", action: explode, duration: 1m }
        """);
        assertThatThrownBy(() -> TernConfig.loadShaping(f))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anyMatch(s -> s.startsWith("rules[0].domains[0]:"))
                        .anyMatch(s -> s.startsWith("rules[0].max_connections: must be >= 1"))
                        .anyMatch(s -> s.startsWith("rules[0].max_message_rate: not a rate"))
                        .anyMatch(s -> s.startsWith("automation[0].action:")));
    }

    @Test
    void ratesParseAndTheTokenBucketSpacesEvents() {
        assertThat(Rate.parse("600/min").intervalNanos()).isEqualTo(100_000_000L);
        assertThat(Rate.parse("5/10s")).isEqualTo(new Rate(5, Duration.ofSeconds(10)));
        TokenBucket b = new TokenBucket(Rate.parse("10/s").intervalNanos());
        assertThat(b.tryTake(0)).isZero();
        assertThat(b.tryTake(50_000_000L)).isEqualTo(50_000_000L);
        assertThat(b.tryTake(100_000_000L)).isZero();
    }

    @Test
    void throttleBackoffAndAdaptiveFactorsBoundConnections() {
        SiteThrottle t = new SiteThrottle(
                new SiteLimits(10, 100, null, null, 100, ""), new ShapingConfig.Adaptive(true, 0.5, 0.1, 0.1, 2, 0.5));
        assertThat(t.effectiveMaxConnections(0)).isEqualTo(5);
        t.clean();
        t.clean();
        assertThat(t.effectiveMaxConnections(0)).isEqualTo(6);
        t.pushback();
        assertThat(t.effectiveMaxConnections(0)).isEqualTo(3);
        t.backoff(0.5, 0.5, 0, 1_000);
        assertThat(t.effectiveMaxConnections(10)).isEqualTo(1);
        assertThat(t.effectiveMaxConnections(1_000)).isEqualTo(3);
    }
}
