package dev.tern.core.delivery;

import dev.tern.core.delivery.OutcomeRecorder.Attempt;
import dev.tern.core.delivery.OutcomeRecorder.Result;
import dev.tern.core.delivery.smtp.SmtpClient;
import dev.tern.core.delivery.smtp.SmtpClientSettings;
import dev.tern.core.delivery.smtp.SmtpConnection;
import dev.tern.core.delivery.smtp.SmtpException;
import dev.tern.core.delivery.smtp.SmtpReply;
import dev.tern.core.delivery.smtp.SmtpTransaction;
import dev.tern.core.delivery.smtp.TransactionResult;
import dev.tern.core.shaping.AutomationRule;
import dev.tern.core.shaping.ShapingPolicy;
import dev.tern.core.shaping.SiteLimits;
import dev.tern.core.shaping.SiteThrottle;
import dev.tern.core.telemetry.PathMetrics;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves due entries from the spool to per-destination ready queues and delivers them over
 * pooled SMTP connections. Stages: scheduler thread (spool -> routing), destination ready
 * queues (a transactional and a bulk lane per (egress source, site)), connection workers
 * (future chains on the Netty event loop), outcome recording (on a worker executor, never on
 * the event loop). The spool stays the source of truth: an entry is only removed or
 * rescheduled after its outcome is known.
 *
 * <p>Traffic shaping: every site has a {@link SiteThrottle} from the {@link ShapingPolicy}
 * (connections, message and connection rates, messages per connection, recipients per
 * transaction); each (source, site) pair has its own within it. Replies feed the automation
 * rules (suspend, throttle or bounce a site for a while) and the adaptive mode. A reload
 * ({@link #reload}) replaces the limits without touching deliveries in progress.
 */
public final class DeliveryEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);

    /** Settings of the engine. */
    public record Settings(
            String ehloName,
            int maxConnectionsPerDestination,
            int maxMessagesPerConnection,
            int maxRecipientsPerTransaction,
            int maxConnections,
            int maxInFlight,
            long pollMillis,
            SmtpClientSettings smtp) {
        /** The limits of a site that no shaping rule changes. */
        public SiteLimits baseLimits() {
            return new SiteLimits(
                    maxConnectionsPerDestination,
                    maxMessagesPerConnection,
                    null,
                    null,
                    maxRecipientsPerTransaction,
                    "");
        }
    }

    /** A site's run-time state: the domain and MX hosts its rules match, its throttle, its queues. */
    private record SiteState(
            String domain, List<String> mxHosts, SiteThrottle throttle, List<Destination> destinations) {}

    /** An automation "bounce" in force for a site. */
    private record BounceWindow(String reply, long untilNanos) {}

    private final Spool spool;
    private final PathMetrics pathMetrics;
    private final Router router;
    private final SmtpClient client;
    private final OutcomeRecorder outcomes;
    private final RetryPolicy retry;
    private final Settings settings;
    private final Clock clock;
    private volatile ShapingPolicy policy;
    private volatile EgressPools pools;
    private final Map<String, Destination> destinations = new ConcurrentHashMap<>();
    private final Map<String, SiteState> sites = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tern-delivery-", 0).factory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("tern-delivery-timer").factory());
    private final Semaphore connectionSlots;
    /** Destinations that found no free connection slot in total; served when one frees up. */
    private final ConcurrentLinkedQueue<Destination> starved = new ConcurrentLinkedQueue<>();

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger activeTransactions = new AtomicInteger();
    private final java.util.Set<String> suspendedDestinations = ConcurrentHashMap.newKeySet();
    /** When timed suspensions (automation) end, System.nanoTime(); absent for suspensions until resumed. */
    private final Map<String, Long> suspensionEnds = new ConcurrentHashMap<>();

    private final java.util.Set<String> suspendedDomains = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> suspendedCampaigns = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> suspendedTenants = ConcurrentHashMap.newKeySet();
    private final Map<String, BounceWindow> bouncing = new ConcurrentHashMap<>();
    /** Entries kept in memory per suspended destination; more go back to the spool. */
    private static final int HELD_PER_SUSPENDED_DESTINATION = 1000;
    /** When entries put back to the spool by a suspension are due again. */
    private static final long SUSPENDED_RETRY_MILLIS = 60_000;
    /** A connection waits this long at most for a message token; beyond, it is closed. */
    private static final long MAX_IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private volatile boolean running;
    private Thread scheduler;

    /**
     * @param policy the shaping rules (replaced by {@link #reload})
     * @param pools  the egress sources and pools (replaced by {@link #reload})
     * @param pathMetrics SMTP transaction time and TLS meters
     */
    public DeliveryEngine(
            Spool spool,
            Router router,
            SmtpClient client,
            dev.tern.core.events.EventBus events,
            RetryPolicy retry,
            dev.tern.bounce.classify.ReplyClassifier classifier,
            Settings settings,
            Clock clock,
            ShapingPolicy policy,
            EgressPools pools,
            PathMetrics pathMetrics) {
        this.pathMetrics = pathMetrics;
        this.spool = spool;
        this.router = router;
        this.client = client;
        this.outcomes = new OutcomeRecorder(spool, events, retry, classifier, clock);
        this.retry = retry;
        this.settings = settings;
        this.clock = clock;
        this.policy = policy;
        this.pools = pools;
        this.connectionSlots = new Semaphore(settings.maxConnections());
    }

    public void start() {
        running = true;
        scheduler = Thread.ofPlatform().name("tern-scheduler").start(this::schedule);
    }

    /** Wakes the scheduler (new mail was spooled). */
    public void wake() {
        Thread s = scheduler;
        if (s != null) LockSupport.unpark(s);
    }

    /** Entries leased from the spool and not yet finished. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Applies new shaping rules and egress pools: every known site gets its new limits at once;
     * connections and transactions in progress go on (a lower connection limit is reached as
     * connections close).
     */
    public void reload(ShapingPolicy nextPolicy, EgressPools nextPools) {
        policy = nextPolicy;
        pools = nextPools;
        for (SiteState s : sites.values()) {
            s.throttle().update(nextPolicy.forSite(s.domain(), s.mxHosts()), nextPolicy.adaptive());
            for (Destination d : s.destinations()) {
                d.pair.update(nextPolicy.forSourceAtSite(s.domain(), s.mxHosts()), null);
                synchronized (d) {
                    d.overflowCursorMicros = 0; // the pace may have changed
                }
            }
        }
        for (Destination d : destinations.values()) worker.execute(() -> maybeConnect(d));
        wake();
    }

    /** The shaping rules in effect. */
    public ShapingPolicy policy() {
        return policy;
    }

    /** The limits in effect for a site ("mx:..." or "route:..."), if it has been seen. */
    public java.util.Optional<SiteLimits> siteLimits(String siteKey) {
        SiteState s = sites.get(siteKey);
        return s == null
                ? java.util.Optional.empty()
                : java.util.Optional.of(s.throttle().limits());
    }

    /** One destination's ready queue, for the admin API and metrics. */
    public record DestinationStatus(String key, int ready, int connections, boolean suspended) {}

    /** A snapshot of every destination seen since start (and of suspended keys not seen yet). */
    public List<DestinationStatus> destinations() {
        List<DestinationStatus> out = new ArrayList<>();
        for (Destination d : destinations.values()) {
            out.add(new DestinationStatus(d.key, d.size(), d.connections(), isSuspended(d)));
        }
        for (String key : suspendedDestinations) {
            if (!destinations.containsKey(key)) out.add(new DestinationStatus(key, 0, 0, true));
        }
        return out;
    }

    /** Outbound connections open or being opened. */
    public int openConnections() {
        return settings.maxConnections() - connectionSlots.availablePermits();
    }

    /**
     * Suspends a destination ("mx:..." or "route:host:port", which covers every egress source
     * sending to it, or one source's queue "mx:...@source"): no new connection is opened to it
     * and open connections take no further message. Its entries wait in memory (up to
     * {@value #HELD_PER_SUSPENDED_DESTINATION}) or go back to the spool for a minute.
     */
    public void suspendDestination(String key) {
        suspensionEnds.remove(key);
        suspendedDestinations.add(key);
    }

    /**
     * Suspends a destination for a while (automation), then resumes it; a suspension until
     * resumed, or one that ends later, is kept.
     */
    public void suspendDestination(String key, Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        synchronized (suspensionEnds) {
            boolean indefinite = suspendedDestinations.contains(key) && !suspensionEnds.containsKey(key);
            Long current = suspensionEnds.get(key);
            if (indefinite || (current != null && current - end >= 0)) return;
            suspensionEnds.put(key, end);
            suspendedDestinations.add(key);
        }
        timer.schedule(
                () -> {
                    synchronized (suspensionEnds) {
                        Long e = suspensionEnds.get(key);
                        if (e == null || e != end) return;
                        suspensionEnds.remove(key);
                    }
                    log.info("destination {}: timed suspension over, resuming", key);
                    resumeDestination(key);
                },
                duration.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** Resumes a suspended destination and restarts its delivery; false if it was not suspended. */
    public boolean resumeDestination(String key) {
        suspensionEnds.remove(key);
        if (!suspendedDestinations.remove(key)) return false;
        for (Destination d : destinations.values()) {
            if (d.key.equals(key) || d.siteKey.equals(key)) worker.execute(() -> maybeConnect(d));
        }
        wake();
        return true;
    }

    /** Suspends a destination domain: its due entries go back to the spool for a minute. */
    public void suspendDomain(String domain) {
        suspendedDomains.add(domain.toLowerCase(java.util.Locale.ROOT));
    }

    /** Resumes a domain; its entries are due again when their hold time ends (see retry-now). */
    public boolean resumeDomain(String domain) {
        return resume(suspendedDomains, domain.toLowerCase(java.util.Locale.ROOT));
    }

    /** Suspends a campaign: its entries stay in the spool (checked again every minute) until resumed. */
    public boolean suspendCampaign(String campaign) {
        return suspendedCampaigns.add(campaign);
    }

    /** Resumes a campaign; its entries are due again when their hold time ends (see retry-now). */
    public boolean resumeCampaign(String campaign) {
        return resume(suspendedCampaigns, campaign);
    }

    /** Suspends a tenant: its entries stay in the spool (checked again every minute) until resumed. */
    public boolean suspendTenant(String tenant) {
        return suspendedTenants.add(tenant);
    }

    /** Resumes a tenant; its entries are due again when their hold time ends (see retry-now). */
    public boolean resumeTenant(String tenant) {
        return resume(suspendedTenants, tenant);
    }

    private boolean resume(java.util.Set<String> suspended, String name) {
        boolean was = suspended.remove(name);
        wake();
        return was;
    }

    public java.util.Set<String> suspendedCampaigns() {
        return java.util.Set.copyOf(suspendedCampaigns);
    }

    public java.util.Set<String> suspendedTenants() {
        return java.util.Set.copyOf(suspendedTenants);
    }

    /** Whether a suspended domain, campaign or tenant holds this entry back. */
    private boolean held(QueueEntry e) {
        if (suspendedDomains.contains(e.domain())) return true;
        String campaign = e.envelope().campaign();
        String tenant = e.envelope().tenant();
        return campaign != null && !suspendedCampaigns.isEmpty() && suspendedCampaigns.contains(campaign)
                || tenant != null && !suspendedTenants.isEmpty() && suspendedTenants.contains(tenant);
    }

    public java.util.Set<String> suspendedDestinations() {
        return java.util.Set.copyOf(suspendedDestinations);
    }

    public java.util.Set<String> suspendedDomains() {
        return java.util.Set.copyOf(suspendedDomains);
    }

    private boolean isSuspended(Destination d) {
        return suspendedDestinations.contains(d.key) || suspendedDestinations.contains(d.siteKey);
    }

    /** The next entry of the ready queue not held by a suspension (those go back to the spool). */
    private QueueEntry nextSendable(Destination d) {
        QueueEntry e;
        while ((e = d.poll(policy.transactionalShare())) != null && held(e)) hold(e, SUSPENDED_RETRY_MILLIS);
        return e;
    }

    /** Puts a leased entry back into the spool, due after {@code millis} (no attempt counted). */
    private void hold(QueueEntry entry, long millis) {
        finish(spool.update(entry.rescheduled(clock.millis() + millis, false)));
    }

    /** How long entries of a suspended destination wait in the spool: a minute, or until a timed suspension ends. */
    private long suspendedHoldMillis(Destination d) {
        Long end = suspensionEnds.get(d.siteKey);
        if (end == null) end = suspensionEnds.get(d.key);
        if (end == null || suspendedDestinations.contains(d.key) && !suspensionEnds.containsKey(d.key))
            return SUSPENDED_RETRY_MILLIS;
        return Math.max(
                1, Math.min(SUSPENDED_RETRY_MILLIS, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 1));
    }

    private void schedule() {
        while (running) {
            try {
                int room = settings.maxInFlight() - inFlight.get();
                int got = 0;
                if (room > 0) {
                    List<QueueEntry> due = spool.due(clock.millis(), Math.min(room, 1000));
                    got = due.size();
                    inFlight.addAndGet(got);
                    for (QueueEntry e : due) dispatch(e);
                }
                if (got == 0 || room <= got)
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(settings.pollMillis()));
            } catch (RuntimeException e) {
                if (running) {
                    log.error("scheduler: {}", e.toString(), e);
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                }
            }
        }
    }

    private void dispatch(QueueEntry entry) {
        if (held(entry)) {
            worker.execute(() -> hold(entry, SUSPENDED_RETRY_MILLIS));
            return;
        }
        router.route(entry.domain())
                .whenCompleteAsync(
                        (route, failure) -> {
                            if (failure != null) {
                                Throwable cause = failure instanceof java.util.concurrent.CompletionException
                                        ? failure.getCause()
                                        : failure;
                                RouteException re = cause instanceof RouteException r
                                        ? r
                                        : new RouteException(false, "4.4.3", "routing failed: " + cause);
                                RecipientStatus status =
                                        re.permanent() ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED;
                                Map<String, Result> results = new HashMap<>();
                                for (RecipientState r : entry.open())
                                    results.put(r.address(), new Result(status, re.replyText()));
                                finish(outcomes.record(entry, results, new Attempt(entry.domain(), null, null)));
                                return;
                            }
                            Destination d = destination(route, pools.choose(entry.envelope()), entry.domain());
                            BounceWindow bounce = bouncing(d);
                            if (bounce != null) {
                                recordAll(entry, RecipientStatus.BOUNCED, bounce.reply(), d, null);
                                return;
                            }
                            if (isSuspended(d) && d.size() >= HELD_PER_SUSPENDED_DESTINATION) {
                                hold(entry, suspendedHoldMillis(d));
                                return;
                            }
                            boolean tx = entry.envelope().transactional();
                            int lane = d.laneSize(tx);
                            if (lane >= policy.readyLimit()) {
                                // the lane holds enough to keep the site busy: the rest waits in the spool, not on the
                                // heap
                                hold(entry, overflowHoldMillis(d, lane));
                                return;
                            }
                            d.add(entry);
                            maybeConnect(d);
                        },
                        worker);
    }

    /**
     * When an entry that found its lane full is due again. With a message rate, overflow entries
     * are spread at the site's pace after the lane (so a backlog comes back about when it can be
     * sent, not all at once); at most a minute ahead. Without one, after a second or so.
     */
    private long overflowHoldMillis(Destination d, int lane) {
        SiteLimits l = d.site.limits();
        if (l.messageRate() == null) return 1000 + ThreadLocalRandom.current().nextLong(500);
        long intervalMicros = Math.max(1, l.messageRate().intervalNanos() / 1000);
        long nowMicros = clock.millis() * 1000;
        long afterLane = nowMicros + intervalMicros * lane;
        long due;
        synchronized (d) {
            due = Math.max(d.overflowCursorMicros, afterLane);
            d.overflowCursorMicros = due + intervalMicros;
        }
        return Math.max(1000, Math.min((due - nowMicros) / 1000, 60_000));
    }

    private Destination destination(Route route, EgressSource source, String domain) {
        String key = source.name().isEmpty() ? route.key() : route.key() + "@" + source.name();
        Destination d = destinations.get(key);
        if (d == null) {
            d = destinations.computeIfAbsent(key, k -> {
                SiteState s = sites.computeIfAbsent(route.key(), sk -> {
                    List<String> mx = mxHosts(route);
                    ShapingPolicy p = policy;
                    return new SiteState(
                            domain,
                            mx,
                            new SiteThrottle(p.forSite(domain, mx), p.adaptive()),
                            new CopyOnWriteArrayList<>());
                });
                Destination created = new Destination(
                        k,
                        route.key(),
                        source,
                        domain,
                        route,
                        s.throttle(),
                        new SiteThrottle(policy.forSourceAtSite(s.domain(), s.mxHosts()), null));
                s.destinations().add(created);
                return created;
            });
        }
        d.route(route);
        return d;
    }

    /** The host names shaping rules match: the MX hosts of a site, the target host of a static route. */
    private static List<String> mxHosts(Route route) {
        String k = route.key();
        if (k.startsWith("mx:")) return List.of(k.substring(3).split(","));
        if (k.startsWith("route:")) {
            String target = k.substring(6);
            int colon = target.lastIndexOf(':');
            return List.of(colon > 0 ? target.substring(0, colon) : target);
        }
        return List.of();
    }

    private BounceWindow bouncing(Destination d) {
        BounceWindow b = bouncing.get(d.siteKey);
        if (b == null) return null;
        if (System.nanoTime() - b.untilNanos() >= 0) {
            bouncing.remove(d.siteKey, b);
            return null;
        }
        return b;
    }

    private void finish(CompletableFuture<Void> stored) {
        stored.whenComplete((v, e) -> {
            inFlight.decrementAndGet();
            if (e != null && running) log.error("recording a delivery outcome failed: {}", e.toString());
            wake();
        });
    }

    private void maybeConnect(Destination d) {
        while (running && !isSuspended(d) && d.wantsConnection()) {
            long downFor = d.downUntil - clock.millis();
            if (downFor > longestHoldMillis()) {
                // the clock went back since the site was held down: hold it for the normal time from
                // now, not for the size of the jump as well
                d.downUntil = clock.millis() + retry.delayAfter(1).toMillis();
                downFor = d.downUntil - clock.millis();
            }
            if (downFor > 0) {
                // (re-checked at least every second: the clock may be moved by hand in tests)
                later(d, TimeUnit.MILLISECONDS.toNanos(Math.min(downFor, 1000)));
                return;
            }
            long now = System.nanoTime();
            long messageWait = Math.max(d.site.messageWait(now), d.pair.messageWait(now));
            if (messageWait > MAX_IDLE_WAIT_NANOS) {
                later(d, messageWait);
                return;
            }
            long wait = d.site.tryOpen(now);
            if (wait < 0) return; // at the site's connection limit: a closing connection calls back
            if (wait > 0) {
                later(d, wait);
                return;
            }
            long pairWait = d.pair.tryOpen(now);
            if (pairWait != 0) {
                d.site.closed();
                if (pairWait > 0) later(d, pairWait);
                return;
            }
            if (!connectionSlots.tryAcquire()) {
                d.site.closed();
                d.pair.closed();
                starved.add(d);
                return;
            }
            d.connectionOpened();
            connect(d, 0, null, true);
        }
    }

    /** The longest a site is held down after a connection failure: the first retry delay with full jitter. */
    private long longestHoldMillis() {
        return Math.round(Math.min(retry.initial().toMillis(), retry.max().toMillis()) * (1 + retry.jitter())) + 1;
    }

    /** Tries to open connections for the destination again after {@code nanos} (once, however often asked). */
    private void later(Destination d, long nanos) {
        synchronized (d) {
            if (d.connectScheduled) return;
            d.connectScheduled = true;
        }
        timer.schedule(
                () -> worker.execute(() -> {
                    synchronized (d) {
                        d.connectScheduled = false;
                    }
                    maybeConnect(d);
                }),
                nanos,
                TimeUnit.NANOSECONDS);
    }

    private void connectionClosed(Destination d) {
        connectionSlots.release();
        d.site.closed();
        d.pair.closed();
        d.releaseConnection();
        maybeConnect(d);
        SiteState s = sites.get(d.siteKey);
        if (s != null && s.destinations().size() > 1) {
            for (Destination other : s.destinations()) if (other != d) maybeConnect(other);
        }
        Destination waiting;
        while (connectionSlots.availablePermits() > 0 && (waiting = starved.poll()) != null) maybeConnect(waiting);
    }

    private void connect(Destination d, int hostIndex, SmtpException lastFailure, boolean tls) {
        List<InetSocketAddress> hosts = d.route().hosts();
        if (hostIndex >= hosts.size()) {
            // no host of the destination could be reached: a connection-level failure defers the
            // whole queue, and the site is left alone until the first retry delay has passed
            String text = lastFailure == null ? "451 4.4.1 no reachable host" : failureText(lastFailure);
            boolean permanent = lastFailure != null && !lastFailure.isTransient();
            if (!permanent) d.downUntil = clock.millis() + retry.delayAfter(1).toMillis();
            for (QueueEntry e : d.drain())
                recordAll(e, permanent ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED, text, d, null);
            connectionSlots.release();
            d.site.closed();
            d.pair.closed();
            d.releaseConnection();
            return;
        }
        InetSocketAddress host = hosts.get(hostIndex);
        SmtpClientSettings smtp = tls ? settings.smtp() : settings.smtp().withStartTls(false);
        String ehlo = d.source.ehloName() == null || d.source.ehloName().isEmpty()
                ? settings.ehloName()
                : d.source.ehloName();
        client.connect(host, d.source.bind(), ehlo, smtp)
                .whenCompleteAsync(
                        (conn, failure) -> {
                            if (failure != null) {
                                SmtpException se = asSmtp(failure);
                                log.debug("connect to {} for {} failed: {}", host, d.key, se.getMessage());
                                if (tls && se.tlsFailure()) {
                                    // STARTTLS offered but the handshake failed: the same host again, in clear text
                                    pathMetrics.tlsFailed();
                                    connect(d, hostIndex, se, false);
                                    return;
                                }
                                react(d, se.reply());
                                if (isSuspended(d) || bouncing(d) != null) {
                                    // an automation rule took the site out: its mail waits (or was bounced), no further
                                    // host
                                    connectionClosed(d);
                                    return;
                                }
                                connect(d, hostIndex + 1, se, true);
                                return;
                            }
                            pathMetrics.connected(conn.tlsActive());
                            sendNext(d, conn, 0);
                        },
                        worker);
    }

    private void sendNext(Destination d, SmtpConnection conn, int sent) {
        int maxMessages = Math.min(
                d.site.limits().maxMessagesPerConnection(), d.pair.limits().maxMessagesPerConnection());
        if (!running || isSuspended(d) || sent >= maxMessages || !conn.isOpen() || d.isEmpty() || bouncing(d) != null) {
            conn.quit().whenComplete((v, e) -> connectionClosed(d));
            return;
        }
        long now = System.nanoTime();
        long wait = d.site.tryMessage(now);
        if (wait == 0) wait = d.pair.tryMessage(now);
        if (wait > 0) {
            if (wait > MAX_IDLE_WAIT_NANOS) {
                conn.quit().whenComplete((v, e) -> connectionClosed(d));
            } else {
                timer.schedule(() -> worker.execute(() -> sendNext(d, conn, sent)), wait, TimeUnit.NANOSECONDS);
            }
            return;
        }
        QueueEntry entry = nextSendable(d);
        if (entry == null) {
            conn.quit().whenComplete((v, e) -> connectionClosed(d));
            return;
        }
        activeTransactions.incrementAndGet();
        int maxRecipients = Math.min(
                d.site.limits().maxRecipientsPerTransaction(), d.pair.limits().maxRecipientsPerTransaction());
        List<SmtpReply> replies = new CopyOnWriteArrayList<>();
        // filled per finished transaction: when a later transaction of the entry fails, the
        // recipients of the earlier ones keep their outcome (a 250 already given is not sent again)
        Map<String, Result> finished = new ConcurrentHashMap<>();
        // a large body's tail stays in its spool file and is read in chunks while it is sent
        CompletableFuture.supplyAsync(() -> spool.openBody(entry.messageId()), worker)
                .thenCompose(body -> {
                    if (body.isEmpty()) {
                        // the message vanished from the spool (purged): nothing to send
                        return CompletableFuture.completedFuture(Map.<String, Result>of());
                    }
                    return sendEntry(conn, entry, body.get(), maxRecipients, replies, finished);
                })
                .whenCompleteAsync(
                        (results, failure) -> {
                            activeTransactions.decrementAndGet();
                            String remote = conn.remote().getAddress().getHostAddress() + ":"
                                    + conn.remote().getPort();
                            if (failure != null) {
                                SmtpException se = asSmtp(failure);
                                Map<String, Result> outcome = new HashMap<>(finished);
                                Result cut = new Result(
                                        se.isTransient() ? RecipientStatus.DEFERRED : RecipientStatus.BOUNCED,
                                        failureText(se));
                                for (RecipientState r : entry.open()) outcome.putIfAbsent(r.address(), cut);
                                finish(outcomes.record(entry, outcome, new Attempt(d.siteKey, remote, sourceName(d))));
                                react(d, se.reply());
                                conn.close();
                                connectionClosed(d);
                                return;
                            }
                            if (results.isEmpty()) {
                                inFlight.decrementAndGet();
                            } else {
                                finish(outcomes.record(entry, results, new Attempt(d.siteKey, remote, sourceName(d))));
                            }
                            for (SmtpReply r : replies) react(d, r);
                            sendNext(d, conn, sent + 1);
                        },
                        worker);
    }

    private static String sourceName(Destination d) {
        return d.source.name().isEmpty() ? null : d.source.name();
    }

    /**
     * Feeds a reply from a site to the adaptive mode and the automation rules; the first
     * matching rule acts on the whole site (every source's queue).
     */
    private void react(Destination d, SmtpReply reply) {
        if (reply == null) return;
        if (reply.positive()) {
            d.site.clean();
            return;
        }
        String enhanced = reply.enhancedCode();
        if (reply.code() == 421 || (enhanced != null && enhanced.startsWith("4.7."))) d.site.pushback();
        SiteState s = sites.get(d.siteKey);
        if (s == null) return;
        policy.automation(reply, s.domain(), s.mxHosts()).ifPresent(rule -> apply(d, rule, reply));
    }

    private void apply(Destination d, AutomationRule rule, SmtpReply reply) {
        log.info(
                "site {}: '{}' matched automation rule {}: {} for {}",
                d.siteKey,
                reply,
                rule.name(),
                rule.action().name().toLowerCase(java.util.Locale.ROOT),
                rule.duration());
        long now = System.nanoTime();
        switch (rule.action()) {
            case SUSPEND -> suspendDestination(d.siteKey, rule.duration());
            case THROTTLE ->
                d.site.backoff(
                        rule.connectionFactor(),
                        rule.rateFactor(),
                        now,
                        now + rule.duration().toNanos());
            case BOUNCE -> {
                bouncing.put(
                        d.siteKey,
                        new BounceWindow(reply.toString(), now + rule.duration().toNanos()));
                SiteState s = sites.get(d.siteKey);
                if (s == null) return;
                for (Destination q : s.destinations()) {
                    for (QueueEntry e : q.drain()) recordAll(e, RecipientStatus.BOUNCED, reply.toString(), q, null);
                }
            }
        }
    }

    /**
     * Sends the open recipients of an entry in transactions of at most {@code step} recipients;
     * {@code results} gets each transaction's outcomes as soon as it ends.
     */
    private CompletableFuture<Map<String, Result>> sendEntry(
            SmtpConnection conn,
            QueueEntry entry,
            dev.tern.queue.StoredBody body,
            int step,
            List<SmtpReply> replies,
            Map<String, Result> results) {
        List<String> open = entry.open().stream().map(RecipientState::address).toList();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        boolean eightBit = hasEightBit(body.head()) || body.tailEightBit();
        SmtpTransaction.Tail tail = body.streamed() ? new SmtpTransaction.Tail(body.tail(), body.tailSize()) : null;
        for (int i = 0; i < open.size(); i += step) {
            List<String> batch = open.subList(i, Math.min(open.size(), i + step));
            boolean utf8 = needsSmtpUtf8(entry.envelope().returnPath(), batch);
            SmtpTransaction tx =
                    new SmtpTransaction(entry.envelope().returnPath(), batch, body.head(), tail, eightBit, utf8);
            chain = chain.thenCompose(v -> {
                        long start = System.nanoTime();
                        return conn.send(tx).whenComplete((r, e) -> pathMetrics.transaction(System.nanoTime() - start));
                    })
                    .thenAccept(r -> collect(batch, r, results, replies));
        }
        return chain.thenApply(v -> results);
    }

    private static void collect(
            List<String> recipients, TransactionResult r, Map<String, Result> out, List<SmtpReply> replies) {
        if (!r.mailReply().positive()) replies.add(r.mailReply());
        for (SmtpReply rr : r.recipientReplies()) if (!rr.positive()) replies.add(rr);
        if (r.dataReply() != null) replies.add(r.dataReply());
        for (int i = 0; i < recipients.size(); i++) {
            SmtpReply reply;
            if (!r.mailReply().positive()) reply = r.mailReply();
            else if (!r.recipientReplies().get(i).positive())
                reply = r.recipientReplies().get(i);
            else reply = r.dataReply();
            if (reply == null) reply = r.recipientReplies().get(i);
            RecipientStatus status = reply.positive()
                    ? RecipientStatus.DELIVERED
                    : reply.permanentFailure() ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED;
            out.put(recipients.get(i), new Result(status, reply.toString()));
        }
    }

    private void recordAll(QueueEntry e, RecipientStatus status, String text, Destination d, String remote) {
        Map<String, Result> results = new HashMap<>();
        for (RecipientState r : e.open()) results.put(r.address(), new Result(status, text));
        finish(outcomes.record(e, results, new Attempt(d.siteKey, remote, sourceName(d))));
    }

    private static String failureText(SmtpException e) {
        return e.reply() != null
                ? e.reply().toString()
                : (e.isTransient() ? "451 4.4.2 " : "550 5.4.0 ") + e.getMessage();
    }

    private static SmtpException asSmtp(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof SmtpException se) return se;
        return new SmtpException(null, null, true, c.toString(), c);
    }

    private static boolean hasEightBit(byte[] body) {
        for (byte b : body) if (b < 0) return true;
        return false;
    }

    private static boolean needsSmtpUtf8(String from, List<String> rcpts) {
        if (!from.chars().allMatch(ch -> ch < 128)) return true;
        for (String r : rcpts) if (!r.chars().allMatch(ch -> ch < 128)) return true;
        return false;
    }

    /**
     * Stops scheduling, lets transactions in progress finish (up to {@code grace}), and hands
     * every entry not attempted back to the spool. Entries still in flight after the grace
     * period stay leased in the spool and are recovered on the next start.
     */
    public void stop(java.time.Duration grace) {
        running = false;
        Thread s = scheduler;
        if (s != null) {
            LockSupport.unpark(s);
            try {
                s.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        releaseQueued();
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            releaseQueued(); // entries routed while stopping
        }
        if (inFlight.get() > 0)
            log.warn(
                    "{} deliveries still in progress at shutdown: they stay spooled and are retried on restart",
                    inFlight.get());
    }

    /** Hands every entry waiting in a ready queue back to the spool, unattempted. */
    private void releaseQueued() {
        for (Destination d : destinations.values()) {
            for (QueueEntry e : d.drain()) {
                spool.release(e);
                inFlight.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        stop(java.time.Duration.ofSeconds(10));
        timer.shutdownNow();
        worker.shutdownNow();
    }
}
