package dev.tern.core.feedback;

import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.queue.Spool;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything about mail coming back, wired from the configuration: VERP return paths, the
 * sent-message index, the suppression policy, intake of asynchronous bounces and complaints,
 * and campaign health. The injection listener consults it; its sinks are registered on the
 * event bus here.
 */
public final class Feedback implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Feedback.class);
    private final TernConfig.Bounces config;
    private final VerpReturnPaths verp;
    private final SentIndex index;
    private final SuppressionPolicy suppression;
    private final FeedbackIntake intake;
    private final CampaignHealth campaigns;
    private final Unsubscribes unsubscribes;
    private boolean mailtoUnsubscribe;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("tern-feedback-housekeeping").daemon(true).factory());

    private Feedback(
            TernConfig.Bounces config,
            VerpReturnPaths verp,
            SentIndex index,
            SuppressionPolicy suppression,
            FeedbackIntake intake,
            CampaignHealth campaigns,
            Unsubscribes unsubscribes) {
        this.unsubscribes = unsubscribes;
        this.config = config;
        this.verp = verp;
        this.index = index;
        this.suppression = suppression;
        this.intake = intake;
        this.campaigns = campaigns;
    }

    /** Builds the feedback parts and registers their event sinks on {@code events}. */
    public static Feedback create(
            TernConfig config,
            Spool spool,
            EventBus events,
            ReplyClassifier classifier,
            MeterRegistry registry,
            Clock clock) {
        TernConfig.Bounces b = config.bounces();
        VerpReturnPaths verp = new VerpReturnPaths(b);
        SuppressionPolicy suppression = new SuppressionPolicy(spool, config.suppression(), clock);
        SentIndex index = null;
        FeedbackIntake intake = null;
        dev.tern.core.config.Unsubscribe u = config.unsubscribe();
        boolean mailto = u.honoursTokens() && !u.mailtoDomain().isEmpty();
        if (b.intakeEnabled() || verp.enabled() || u.honoursTokens()) {
            Path dir = b.index().isEmpty()
                    ? config.spool()
                            .directory()
                            .toAbsolutePath()
                            .resolveSibling(config.spool().directory().getFileName() + "-sent-index")
                    : Path.of(b.index());
            index = SentIndex.open(dir, b.indexTtl());
            ArfParser arf = new ArfParser(verp.codec());
            intake = new FeedbackIntake(
                    b.domain(),
                    b.fblDomains(),
                    verp,
                    index,
                    suppression,
                    spool.feedbackStore(),
                    FblReporters.from(config),
                    new BounceParser(classifier, arf),
                    arf,
                    events,
                    clock);
        }
        Unsubscribes unsubscribes = null;
        if (u.honoursTokens()) {
            unsubscribes = new Unsubscribes(
                    new UnsubscribeTokens(u.keys(), u.signingKey()),
                    index,
                    suppression,
                    spool.feedbackStore(),
                    events,
                    clock,
                    u.tokenTtl(),
                    mailto ? u.mailtoDomain() : "");
            intake.unsubscribes(unsubscribes);
        }
        CampaignHealth campaigns = new CampaignHealth(
                config.campaigns().guard(),
                events,
                registry,
                clock,
                spool.feedbackStore(),
                config.campaigns().metricsTop());
        events.enrich(suppression::enrich);
        events.register(campaigns);
        if (intake != null) {
            // a recipient that bounced (or expired) at delivery has had its one bounce: a DSN claiming
            // another one for it later counts nothing
            dev.tern.queue.FeedbackStore store = spool.feedbackStore();
            events.register(e -> {
                if ((e.is(EventType.BOUNCE) || e.is(EventType.EXPIRATION))
                        && e.messageId() != null
                        && e.recipient() != null) {
                    FeedbackIntake.mark(store, clock, "b", e.messageId(), e.recipient())
                            .whenComplete((v, err) -> {
                                if (err != null) log.warn("bounce mark not kept: {}", err.toString());
                            });
                }
            });
        }
        Feedback f = new Feedback(b, verp, index, suppression, intake, campaigns, unsubscribes);
        f.mailtoUnsubscribe = mailto;
        f.startHousekeeping();
        return f;
    }

    /** Saves campaign figures every second; once a day drops dedupe and pending marks older than the index TTL. */
    private void startHousekeeping() {
        housekeeping.scheduleWithFixedDelay(this::saveFigures, 1, 1, TimeUnit.SECONDS);
        housekeeping.scheduleWithFixedDelay(this::prune, 10, 24 * 60, TimeUnit.MINUTES);
    }

    private void saveFigures() {
        try {
            campaigns.flush();
        } catch (RuntimeException e) {
            log.warn("saving campaign figures failed: {}", e.toString());
        }
    }

    private void prune() {
        try {
            int n = suppression.prunePending(config.indexTtl());
            if (intake != null) n += intake.pruneMarks(config.indexTtl());
            if (n > 0) log.info("feedback housekeeping: {} old mark(s) removed", n);
        } catch (RuntimeException e) {
            log.warn("feedback housekeeping failed: {}", e.toString());
        }
    }

    public VerpReturnPaths verp() {
        return verp;
    }

    /** The sent-message index, or null when neither intake nor VERP is configured. */
    public SentIndex sentIndex() {
        return index;
    }

    public SuppressionPolicy suppression() {
        return suppression;
    }

    /** True when mail to this address is a bounce or complaint for Tern to consume. */
    public boolean isFeedbackAddress(String address) {
        return intake != null && intake.handles(address);
    }

    /** Intake of returned mail, or null when no bounce or FBL domain is configured. */
    public FeedbackIntake intake() {
        return intake;
    }

    public boolean intakeEnabled() {
        return intake != null && (config.intakeEnabled() || unsubscribes != null && mailtoUnsubscribe);
    }

    /** Unsubscribe tokens and requests, or null when no {@code unsubscribe.keys} are configured. */
    public Unsubscribes unsubscribes() {
        return unsubscribes;
    }

    /** Whether injection adds a signed {@code X-Tern-Id} header (only when returned mail is processed and keys are set). */
    public boolean ternIdHeader() {
        return config.ternIdHeader() && index != null && verp.signsTernIds();
    }

    public CampaignHealth campaigns() {
        return campaigns;
    }

    /** Stops housekeeping and saves the campaign figures (call before the spool closes). */
    @Override
    public void close() {
        housekeeping.shutdownNow();
        try {
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        saveFigures();
        if (index != null) index.close();
    }
}
