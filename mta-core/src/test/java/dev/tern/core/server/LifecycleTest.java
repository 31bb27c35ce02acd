package dev.tern.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import dev.tern.core.testing.TestConfig;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails half-way leaves nothing open; the reactions between stages are services. */
class LifecycleTest {
    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void assertBindable(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
    }

    private void assertSpoolClosed(TernConfig c) {
        // RocksDB locks its directory while open: opening it again proves the failed start closed it
        try (Spool again = Spool.open(new SpoolSettings(c.spool().directory(), false, 0, null, null))) {
            assertThat(again.recoveredCount()).isZero();
        }
    }

    @Test
    void aBusyInjectionPortFailsTheStartAndClosesTheSpoolAndTheAdminListener() throws Exception {
        int admin = freePort();
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            TernConfig c = TestConfig.of(dir, false, """
            injection: { listen: 127.0.0.1:%d }
            admin: { listen: 127.0.0.1:%d }
            """.formatted(busy.getLocalPort(), admin));
            assertThatThrownBy(() -> TernServer.start(c)).isInstanceOf(Exception.class);
            assertBindable(admin);
            assertSpoolClosed(c);
        }
    }

    @Test
    void aBusyAdminPortFailsTheStartAndClosesTheSpool() throws Exception {
        int inject = freePort();
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            TernConfig c = TestConfig.of(dir, false, """
            injection: { listen: 127.0.0.1:%d }
            admin: { listen: 127.0.0.1:%d }
            """.formatted(inject, busy.getLocalPort()));
            assertThatThrownBy(() -> TernServer.start(c)).isInstanceOf(Exception.class);
            assertBindable(inject);
            assertSpoolClosed(c);
        }
        // and the same configuration starts once the port is free
        TernConfig ok = TestConfig.of(dir, false, "injection: { listen: 127.0.0.1:%d }".formatted(inject));
        try (TernServer tern = TernServer.start(ok)) {
            assertThat(tern.injectionAddress().getPort()).isEqualTo(inject);
        }
    }

    @Test
    void lifecycleClosesInReverseOrderAndGoesOnAfterAFailure() {
        List<String> closed = new ArrayList<>();
        Lifecycle life = new Lifecycle();
        life.onClose("a", () -> closed.add("a"));
        life.onClose("b", () -> {
            throw new IOException("b failed");
        });
        life.add("c", () -> closed.add("c"));
        life.close();
        life.close(); // each part once
        assertThat(closed).containsExactly("c", "a");
    }

    @Test
    void receptionWakesDeliveryAndCampaignEventsHoldAndReleaseTheCampaign() {
        List<String> calls = new ArrayList<>();
        WakeOnReception wake = new WakeOnReception(() -> calls.add("wake"));
        CampaignPauseHolds holds = new CampaignPauseHolds(new CampaignPauseHolds.Holds() {
            @Override
            public void hold(String campaign, String reason, boolean byGuard) {
                calls.add("hold " + campaign + " (" + reason + ", guard " + byGuard + ")");
            }

            @Override
            public void release(String campaign) {
                calls.add("release " + campaign);
            }
        });
        for (Event e : List.of(
                Event.of(EventType.DELIVERY, "m", "r@x.test").build(),
                Event.of(EventType.RECEPTION, "m", "r@x.test").build(),
                Event.of(EventType.CAMPAIGN_PAUSED, null, null)
                        .campaign("spring")
                        .reply("complaint rate 0.005 over 0.003")
                        .reason("guard")
                        .build(),
                Event.of(EventType.CAMPAIGN_RESUMED, null, null)
                        .campaign("spring")
                        .build(),
                Event.of(EventType.CAMPAIGN_PAUSED, null, null).build())) {
            wake.accept(e);
            holds.accept(e);
        }
        assertThat(calls)
                .containsExactly("wake", "hold spring (complaint rate 0.005 over 0.003, guard true)", "release spring");
    }
}
