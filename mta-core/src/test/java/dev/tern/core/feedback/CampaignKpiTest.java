package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.admin.TernFixture;
import dev.tern.core.cli.Main;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.testkit.MutableClock;
import dev.tern.testkit.smtp.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Campaign KPIs: the guard at Gmail's 0.3 % complaint line (default settings) on virtual time,
 * the sliding 24 h window, unsubscribes, bounded metrics, and figures that survive a restart,
 * served by the API and {@code tern campaigns}.
 */
class CampaignKpiTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T08:00:00Z"));

    private Event ev(EventType t, String tenant, String campaign, int rcpt) {
        return Event.of(t, "m" + rcpt, "r" + rcpt + "@d.test")
                .time(clock.instant())
                .tenant(tenant)
                .campaign(campaign)
                .build();
    }

    @Test
    void defaultGuardPausesWhenTheComplaintRateCrossesPointThreePercentAtMinimumVolume() {
        EventBus bus = new EventBus();
        List<Event> seen = new CopyOnWriteArrayList<>();
        bus.register(seen::add);
        TernConfig.Guard defaults = TestConfigs.guard(); // max_complaint_rate 0.003, min_volume 1000
        assertThat(defaults.maxComplaintRate()).isEqualTo(0.003);
        TernConfig.Guard on = new TernConfig.Guard(
                true,
                defaults.maxComplaintRate(),
                defaults.maxHardBounceRate(),
                defaults.minVolume(),
                defaults.maxUnsubscribeRate());
        CampaignHealth h = new CampaignHealth(on, bus, new SimpleMeterRegistry(), clock);
        bus.register(h);
        // complaints come early, before the minimum volume: no judgement yet
        for (int i = 0; i < 999; i++) {
            bus.publish(ev(EventType.RECEPTION, "acme", "spring", i));
            bus.publish(ev(EventType.DELIVERY, "acme", "spring", i));
            if (i % 300 == 0) bus.publish(ev(EventType.COMPLAINT, "acme", "spring", i)); // 4 complaints
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(h.pausedReason("spring")).isEmpty(); // 4/999 but volume 999 < 1000
        bus.publish(ev(EventType.DELIVERY, "acme", "spring", 999)); // volume 1000: 4/1000 = 0.4 % > 0.3 %
        assertThat(h.pausedReason("spring")).hasValue("complaint rate 0.0040 > 0.0030 after 1000 recipients");
        assertThat(seen).filteredOn(e -> e.kind() == EventType.CAMPAIGN_PAUSED).singleElement();

        // exactly at the line is not above it
        CampaignHealth h2 = new CampaignHealth(on, new EventBus(), new SimpleMeterRegistry(), clock);
        for (int i = 0; i < 1000; i++) h2.accept(ev(EventType.DELIVERY, "acme", "autumn", i));
        for (int i = 0; i < 3; i++) h2.accept(ev(EventType.COMPLAINT, "acme", "autumn", i));
        assertThat(h2.pausedReason("autumn")).isEmpty();
        h2.accept(ev(EventType.COMPLAINT, "acme", "autumn", 3));
        assertThat(h2.pausedReason("autumn")).isPresent();
    }

    @Test
    void unsubscribeRateAndTheSlidingDayWindow() {
        EventBus bus = new EventBus();
        CampaignHealth h = new CampaignHealth(
                new TernConfig.Guard(true, 0.5, 0.5, 10, 0.1), bus, new SimpleMeterRegistry(), clock);
        bus.register(h);
        for (int i = 0; i < 10; i++) bus.publish(ev(EventType.DELIVERY, "t", "c", i));
        bus.publish(ev(EventType.UNSUBSCRIBE, "t", "c", 0));
        assertThat(h.pausedReason("c")).isEmpty(); // 1/10 is not above 0.1
        clock.advance(Duration.ofHours(25));
        bus.publish(ev(EventType.DELIVERY, "t", "c", 10));
        bus.publish(ev(EventType.UNSUBSCRIBE, "t", "c", 1));
        assertThat(h.pausedReason("c")).hasValueSatisfying(r -> assertThat(r).startsWith("unsubscribe rate 0.1818"));
        CampaignHealth.Snapshot s = h.snapshot("c").orElseThrow();
        assertThat(s.delivered()).isEqualTo(11);
        assertThat(s.unsubscribed()).isEqualTo(2);
        // the last 24 h hold only what happened after the jump
        assertThat(s.last24h().delivered()).isEqualTo(1);
        assertThat(s.last24h().unsubscribed()).isEqualTo(1);
        assertThat(s.last24h().unsubscribeRate()).isEqualTo(1.0);
    }

    @Test
    void metricsNameOnlyTheTopCampaignsAndSumTheRestAsOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CampaignHealth h = new CampaignHealth(TestConfigs.guard(), new EventBus(), registry, clock, null, 2);
        int n = 0;
        for (String c : List.of("big", "mid", "small1", "small2")) {
            int count = c.equals("big") ? 5 : c.equals("mid") ? 3 : 1;
            for (int i = 0; i < count; i++) h.accept(ev(EventType.RECEPTION, "t", c, n++));
        }
        h.flush();
        assertThat(registry.find("tern.campaign.recipients").gauges()).hasSize(3 * 6);
        assertThat(registry.get("tern.campaign.recipients")
                        .tags("campaign", "other", "kind", "injected")
                        .gauge()
                        .value())
                .isEqualTo(2.0);
        assertThat(registry.get("tern.campaign.recipients")
                        .tags("campaign", "big", "tenant", "t", "kind", "injected")
                        .gauge()
                        .value())
                .isEqualTo(5.0);
    }

    @Test
    void campaignsPastTheCapShareOneRecord() {
        CampaignHealth h = new CampaignHealth(TestConfigs.guard(), new EventBus(), new SimpleMeterRegistry(), clock);
        for (int i = 0; i < CampaignHealth.MAX_CAMPAIGNS + 50; i++) h.accept(ev(EventType.RECEPTION, "t", "c" + i, i));
        assertThat(h.snapshot()).hasSize(CampaignHealth.MAX_CAMPAIGNS + 1);
        assertThat(h.snapshot(CampaignHealth.OVERFLOW).orElseThrow().injected()).isEqualTo(50);
        assertThat(h.snapshot("c0").orElseThrow().injected()).isEqualTo(1);
    }

    @Test
    void countersSurviveARestartAndAreServedByTheApiAndTheCli() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.onRcpt(rcpt -> rcpt.startsWith("gone") ? "550 5.1.1 <" + rcpt + ">: user unknown" : null);
            try (TernFixture f = new TernFixture(dir, sink.port())) {
                f.inject(List.of("a@kpi.test", "b@kpi.test", "gone@kpi.test"), "acme", "spring");
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> f.count(EventType.DELIVERY) == 2 && f.count(EventType.BOUNCE) == 1);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> f.tern.feedback()
                                        .campaigns()
                                        .snapshot("spring")
                                        .orElseThrow()
                                        .volume()
                                == 3);
                f.tern.feedback().campaigns().pause("spring", "checking the list");
            }
            try (TernFixture f = new TernFixture(dir, sink.port())) {
                CampaignHealth.Snapshot s =
                        f.tern.feedback().campaigns().snapshot("spring").orElseThrow();
                assertThat(s.tenant()).isEqualTo("acme");
                assertThat(s.injected()).isEqualTo(3);
                assertThat(s.delivered()).isEqualTo(2);
                assertThat(s.hardBounced()).isEqualTo(1);
                assertThat(s.volume()).isEqualTo(3);
                assertThat(s.paused()).isTrue();
                assertThat(s.pauseReason()).isEqualTo("checking the list");
                assertThat(s.last24h().injected()).isEqualTo(3);
                // the kept pause holds the campaign's queued mail again
                assertThat(f.tern.delivery()
                                .hold(new dev.tern.queue.HoldTarget(dev.tern.queue.HoldTarget.Kind.CAMPAIGN, "spring")))
                        .isPresent();

                TernFixture.Answer api = f.call("GET", "/api/v1/campaigns", null);
                assertThat(api.status()).isEqualTo(200);
                var c = api.json().get("campaigns").get(0);
                assertThat(c.get("campaign").asText()).isEqualTo("spring");
                assertThat(c.get("hard_bounced").asLong()).isEqualTo(1);
                assertThat(c.get("bounce_rate").asDouble()).isEqualTo(1.0 / 3);
                assertThat(c.get("last24h").get("delivered").asLong()).isEqualTo(2);

                StringWriter out = new StringWriter();
                CommandLine cl = Main.commandLine();
                cl.setOut(new PrintWriter(out, true));
                int exit = cl.execute("campaigns", "--url", f.adminUrl(), "--token", TernFixture.TOKEN);
                assertThat(exit).isZero();
                assertThat(out.toString())
                        .contains("TENANT", "CAMPAIGN", "COMPLAINT_24H")
                        .containsPattern("acme +spring +3 +2 +1 +0 +0 +0 +33\\.33% +0\\.00% +0\\.00% +0\\.00% +paused");

                assertThat(f.scrape())
                        .contains(
                                "tern_campaign_recipients{campaign=\"spring\",kind=\"injected\",tenant=\"acme\"} 3.0");
            }
        }
    }

    /** The configuration defaults, as a user who sets nothing gets them. */
    static final class TestConfigs {
        static TernConfig.Guard guard() {
            return dev.tern.core.testing.TestConfig.of(Path.of("/nonexistent"), false, "")
                    .campaigns()
                    .guard();
        }
    }
}
