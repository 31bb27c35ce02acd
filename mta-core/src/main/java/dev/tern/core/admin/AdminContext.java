package dev.tern.core.admin;

import dev.tern.core.config.HostPort;
import dev.tern.core.config.TernConfig;
import dev.tern.core.delivery.QueueManager;
import dev.tern.core.delivery.Router;
import dev.tern.core.events.EventBus;
import dev.tern.core.feedback.CampaignHealth;
import dev.tern.core.metrics.SpoolScanner;
import dev.tern.core.reload.Reloader;
import dev.tern.queue.Spool;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running server's parts the admin API works on.
 *
 * @param config     the configuration Tern started with
 * @param configFile the file Tern was started with, or null (then reload is refused)
 * @param token      the effective admin token: admin.token, else the token file's (a reload may change it)
 * @param scrapeToken the token /metrics requires ("" = open): admin.token as configured; a generated
 *                   token file protects only the API
 * @param campaigns  campaign counters and pauses
 * @param routes     the effective static routes (a reload may change them)
 * @param reloader   the server's configuration reload
 * @param history    finished messages' events (for {@code GET /api/v1/messages/ID})
 */
public record AdminContext(
        TernConfig config,
        Path configFile,
        Spool spool,
        QueueManager engine,
        Router router,
        EventBus events,
        Clock clock,
        SpoolScanner scanner,
        CampaignHealth campaigns,
        AtomicReference<String> token,
        AtomicReference<Map<String, HostPort>> routes,
        Reloader reloader,
        AtomicReference<String> scrapeToken,
        MessageHistory history) {

    /** A context whose reload only re-reads the file: for tests of the API without a whole server. */
    public AdminContext(
            TernConfig config,
            Path configFile,
            Spool spool,
            QueueManager engine,
            Router router,
            EventBus events,
            Clock clock,
            SpoolScanner scanner,
            CampaignHealth campaigns) {
        this(
                config,
                configFile,
                spool,
                engine,
                router,
                events,
                clock,
                scanner,
                campaigns,
                new AtomicReference<>(AdminToken.resolve(config.admin())),
                new AtomicReference<>(config.routes()),
                new Reloader(configFile, config),
                new AtomicReference<>(config.admin().token()),
                MessageHistory.NONE);
    }
}
