package dev.tern.core.telemetry;

import dev.tern.queue.SpoolObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Meters of the message path that events cannot give: injection latency (end of DATA to
 * durable), SMTP transaction time, outbound TLS use, and the spool's group commits.
 */
public final class PathMetrics implements SpoolObserver {
    private final Timer injection;
    private final Timer transaction;
    private final Timer spoolSync;
    private final DistributionSummary commitWrites;
    private final Counter tlsUsed;
    private final Counter tlsNotOffered;
    private final Counter tlsFailed;
    private final java.util.Map<Refusal, Counter> refusals = new java.util.EnumMap<>(Refusal.class);
    private final Counter authFailures;
    private final java.util.Map<String, Counter> hostAttempts = new java.util.concurrent.ConcurrentHashMap<>();
    private final MeterRegistry registry;

    /**
     * How one connection attempt to one host ended ({@code tern_outbound_attempts_total{outcome}}):
     * {@code connected}, or the connection-level failure.
     */
    public static final java.util.List<String> HOST_OUTCOMES = java.util.List.of(
            "connected",
            "connect_failed",
            "timeout",
            "greeting_refused",
            "ehlo_refused",
            "tls_failed",
            "connection_lost");

    /** Why injection refused a message or recipient ({@code tern_injection_refusals_total{reason}}). */
    public enum Refusal {
        /** RCPT refused: the recipient is on the suppression list. */
        SUPPRESSED,
        /** The message's campaign is paused. */
        CAMPAIGN_PAUSED,
        /** An authenticated user is over its message rate. */
        RATE_LIMITED,
        /** X-Tern-Pool names no configured pool. */
        UNKNOWN_POOL,
        /** X-Tern-Tenant is not on injection.tags.tenants. */
        UNKNOWN_TENANT,
        /** An authenticated user named a tenant or pool it may not use. */
        NOT_PERMITTED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public PathMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String o : HOST_OUTCOMES) hostAttempts.put(o, hostAttemptCounter(o));
        for (Refusal r : Refusal.values()) {
            refusals.put(
                    r,
                    Counter.builder("tern.injection.refusals")
                            .tag("reason", r.label())
                            .description("Messages or recipients refused at injection, by reason")
                            .register(registry));
        }
        authFailures = Counter.builder("tern.injection.auth.failures")
                .description("Failed SMTP AUTH attempts (wrong name or password, or locked out)")
                .register(registry);
        injection = Timer.builder("tern.injection.latency")
                .description(
                        "From the end of DATA to the message being durable in the spool (what the client waits for the 250)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        transaction = Timer.builder("tern.smtp.transaction.duration")
                .description("Outbound SMTP transaction time, MAIL to the reply after DATA")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        spoolSync = Timer.builder("tern.spool.sync.duration")
                .description("Spool WAL sync time per group commit")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(20_000))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
        commitWrites = DistributionSummary.builder("tern.spool.commit.writes")
                .description("Writes sharing one WAL sync (group commit size)")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(4096.0)
                .register(registry);
        tlsUsed = Counter.builder("tern.outbound.sessions")
                .tag("tls", "used")
                .description("Outbound SMTP sessions established, by TLS outcome (used, none, failed handshake)")
                .register(registry);
        tlsNotOffered = Counter.builder("tern.outbound.sessions")
                .tag("tls", "none")
                .description("Outbound SMTP sessions established, by TLS outcome (used, none, failed handshake)")
                .register(registry);
        tlsFailed = Counter.builder("tern.outbound.sessions")
                .tag("tls", "failed")
                .description("Outbound SMTP sessions established, by TLS outcome (used, none, failed handshake)")
                .register(registry);
    }

    /** Injection refused a message or recipient for {@code reason}. */
    public void refused(Refusal reason) {
        refusals.get(reason).increment();
    }

    /** An SMTP AUTH attempt failed. */
    public void authFailed() {
        authFailures.increment();
    }

    public void injected(long nanos) {
        injection.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void transaction(long nanos) {
        transaction.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** An outbound connection was established; {@code tls} true when STARTTLS is active. */
    public void connected(boolean tls) {
        (tls ? tlsUsed : tlsNotOffered).increment();
    }

    private Counter hostAttemptCounter(String outcome) {
        return Counter.builder("tern.outbound.attempts")
                .tag("outcome", outcome)
                .description("Outbound connection attempts per host tried (MX failover included), by outcome")
                .register(registry);
    }

    /** One host was tried: {@code outcome} is one of {@link #HOST_OUTCOMES}. */
    public void hostAttempt(String outcome) {
        Counter c = hostAttempts.get(outcome);
        if (c == null) c = hostAttempts.computeIfAbsent(outcome, this::hostAttemptCounter);
        c.increment();
    }

    /** A STARTTLS handshake failed (the host is retried without TLS). */
    public void tlsFailed() {
        tlsFailed.increment();
    }

    @Override
    public void committed(int writes, long syncNanos) {
        commitWrites.record(writes);
        spoolSync.record(syncNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
