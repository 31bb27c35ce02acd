package dev.tern.core.server;

import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.core.admin.AdminApi;
import dev.tern.core.admin.AdminContext;
import dev.tern.core.admin.AdminServer;
import dev.tern.core.config.TernConfig;
import dev.tern.core.delivery.QueueManager;
import dev.tern.core.delivery.RetryPolicy;
import dev.tern.core.delivery.Router;
import dev.tern.core.delivery.StaticRoutes;
import dev.tern.core.delivery.smtp.SmtpClient;
import dev.tern.core.delivery.smtp.SmtpClientSettings;
import dev.tern.core.dns.DnsSettings;
import dev.tern.core.dns.MxResolver;
import dev.tern.core.eventloop.EventLoops;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventLogForwarder;
import dev.tern.core.events.JsonLinesEventLog;
import dev.tern.core.events.KafkaSink;
import dev.tern.core.events.WebhookSink;
import dev.tern.core.feedback.Feedback;
import dev.tern.core.inject.DkimSigning;
import dev.tern.core.inject.InjectionListener;
import dev.tern.core.metrics.TernMetrics;
import dev.tern.core.reload.ReloadReport;
import dev.tern.core.reload.ReloadSignal;
import dev.tern.core.reload.Reloader;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: opens the spool, starts delivery, the injection listener and the
 * admin server from one {@link TernConfig}; {@link #close()} stops them in reverse order, and a
 * start that fails half-way closes what it had started. Its {@link Reloader} is the one reload
 * (SIGHUP, admin API, {@code tern reload}).
 */
public final class TernServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TernServer.class);

    private final TernConfig config;
    private final Spool spool;
    private final EventBus events = new EventBus();
    private final EventLoopGroup group;
    private final SmtpClient smtpClient;
    private final QueueManager delivery;
    private final dev.tern.core.tlspolicy.TlsPolicyService tlsPolicies;
    private final InjectionListener injection;
    private final DkimSigning dkim;
    private final AdminServer admin;
    private final dev.tern.core.console.Console console;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TernMetrics metrics;
    private final dev.tern.core.telemetry.PathMetrics pathMetrics = new dev.tern.core.telemetry.PathMetrics(registry);
    private final Feedback feedback;
    private dev.tern.core.unsubscribe.OneClickServer oneClick; // null: no unsubscribe.listen
    private final EventLogForwarder webhook;
    private final EventLogForwarder kafka;
    private final java.nio.file.Path configFile;
    private final Reloader reloader;
    private final Lifecycle lifecycle;
    private final dev.tern.core.fleet.Fleet fleet;

    private TernServer(TernConfig config, Clock clock, java.nio.file.Path configFile) {
        this.config = config;
        this.configFile = configFile;
        Lifecycle life = new Lifecycle();
        try {
            TernConfig.Spool sc = config.spool();
            TernConfig.RocksDb rc = sc.rocksdb();
            spool = life.add(
                    "spool",
                    Spool.open(new SpoolSettings(
                            sc.directory(),
                            sc.sync(),
                            sc.minFreeDisk().bytes(),
                            new SpoolSettings.Tuning(
                                    rc.writeBuffer().bytes(),
                                    rc.blockCache().bytes(),
                                    rc.blobMinSize().bytes(),
                                    rc.backgroundJobs()),
                            pathMetrics,
                            sc.bodyCache().bytes())));
            if (spool.recoveredCount() > 0)
                log.info("recovered {} queue entries that were in flight at the last stop", spool.recoveredCount());
            TernConfig.Events ec = config.events();
            life.add("events", events);
            JsonLinesEventLog eventLog = new JsonLinesEventLog(
                    ec.log(),
                    new JsonLinesEventLog.Rotation(ec.rotateSize().bytes(), ec.rotateInterval(), ec.keep()),
                    clock);
            events.register(eventLog);
            ReplyClassifier classifier = ReplyClassifier.shipped();
            feedback = life.add("feedback", Feedback.create(config, spool, events, classifier, registry, clock));
            webhook = ec.webhook().enabled()
                    ? life.add("webhook", WebhookSink.forwarder(webhookSettings(ec), eventLog, registry, clock))
                    : null;
            kafka = config.fleet() != null && config.fleet().kafka().enabled()
                    ? life.add("kafka", KafkaSink.forwarder(kafkaSettings(config), eventLog, registry, clock))
                    : null;
            dkim = life.add("dkim", new DkimSigning(config.dkim(), registry));
            // the engine's executors close after the event loops, so that deliveries those cut end first
            java.util.concurrent.atomic.AtomicReference<QueueManager> engineRef =
                    new java.util.concurrent.atomic.AtomicReference<>();
            life.onClose("delivery", () -> {
                if (engineRef.get() != null) engineRef.get().close();
            });
            int loops = config.delivery().effectiveEventLoops();
            group = EventLoops.newGroup(loops);
            if (EventLoops.transportOf(group) == EventLoops.Transport.EPOLL)
                log.info("event loops: {} on native epoll", loops);
            else
                log.info(
                        "event loops: {} on NIO (native epoll unavailable: {})",
                        loops,
                        EventLoops.unavailabilityCause());
            life.onClose(
                    "event loops",
                    () -> group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS)
                            .syncUninterruptibly());
            TernConfig.Delivery dc = config.delivery();
            SmtpClientSettings smtp = smtpSettings(dc.timeouts());
            smtpClient = life.add("smtp client", new SmtpClient(group, smtp));
            TernConfig.Dns dnsc = config.dns();
            DnsSettings dd = DnsSettings.defaults();
            MxResolver resolver = new MxResolver(
                    new DnsSettings(
                            dnsc.servers().stream()
                                    .map(h -> new InetSocketAddress(h.host(), h.port()))
                                    .toList(),
                            dnsc.timeout(),
                            dnsc.attempts(),
                            dnsc.cacheSize(),
                            dd.negativeTtl(),
                            dd.maxTtl(),
                            dd.failureTtl()),
                    registry,
                    clock,
                    () -> java.util.concurrent.ThreadLocalRandom.current().nextLong(),
                    java.util.concurrent.ForkJoinPool.commonPool());
            Router router = new Router(new StaticRoutes(config.routes()), resolver, dc.smtpPort());
            TernConfig.Retry r = dc.retry();
            String ehlo = dc.ehloName().isEmpty() ? config.server().hostname() : dc.ehloName();
            delivery = new QueueManager(
                    spool,
                    router,
                    smtpClient,
                    events,
                    new RetryPolicy(r.initial(), r.multiplier(), r.max(), r.jitter()),
                    classifier,
                    new QueueManager.Settings(ehlo, dc.maxConnections(), 20_000, 50, smtp, dc.idleConnectionTimeout()),
                    clock,
                    dev.tern.core.delivery.DeliverySetup.policy(dc),
                    dev.tern.core.delivery.DeliverySetup.pools(dc, ehlo),
                    pathMetrics);
            engineRef.set(delivery);
            QueueManager engine = delivery;
            // a fleet shares limits, holds and suppressions on Redis; alone (no fleet: section), nothing of it runs
            fleet = config.inFleet() && config.fleet().sharesOnRedis()
                    ? life.add(
                            "fleet",
                            dev.tern.core.fleet.Fleet.join(
                                    config.fleet(), config.server().hostname(), spool, engine, registry, clock))
                    : null;
            // outbound TLS policies (MTA-STS, DANE) and TLS-RPT reports, queued to the rua through Tern
            tlsPolicies = life.add(
                    "tls policies",
                    dev.tern.core.tlspolicy.TlsPolicyService.create(
                            config,
                            clock,
                            dev.tern.core.tlspolicy.TlsPolicyService.spoolSubmitter(
                                    spool,
                                    engine::wake,
                                    clock,
                                    dc.maxAge(),
                                    dev.tern.core.inject.MessageIds::next,
                                    dkim::sign),
                            dev.tern.core.inject.MessageIds::next,
                            true));
            smtpClient.trust(tlsPolicies.trust());
            delivery.tlsPolicies(tlsPolicies.policies());
            events.register(new WakeOnReception(engine::wake));
            events.register(new CampaignPauseHolds(new CampaignPauseHolds.Holds() {
                @Override
                public void hold(String campaign, String reason, boolean byGuard) {
                    // a hold already there (an operator's suspend) is kept as it is
                    HoldTarget t = new HoldTarget(HoldTarget.Kind.CAMPAIGN, campaign);
                    if (engine.hold(t).isEmpty())
                        engine.hold(t, reason, byGuard ? HoldOrigin.CAMPAIGN_GUARD : HoldOrigin.OPERATOR, null);
                }

                @Override
                public void release(String campaign) {
                    engine.release(new HoldTarget(HoldTarget.Kind.CAMPAIGN, campaign));
                }
            }));
            // pauses kept in the spool from before a restart hold their queued mail again
            // (holds are in the spool too: this covers a pause kept from before holds were)
            feedback.campaigns().paused().forEach(campaign -> {
                HoldTarget t = new HoldTarget(HoldTarget.Kind.CAMPAIGN, campaign);
                if (engine.hold(t).isEmpty()) engine.hold(t, "paused", HoldOrigin.CAMPAIGN_GUARD, null);
            });
            metrics = life.add("metrics", new TernMetrics(registry, spool, delivery, events, clock));
            java.util.concurrent.atomic.AtomicReference<String> token =
                    new java.util.concurrent.atomic.AtomicReference<>(
                            dev.tern.core.admin.AdminToken.resolve(config.admin()));
            java.util.concurrent.atomic.AtomicReference<String> scrapeToken =
                    new java.util.concurrent.atomic.AtomicReference<>(
                            config.admin().token());
            java.util.concurrent.atomic.AtomicReference<java.util.Map<String, dev.tern.core.config.HostPort>> routes =
                    new java.util.concurrent.atomic.AtomicReference<>(config.routes());
            reloader = ReloadParts.register(
                    new Reloader(configFile, config), config, router, routes, token, scrapeToken, delivery, dkim);
            AdminContext adminContext = new AdminContext(
                    config,
                    configFile,
                    spool,
                    delivery,
                    router,
                    events,
                    clock,
                    metrics.scanner(),
                    feedback.campaigns(),
                    token,
                    routes,
                    reloader,
                    scrapeToken,
                    queueId -> {
                        try {
                            return new dev.tern.core.console.EventHistory(eventLog)
                                    .search(queueId, dev.tern.core.console.EventHistory.By.QUEUE_ID)
                                    .events();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            AdminApi adminApi = new AdminApi(adminContext);
            console =
                    life.add("console", new dev.tern.core.console.Console(adminApi, adminContext, eventLog, registry));
            admin = life.add(
                    "admin",
                    new AdminServer(
                            group,
                            config.admin().listen().toSocketAddress(),
                            registry,
                            metrics::refresh,
                            adminApi,
                            console));
            if (config.unsubscribe().listen() != null && feedback.unsubscribes() != null)
                oneClick = life.add(
                        "unsubscribe listener",
                        new dev.tern.core.unsubscribe.OneClickServer(
                                group, config.unsubscribe(), feedback.unsubscribes(), clock));
            delivery.start();
            life.onClose("delivery (graceful stop)", () -> engine.stop(Duration.ofSeconds(10)));
            injection = life.add(
                    "injection", new InjectionListener(config, spool, events, dkim, clock, feedback, pathMetrics));
            injection.start();
            InjectionListener listener = injection;
            io.micrometer.core.instrument.Gauge.builder("tern.draining", listener, l -> l.draining() ? 1 : 0)
                    .description("1 while this node drains (tern drain): new SMTP sessions get 421 4.3.2")
                    .register(registry);
            adminApi.drainGate(new dev.tern.core.admin.DrainResource.Gate() {
                @Override
                public void drain(boolean on) {
                    listener.drain(on);
                }

                @Override
                public boolean draining() {
                    return listener.draining();
                }

                @Override
                public int openSessions() {
                    return listener.openConnections();
                }
            });
            life.add("SIGHUP handler", ReloadSignal.install(reloader));
        } catch (Throwable e) { // also Netty's undeclared BindException
            life.close();
            throw e;
        }
        this.lifecycle = life;
        log.info(
                "Tern started: SMTP injection on {}, admin/metrics on http://{}/metrics, spool {}, events {}",
                format(injection.address()),
                format(admin.address()),
                config.spool().directory(),
                config.events().log());
    }

    private static WebhookSink.Settings webhookSettings(TernConfig.Events ec) {
        TernConfig.Webhook w = ec.webhook();
        java.nio.file.Path cursor = w.cursor().isEmpty()
                ? ec.log().toAbsolutePath().resolveSibling(ec.log().getFileName() + ".webhook-cursor")
                : java.nio.file.Path.of(w.cursor());
        return new WebhookSink.Settings(
                java.net.URI.create(w.url()),
                w.headers(),
                w.batchSize(),
                w.batchInterval(),
                w.timeout(),
                w.retryInitial(),
                w.retryMax(),
                cursor,
                w.secret());
    }

    private static KafkaSink.Settings kafkaSettings(TernConfig config) {
        TernConfig.Events ec = config.events();
        dev.tern.core.config.KafkaEvents k = config.fleet().kafka();
        java.nio.file.Path cursor = k.cursor().isEmpty()
                ? ec.log().toAbsolutePath().resolveSibling(ec.log().getFileName() + ".kafka-cursor")
                : java.nio.file.Path.of(k.cursor());
        String node = config.fleet().nodeId().isEmpty()
                ? config.server().hostname()
                : config.fleet().nodeId();
        return new KafkaSink.Settings(
                k.bootstrap(),
                k.topic(),
                node,
                k.batchSize(),
                k.deliveryTimeout(),
                k.retryInitial(),
                k.retryMax(),
                cursor,
                k.properties());
    }

    private static SmtpClientSettings smtpSettings(TernConfig.Timeouts t) {
        return new SmtpClientSettings(
                t.connect(),
                t.banner(),
                t.ehlo(),
                t.mail(),
                t.rcpt(),
                t.dataInit(),
                t.dataBlock(),
                t.dataEnd(),
                t.quit(),
                true,
                false);
    }

    /** Starts Tern; fails (with everything opened so far closed) if any part cannot start. */
    public static TernServer start(TernConfig config, Clock clock) {
        return new TernServer(config, clock, null);
    }

    /** Starts Tern with the configuration read from {@code configFile}, which the admin API's reload reads again. */
    public static TernServer start(TernConfig config, Clock clock, java.nio.file.Path configFile) {
        return new TernServer(config, clock, configFile);
    }

    public static TernServer start(TernConfig config) {
        return start(config, Clock.systemUTC());
    }

    /**
     * Applies what can change without a restart from {@code next} (the shaping file it names is
     * read again) and reports every section: what SIGHUP and the admin API's reload do with the
     * configuration file.
     *
     * @throws dev.tern.core.config.ConfigException if {@code next} cannot be applied (nothing changes)
     */
    public ReloadReport reload(TernConfig next) {
        return reloader.reload(next);
    }

    /**
     * Reloads from the configuration file Tern was started with (SIGHUP does this); started
     * without one, reads the files the running configuration names (the shaping file) again.
     */
    public ReloadReport reload() {
        return reloader.reload();
    }

    /** Outbound TLS policies and TLS-RPT reports. */
    public dev.tern.core.tlspolicy.TlsPolicyService tlsPolicies() {
        return tlsPolicies;
    }

    /** The queue manager (queues, limits, holds). */
    public QueueManager delivery() {
        return delivery;
    }

    public InetSocketAddress injectionAddress() {
        return injection.address();
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    public Spool spool() {
        return spool;
    }

    public EventBus events() {
        return events;
    }

    public TernConfig config() {
        return config;
    }

    /** Address of the one-click unsubscribe listener, or null when {@code unsubscribe.listen} is unset. */
    public InetSocketAddress unsubscribeAddress() {
        return oneClick == null ? null : oneClick.address();
    }

    /** Suppression policy, feedback intake, VERP and campaign health ({@code feedback().campaigns()}). */
    public Feedback feedback() {
        return feedback;
    }

    /** This node's fleet membership, or null when the node is alone (no {@code fleet:} section). */
    public dev.tern.core.fleet.Fleet fleet() {
        return fleet;
    }

    /** The webhook forwarder, or null when no webhook is configured. */
    public EventLogForwarder webhook() {
        return webhook;
    }

    /** The Kafka event sink, or null when {@code fleet.kafka} has no bootstrap address. */
    public EventLogForwarder kafka() {
        return kafka;
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Graceful stop: no new sessions, deliveries in progress get a grace period (the rest stay
     * spooled), then the spool is closed cleanly.
     */
    @Override
    public void close() {
        log.info("Tern stopping");
        lifecycle.close();
        log.info("Tern stopped");
    }
}
