package dev.tern.core.feedback;

import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.EventBus;
import dev.tern.queue.Spool;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Everything about mail coming back, wired from the configuration: VERP return paths, the
 * sent-message index, the suppression policy, intake of asynchronous bounces and complaints,
 * and campaign health. The injection listener consults it; its sinks are registered on the
 * event bus here.
 */
public final class Feedback implements AutoCloseable {
    private final TernConfig.Bounces config;
    private final VerpReturnPaths verp;
    private final SentIndex index;
    private final SuppressionPolicy suppression;
    private final FeedbackIntake intake;
    private final CampaignHealth campaigns;

    private Feedback(
            TernConfig.Bounces config,
            VerpReturnPaths verp,
            SentIndex index,
            SuppressionPolicy suppression,
            FeedbackIntake intake,
            CampaignHealth campaigns) {
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
        if (b.intakeEnabled() || verp.enabled()) {
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
                    new BounceParser(classifier, arf),
                    arf,
                    events,
                    clock);
        }
        CampaignHealth campaigns = new CampaignHealth(config.campaigns().guard(), events, registry, clock);
        events.register(suppression);
        events.register(campaigns);
        return new Feedback(b, verp, index, suppression, intake, campaigns);
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
        return intake != null && config.intakeEnabled();
    }

    /** Whether injection adds an {@code X-Tern-Id} header (only when returned mail is processed). */
    public boolean ternIdHeader() {
        return config.ternIdHeader() && index != null;
    }

    public CampaignHealth campaigns() {
        return campaigns;
    }

    @Override
    public void close() {
        if (index != null) index.close();
    }
}
