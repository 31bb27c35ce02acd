package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.testkit.smtp.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-campaign counters, the guard that pauses a campaign, resuming, and injection held off while paused. */
class CampaignHealthTest {
    @TempDir
    Path dir;

    private static Event ev(EventType t, String campaign, Boolean hard) {
        Event.Builder b = Event.of(t, "m", "r@d.test").campaign(campaign);
        if (hard != null) b.hard(hard);
        return b.build();
    }

    @Test
    void guardPausesOnHardBounceRateAfterMinimumVolumeAndResumeStartsAfresh() {
        EventBus bus = new EventBus();
        List<Event> seen = new CopyOnWriteArrayList<>();
        bus.register(seen::add);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CampaignHealth health =
                new CampaignHealth(new TernConfig.Guard(true, 0.01, 0.2, 10, 0.5), bus, registry, Clock.systemUTC());
        bus.register(health);
        for (int i = 0; i < 8; i++) bus.publish(ev(EventType.DELIVERY, "spring", null));
        bus.publish(ev(EventType.BOUNCE, "spring", true));
        bus.publish(ev(EventType.BOUNCE, "spring", false));
        assertThat(health.pausedReason("spring")).isEmpty(); // 1/10 hard
        bus.publish(ev(EventType.BOUNCE, "spring", true));
        // an asynchronous bounce counts as a bounce, not as one more recipient: 3 hard of 11 recipients
        bus.publish(ev(EventType.ASYNC_BOUNCE, "spring", true));
        assertThat(health.pausedReason("spring"))
                .hasValueSatisfying(
                        r -> assertThat(r).isEqualTo("hard-bounce rate 0.2727 > 0.2000 after 11 recipients"));
        assertThat(seen)
                .filteredOn(e -> e.kind() == EventType.CAMPAIGN_PAUSED)
                .singleElement()
                .satisfies(e -> assertThat(e.campaign()).isEqualTo("spring"));
        assertThat(registry.get("tern.campaigns.paused").gauge().value()).isEqualTo(1.0);
        CampaignHealth.Snapshot s = health.snapshot("spring").orElseThrow();
        assertThat(s.delivered()).isEqualTo(8);
        assertThat(s.hardBounced()).isEqualTo(3);
        assertThat(s.softBounced()).isEqualTo(1);
        assertThat(s.paused()).isTrue();

        assertThat(health.resume("spring")).isTrue();
        assertThat(health.resume("spring")).isFalse();
        bus.publish(ev(EventType.BOUNCE, "spring", true)); // judged on what happens after the resume: volume 1
        assertThat(health.pausedReason("spring")).isEmpty();
        for (int i = 0; i < 9; i++) bus.publish(ev(EventType.DELIVERY, "spring", null));
        bus.publish(ev(EventType.COMPLAINT, "spring", null)); // 1/9 complaints > 0.01 at volume 10
        assertThat(health.pausedReason("spring"))
                .hasValueSatisfying(r -> assertThat(r).startsWith("complaint rate"));
        assertThat(health.pausedReason("other")).isEmpty();
        assertThat(seen).filteredOn(e -> e.kind() == EventType.CAMPAIGN_RESUMED).hasSize(1);
    }

    @Test
    void disabledGuardOnlyCounts() {
        EventBus bus = new EventBus();
        CampaignHealth health = new CampaignHealth(
                new TernConfig.Guard(false, 0.01, 0.01, 1, 0.5), bus, new SimpleMeterRegistry(), Clock.systemUTC());
        bus.register(health);
        bus.publish(ev(EventType.RECEPTION, "c", null));
        bus.publish(ev(EventType.BOUNCE, "c", true));
        bus.publish(ev(EventType.DELIVERY, null, null));
        assertThat(health.pausedReason("c")).isEmpty();
        assertThat(health.snapshot()).singleElement().satisfies(s -> {
            assertThat(s.injected()).isEqualTo(1);
            assertThat(s.hardBounceRate()).isEqualTo(1.0);
        });
    }

    @Test
    void pausedCampaignIsRefusedWith451UntilResumed() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(FeedbackFixture.config(
                        dir, sink.port(), "events: { log: \"" + dir.resolve("e.jsonl") + "\" }\n"));
                InjectClient c = new InjectClient(tern.injectionAddress())) {
            assertThat(tern.feedback().campaigns().pause("spring", "checking the list"))
                    .isTrue();
            byte[] msg = FeedbackFixture.message("s@inject.test", "a@dest.test", "X-Tern-Campaign: spring\r\n", "x");
            assertThat(c.send("s@inject.test", List.of("a@dest.test"), msg))
                    .startsWith("451 4.7.1 Campaign 'spring' is paused (checking the list)");
            assertThat(c.send(
                            "s@inject.test",
                            List.of("a@dest.test"),
                            FeedbackFixture.message(
                                    "s@inject.test", "a@dest.test", "X-Tern-Campaign: autumn\r\n", "y")))
                    .startsWith("250");
            assertThat(tern.feedback().campaigns().resume("spring")).isTrue();
            assertThat(c.send("s@inject.test", List.of("a@dest.test"), msg)).startsWith("250");
        }
    }
}
