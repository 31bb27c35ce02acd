package dev.tern.core.metrics;

import dev.tern.core.delivery.QueueManager;
import dev.tern.core.events.EventBus;
import dev.tern.queue.Envelope;
import dev.tern.queue.Spool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Tern's metrics, bound to one registry: event counters ({@link EventMetrics}), queue and
 * spool gauges ({@link ServerGauges}), and JVM, GC, thread, class loader, processor,
 * file descriptor and uptime metrics. Also owns the {@link SpoolScanner} the admin API shares.
 */
public final class TernMetrics implements AutoCloseable {
    /** Most entries one spool scan visits. */
    public static final int SCAN_LIMIT = 200_000;

    private final ExecutorService scans = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tern-spool-scan-", 0).factory());
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final SpoolScanner scanner;
    private final ServerGauges gauges;

    public TernMetrics(MeterRegistry registry, Spool spool, QueueManager engine, EventBus events, Clock clock) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        bindProcessorMetrics(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        scanner = new SpoolScanner(spool, clock, SCAN_LIMIT, 50, Duration.ofSeconds(2), scans);
        gauges = new ServerGauges(registry, spool, engine, scanner, clock);
        events.register(new EventMetrics(registry, id -> {
            try {
                return spool.envelope(id)
                        .map(Envelope::receivedAt)
                        .map(OptionalLong::of)
                        .orElse(OptionalLong.empty());
            } catch (RuntimeException closed) {
                return OptionalLong.empty();
            }
        }));
    }

    /**
     * ProcessorMetrics without its {@code process.cpu.time} counter, whose base unit "ns" gives
     * {@code process_cpu_time_ns_total} (promtool: "abbreviated units"); the process CPU time
     * is published in seconds instead, as {@code process_cpu_seconds_total}; {@code system.cpu.count}
     * becomes {@code system_cpus} (promtool refuses a {@code _count} suffix on a gauge).
     */
    private static void bindProcessorMetrics(MeterRegistry registry) {
        CompositeMeterRegistry filtered = new CompositeMeterRegistry();
        filtered.config()
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        // system_cpu_count: promtool refuses "_count" on a gauge
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                    }
                });
        filtered.add(registry);
        new ProcessorMetrics().bindTo(filtered);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("CPU time used by the process")
                    .register(registry);
        }
    }

    public SpoolScanner scanner() {
        return scanner;
    }

    /** Updates per-destination gauges; call before a scrape. */
    public void refresh() {
        gauges.refresh();
    }

    @Override
    public void close() {
        gc.close();
        scans.shutdownNow();
    }
}
