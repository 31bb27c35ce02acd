package dev.tern.core.delivery;

import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.core.delivery.CommandResult.Bounced;
import dev.tern.core.delivery.CommandResult.HoldChanged;
import dev.tern.core.delivery.CommandResult.Retried;
import dev.tern.core.delivery.smtp.SmtpClient;
import dev.tern.core.delivery.smtp.SmtpClientSettings;
import dev.tern.core.delivery.smtp.SmtpReply;
import dev.tern.core.events.EventBus;
import dev.tern.core.shaping.AutomationRule;
import dev.tern.core.shaping.ShapingPolicy;
import dev.tern.core.shaping.SharedLimit;
import dev.tern.core.shaping.SiteLimits;
import dev.tern.core.telemetry.PathMetrics;
import dev.tern.queue.Hold;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue manager: the one owner of queue state (see the package documentation for its
 * parts and the state diagram). Its control thread leases due entries, applies the operator's
 * commands in the order they arrive, and ends holds whose time is over; the parts around it
 * route, admit connections, run transactions and record outcomes, and report back to it.
 */
public final class QueueManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueManager.class);

    /**
     * @param maxConnections outbound connections in total
     * @param maxInFlight    entries leased at once (ready or being sent)
     * @param pollMillis     how often the spool is looked at when nothing wakes the manager
     * @param idleConnectionTimeout how long a connection with nothing to send waits for more mail
     *                       of its destination before QUIT (zero: QUIT at once)
     */
    public record Settings(
            String ehloName,
            int maxConnections,
            int maxInFlight,
            long pollMillis,
            SmtpClientSettings smtp,
            Duration idleConnectionTimeout) {
        /** With the default idle connection timeout, 5 s ({@code delivery.idle_connection_timeout}). */
        public Settings(
                String ehloName, int maxConnections, int maxInFlight, long pollMillis, SmtpClientSettings smtp) {
            this(ehloName, maxConnections, maxInFlight, pollMillis, smtp, Duration.ofSeconds(5));
        }
    }

    private final Settings settings;
    private final Clock clock;
    private volatile EgressPools pools;
    private final ExecutorService worker = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tern-delivery-", 0).factory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("tern-delivery-timer").factory());
    private final LinkedBlockingQueue<FutureTask<?>> commands = new LinkedBlockingQueue<>();
    private final SpoolFeed feed;
    private final HoldBook holds;
    private final DestinationRegistry registry;
    private final OutcomeRecorder outcomes;
    private final ReplyReactor reactor;
    private final Admission admission;
    private final TransactionRunner runner;
    private final Dispatcher dispatcher;
    private final QueueCommands ops;
    private volatile boolean running;
    private volatile Thread control;
    /** Told of every hold put or released here (not of expiries, nor of holds learned from the fleet). */
    private volatile HoldSync holdSync;

    /** What the fleet learns of this node's holds (see {@link #share}). */
    public interface HoldSync {
        /** A hold was put in force on this node (by an operator, automation or the campaign guard). */
        void held(Hold hold);

        /** A hold was released on this node by an operator (or a campaign resumed). */
        void released(HoldTarget target);
    }

    private volatile dev.tern.core.tlspolicy.TlsPolicies tlsPolicies =
            dev.tern.core.tlspolicy.TlsPolicies.opportunistic();

    public QueueManager(
            Spool spool,
            Router router,
            SmtpClient client,
            EventBus events,
            RetryPolicy retry,
            ReplyClassifier classifier,
            Settings settings,
            Clock clock,
            ShapingPolicy policy,
            EgressPools pools,
            PathMetrics pathMetrics) {
        this.settings = settings;
        this.clock = clock;
        this.pools = pools;
        Supplier<EgressPools> currentPools = () -> this.pools;
        this.feed = new SpoolFeed(spool, clock, settings.maxInFlight(), this::wake);
        this.holds = new HoldBook(spool, env -> this.pools.poolOf(env));
        this.registry = new DestinationRegistry(policy);
        this.outcomes = new OutcomeRecorder(spool, feed, events, retry, classifier, clock);
        this.reactor = new ReplyReactor(registry, clock, System::nanoTime, new Automation());
        this.admission = new Admission(
                settings.maxConnections(),
                clock,
                System::nanoTime,
                retry,
                timer,
                worker,
                () -> running,
                this::paused,
                registry::siblings);
        this.dispatcher = new Dispatcher(
                router,
                currentPools,
                registry,
                holds,
                feed,
                outcomes,
                reactor,
                admission,
                clock,
                worker,
                () -> tlsPolicies);
        admission.connector(
                runner = new TransactionRunner(new TransactionRunner.Parts(
                        spool,
                        client,
                        settings.ehloName(),
                        settings.smtp(),
                        admission,
                        dispatcher,
                        outcomes,
                        reactor,
                        pathMetrics,
                        retry,
                        clock,
                        System::nanoTime,
                        worker,
                        timer,
                        this::paused,
                        () -> running,
                        () -> tlsPolicies,
                        settings.idleConnectionTimeout())));
        this.ops = new QueueCommands(
                spool, feed, holds, registry, outcomes, admission, dispatcher, router, currentPools, clock);
    }

    /** Sets the outbound TLS policies (before {@link #start()}; opportunistic TLS for everything until then). */
    public void tlsPolicies(dev.tern.core.tlspolicy.TlsPolicies policies) {
        this.tlsPolicies = java.util.Objects.requireNonNull(policies, "policies");
    }

    /** The outbound TLS policies in use. */
    public dev.tern.core.tlspolicy.TlsPolicies tlsPolicies() {
        return tlsPolicies;
    }

    public void start() {
        running = true;
        control = Thread.ofPlatform().name("tern-qmgr").start(this::run);
    }

    /** Wakes the control thread (new mail was spooled, a lease ended, a command arrived). */
    public void wake() {
        Thread c = control;
        if (c != null) LockSupport.unpark(c);
    }

    private void run() {
        while (running) {
            try {
                FutureTask<?> command;
                while ((command = commands.poll()) != null) command.run();
                ops.expireHolds();
                List<QueueEntry> due = feed.lease();
                for (QueueEntry e : due) dispatcher.dispatch(e);
                if (due.isEmpty() || feed.inFlight() >= settings.maxInFlight())
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(settings.pollMillis()));
            } catch (RuntimeException e) {
                if (running) {
                    log.error("queue manager: {}", e.toString(), e);
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                }
            }
        }
    }

    /** Runs a command on the control thread, after the commands before it, and waits for its result. */
    private <T> T command(java.util.concurrent.Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread c = control;
        if (c == null || !c.isAlive() || Thread.currentThread() == c) {
            task.run(); // not started, stopped, or a command's own reaction: in order already
        } else {
            commands.add(task);
            wake();
        }
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the queue manager", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Joins a fleet: site limits created from now on are shared through {@code limits}, and holds
     * put or released here are told to {@code holds}. Called before {@link #start}.
     */
    public void share(SharedLimit.Source limits, HoldSync holds) {
        registry.share(limits);
        holdSync = holds;
    }

    /** Puts a hold on a target ({@code duration} null: until released). */
    public HoldChanged hold(HoldTarget target, String reason, HoldOrigin origin, Duration duration) {
        Instant now = clock.instant();
        Hold h = new Hold(target, reason, origin, now, duration == null ? null : now.plus(duration));
        HoldChanged r = command(() -> ops.hold(h));
        quitIdleWhereHeld();
        HoldSync sync = holdSync;
        if (sync != null && r.hold() == h) sync.held(h);
        return r;
    }

    /** A hold stops new connections at once: the idle connections of held destinations end too (QUIT). */
    private void quitIdleWhereHeld() {
        for (Destination d : registry.all()) if (paused(d)) runner.quitIdle(d);
    }

    /** Ends the hold on a target; its entries are due at once. */
    public HoldChanged release(HoldTarget target) {
        HoldChanged r = command(() -> ops.release(target));
        HoldSync sync = holdSync;
        if (sync != null) sync.released(target);
        return r;
    }

    /** Puts in force a hold set on another node of the fleet (not told back to the fleet). */
    public HoldChanged applyShared(Hold h) {
        HoldChanged r = command(() -> ops.hold(h));
        quitIdleWhereHeld();
        return r;
    }

    /** Ends a hold released on another node of the fleet (not told back to the fleet). */
    public HoldChanged releaseShared(HoldTarget target) {
        return command(() -> ops.release(target));
    }

    /** Makes a target's entries (null: all) due now. */
    public Retried retry(HoldTarget target) {
        return command(() -> ops.retry(target));
    }

    /** Bounces a target's queued recipients with the operator's reason. */
    public Bounced bounce(HoldTarget target, String reason) {
        return command(() -> ops.bounce(target, reason));
    }

    /** The holds in force. */
    public List<Hold> holds() {
        return holds.list();
    }

    /** The hold on a target, if any. */
    public Optional<Hold> hold(HoldTarget target) {
        return holds.get(target);
    }

    /** Entries leased from the spool and not yet finished. */
    public int inFlight() {
        return feed.inFlight();
    }

    /** Outbound connections open or being opened. */
    public int openConnections() {
        return admission.open();
    }

    /** Applies new shaping rules and egress pools at once; connections in progress go on. */
    public void reload(ShapingPolicy nextPolicy, EgressPools nextPools) {
        pools = nextPools;
        registry.reload(nextPolicy);
        for (Destination d : registry.all()) worker.execute(() -> admission.maybeConnect(d));
        wake();
    }

    /** The shaping rules in effect. */
    public ShapingPolicy policy() {
        return registry.policy();
    }

    /** The limits in effect for a site ({@code mx:...} or {@code route:...}), if it has been seen. */
    public Optional<SiteLimits> siteLimits(SiteKey site) {
        return registry.limits(site);
    }

    /** A snapshot of every destination seen since start. */
    public List<DestinationStatus> destinations() {
        return registry.status(clock.millis(), this::paused);
    }

    /** The site a domain was last routed to, if it was routed since start. */
    public Optional<SiteKey> siteOf(String domain) {
        return registry.siteOf(domain);
    }

    /** The domains routed to a site since start (sorted; a bounded number per site). */
    public List<String> siteDomains(SiteKey site) {
        return registry.domains(site);
    }

    private boolean paused(Destination d) {
        return holds.held(d) || reactor.bouncing(d.siteKey) != null;
    }

    /** What automation rules do beyond throttling: a timed hold, or bouncing what waits for the site. */
    private final class Automation implements ReplyReactor.Actions {
        @Override
        public void holdSite(SiteKey site, AutomationRule rule, SmtpReply reply) {
            HoldTarget t = new HoldTarget(HoldTarget.Kind.SITE, site.key());
            String reason = "automation rule " + rule.name() + ": " + reply;
            hold(t, reason, HoldOrigin.AUTOMATION, rule.duration()); // in force before the next connection
        }

        @Override
        public void bounceSite(SiteKey site, String reply) {
            registry.site(site).ifPresent(s -> {
                for (Destination d : s.destinations()) {
                    for (QueueEntry e : d.drain())
                        outcomes.recordAll(e, RecipientStatus.BOUNCED, reply, TransactionRunner.attempt(d, null));
                }
            });
        }
    }

    /**
     * Stops leasing, lets transactions in progress finish (up to {@code grace}), and hands every
     * entry not attempted back to the spool. Entries still in flight after the grace period stay
     * leased in the spool and are recovered on the next start.
     */
    public void stop(Duration grace) {
        running = false;
        Thread c = control;
        if (c != null) {
            LockSupport.unpark(c);
            try {
                c.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        FutureTask<?> command;
        while ((command = commands.poll()) != null) command.run(); // asked before the stop: still answered
        for (Destination d : registry.all()) runner.quitIdle(d);
        releaseQueued();
        long deadline = System.nanoTime() + grace.toNanos();
        while (feed.inFlight() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            releaseQueued(); // entries routed while stopping
        }
        if (feed.inFlight() > 0)
            log.warn(
                    "{} deliveries still in progress at shutdown: they stay spooled and are retried on restart",
                    feed.inFlight());
    }

    /** Hands every entry waiting in a ready queue back to the spool, unattempted. */
    private void releaseQueued() {
        for (Destination d : registry.all()) for (QueueEntry e : d.drain()) feed.release(e);
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
        timer.shutdownNow();
        worker.shutdownNow();
    }
}
