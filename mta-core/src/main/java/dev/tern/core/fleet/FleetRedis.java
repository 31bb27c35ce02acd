package dev.tern.core.fleet;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's link to the fleet's Redis (Lettuce, on Netty): one command connection, one pub/sub
 * connection, and the mode: <em>shared</em> while Redis answers, <em>degraded</em> from the first
 * command that fails or times out until a probe (every {@value #PROBE_MILLIS} ms) gets an answer
 * again. Each change of mode is logged once and shown by the gauge {@code tern_fleet_degraded};
 * commands go fast-fail while degraded (nothing is queued for later), and the parts that share
 * state resynchronise when Redis is back ({@link #onUp}).
 */
final class FleetRedis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetRedis.class);
    static final long PROBE_MILLIS = 250;
    /**
     * After Redis is reached, the node keeps to its local share this long while every node
     * registers the connections it opened alone (each probes every {@value #PROBE_MILLIS} ms), so
     * that the fleet's count is whole before any node uses the full limits again.
     */
    static final long SETTLE_MILLIS = 1000;

    /** Redis did not answer (down, unreachable, timed out): the caller acts on its own. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    private final RedisURI uri;
    private final String display;
    private final Duration timeout;
    private final double localShare;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService timer;
    private final Map<String, String> shas = new ConcurrentHashMap<>();
    private final List<Runnable> onUp = new CopyOnWriteArrayList<>();
    private final List<String> channels = new CopyOnWriteArrayList<>();
    private volatile BiConsumer<String, String> onMessage = (c, m) -> {};
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile boolean up;
    private volatile boolean closed;
    /** While the probe runs the before-up hooks: commands allowed, not yet shared. */
    private volatile boolean probing;

    private volatile boolean probeFailed;
    private volatile long settledAtNanos;
    private final List<Runnable> beforeUp = new CopyOnWriteArrayList<>();
    private volatile boolean everUp;
    private volatile boolean startLogged;
    private final Object modeLock = new Object();
    private final AtomicLong commands = new AtomicLong();
    private final Counter commandCounter;
    private final Counter degradedCounter;

    FleetRedis(
            String url, Duration timeout, double localShare, ScheduledExecutorService timer, MeterRegistry registry) {
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(timeout);
        this.display = uri.getHost() + ":" + uri.getPort();
        this.timeout = timeout;
        this.localShare = localShare;
        this.timer = timer;
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.constant(Duration.ofMillis(PROBE_MILLIS)))
                // the JDK's resolver (hosts file, then DNS): Netty's DNS resolver takes seconds to start
                .addressResolverGroup(io.netty.resolver.DefaultAddressResolverGroup.INSTANCE)
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(timeout.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : timeout)
                        .build())
                .build());
        this.commandCounter = Counter.builder("tern_fleet_redis_commands")
                .description("Redis round trips made by this node for the fleet")
                .register(registry);
        this.degradedCounter = Counter.builder("tern_fleet_degraded_transitions")
                .description("Times this node lost Redis and went to degraded mode (local share of every limit)")
                .register(registry);
        Gauge.builder("tern_fleet_degraded", this, r -> r.shared() ? 0 : 1)
                .description("1 while this node enforces its local share of every limit (Redis unreachable, or"
                        + " back for less than a second while the fleet settles)")
                .register(registry);
    }

    /** Tries to connect now; if Redis is not there, starts degraded and keeps probing. */
    void start() {
        probe();
    }

    /** Subscribes to {@code channels}; each message goes to {@code handler} (on a Lettuce thread: hand it off). */
    void subscribe(BiConsumer<String, String> handler, String... names) {
        onMessage = handler;
        channels.addAll(List.of(names));
    }

    /** Runs {@code r} each time Redis is reached (at start and after each outage), on the fleet timer. */
    void onUp(Runnable r) {
        onUp.add(r);
    }

    /** Runs {@code r} each time Redis is reached, before the node counts as up (commands are allowed). */
    void beforeUp(Runnable r) {
        beforeUp.add(r);
    }

    /** True while Redis answers (commands are sent). */
    boolean up() {
        return up;
    }

    /** True while Redis answers or the probe registers this node's state in it. */
    boolean reachable() {
        return up || probing;
    }

    /** True once Redis answers and the fleet has settled: limits are shared in full. */
    boolean shared() {
        return up && System.nanoTime() - settledAtNanos >= 0;
    }

    /** The fraction of every limit enforced alone now: 1 while shared, the local share otherwise. */
    double localFactor() {
        return shared() ? 1 : localShare;
    }

    /** Redis round trips made so far. */
    long commands() {
        return commands.get();
    }

    String display() {
        return display;
    }

    /** Runs one command (one round trip); a failure puts the node in degraded mode. */
    <T> T call(Function<RedisCommands<String, String>, T> command) throws Unavailable {
        StatefulRedisConnection<String, String> c = connection;
        if (!(up || probing) || c == null) throw new Unavailable("Redis " + display + " unavailable");
        try {
            commands.incrementAndGet();
            commandCounter.increment();
            return command.apply(c.sync());
        } catch (RedisException | IllegalStateException e) {
            if (probing) probeFailed = true;
            else down(e);
            throw new Unavailable("Redis " + display + ": " + e.getMessage());
        }
    }

    /** Runs a Lua script by its digest, loading it first if Redis does not know it (after a restart). */
    <T> T script(String source, ScriptOutputType type, String[] keys, String... args) throws Unavailable {
        String sha = shas.computeIfAbsent(source, FleetRedis::sha1);
        return call(r -> {
            try {
                return r.evalsha(sha, type, keys, args);
            } catch (RedisNoScriptException e) {
                return r.eval(source, type, keys, args);
            }
        });
    }

    private static String sha1(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-1")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void down(Throwable cause) {
        synchronized (modeLock) {
            if (!up || closed) return;
            up = false;
        }
        degradedCounter.increment();
        log.warn(
                "fleet: Redis {} unreachable ({}): degraded mode, this node enforces {}% of every shared limit alone",
                display,
                cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(),
                Math.round(localShare * 1000) / 10.0);
        schedule();
    }

    private void schedule() {
        if (closed) return;
        try {
            timer.schedule(this::probe, PROBE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Connects (if needed) and PINGs; on an answer, goes to shared mode and resynchronises. */
    private void probe() {
        if (closed || up) return;
        try {
            if (connection == null) {
                StatefulRedisConnection<String, String> c = client.connect();
                c.setTimeout(timeout);
                connection = c;
            }
            if (pubsub == null && !channels.isEmpty()) {
                StatefulRedisPubSubConnection<String, String> p = client.connectPubSub();
                p.setTimeout(timeout);
                p.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        onMessage.accept(channel, message);
                    }
                });
                p.sync().subscribe(channels.toArray(String[]::new));
                pubsub = p;
            }
            connection.sync().ping();
            if (pubsub != null) pubsub.sync().ping();
        } catch (RedisException | IllegalStateException e) {
            if (!closed && !everUp && !startLogged) {
                startLogged = true;
                log.warn(
                        "fleet: Redis {} unreachable at start ({}): degraded mode, this node enforces {}% of every"
                                + " shared limit alone until it answers",
                        display, e.getMessage(), Math.round(localShare * 1000) / 10.0);
            }
            schedule();
            return;
        }
        probeFailed = false;
        probing = true;
        try {
            for (Runnable r : beforeUp) r.run();
        } finally {
            probing = false;
        }
        if (probeFailed) {
            schedule();
            return;
        }
        boolean first;
        synchronized (modeLock) {
            if (closed) return;
            first = !everUp;
            everUp = true;
            settledAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
            up = true;
        }
        if (first) log.info("fleet: Redis {} reachable: limits, holds and suppressions are shared", display);
        else log.info("fleet: Redis {} reachable again: shared limits, holds and suppressions resume", display);
        for (Runnable r : onUp) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("fleet: resynchronising after Redis came back: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        up = false;
        try {
            if (pubsub != null) pubsub.close();
            if (connection != null) connection.close();
        } catch (RuntimeException e) {
            log.debug("fleet: closing Redis connections: {}", e.toString());
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
