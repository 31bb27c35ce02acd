package dev.tern.bench.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tern.bench.load.Args;
import dev.tern.bench.load.SmtpLoad;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * The soak benchmark of issue 9, driven against a running Tern (started by
 * {@code benchmarks/relay/soak.sh}): a {@link SoakSink} on the port Tern routes every domain to,
 * an unpaced {@link SmtpLoad} to measure Tern's maximum end-to-end rate (unless given), then a
 * load paced at a fraction of it for N minutes with 5 % of recipients deferred once and 2 %
 * bounced by the sink. Every ~10 s it samples counts, queue, heap and RSS, and the latency of the
 * interval from Tern's event log; after the injection it waits for the queue to drain (retries
 * included), checks that nothing was lost, that memory stayed flat and that latency did not
 * drift, prints a table and writes the samples and the verdict as JSON lines.
 *
 * <pre>
 * bench main dev.tern.bench.soak.SoakMain --inject 127.0.0.1:31048 --sink-port 31046 \
 *     --metrics http://127.0.0.1:31049/metrics --events DIR/events.jsonl --pid PID --out DIR \
 *     [--minutes 10] [--rate-fraction 0.7] [--max-rate R] [--measure-msgs 20000] [--sessions 50]
 *     [--size 5k] [--defer-pct 5] [--bounce-pct 2] [--interval 10] [--drain-seconds 180] [--gc-log FILE]
 * </pre>
 * Exit status 0 when nothing was lost, 1 otherwise (memory and latency verdicts are reported).
 */
public final class SoakMain {
    private static final String DOMAIN = "@example.test";

    private final Args a;
    private final PrintStream out = System.out;
    private final InetSocketAddress inject;
    private final URI metrics;
    private final long pid;
    private final int sessions;
    private final int size;
    private final SoakSink sink;
    private final EventTail events;
    private final GcLog gcLog;

    private SoakMain(Args a, SoakSink sink) {
        this.a = a;
        this.sink = sink;
        this.inject = Args.hostPort(a.required("inject"));
        this.metrics = URI.create(a.required("metrics"));
        this.pid = Long.parseLong(a.required("pid"));
        this.sessions = a.getInt("sessions", 50);
        this.size = Args.size(a.get("size", "5120"));
        this.events = new EventTail(Path.of(a.required("events")));
        this.gcLog = a.has("gc-log") ? new GcLog(Path.of(a.get("gc-log", ""))) : null;
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args(
                argv,
                Set.of(
                        "inject",
                        "sink-port",
                        "metrics",
                        "events",
                        "pid",
                        "out",
                        "minutes",
                        "rate-fraction",
                        "max-rate",
                        "measure-msgs",
                        "sessions",
                        "size",
                        "defer-pct",
                        "bounce-pct",
                        "interval",
                        "drain-seconds",
                        "label",
                        "gc-log"));
        try (SoakSink sink = new SoakSink(Integer.parseInt(a.required("sink-port")))) {
            System.exit(new SoakMain(a, sink).run() ? 0 : 1);
        }
    }

    private boolean run() throws Exception {
        double minutes = a.getDouble("minutes", 10);
        double fraction = a.getDouble("rate-fraction", 0.7);
        int deferPct = a.getInt("defer-pct", 5);
        int bouncePct = a.getInt("bounce-pct", 2);
        long intervalMs = Math.round(a.getDouble("interval", 10) * 1000);
        Path outDir = Path.of(a.required("out"));
        Files.createDirectories(outDir);
        String stamp = a.has("label")
                ? a.get("label", "")
                : Instant.now().toString().replaceAll("[-:]", "").replaceAll("\\.\\d+", "");
        Path results = outDir.resolve("soak-" + stamp + ".jsonl");

        // 1. the maximum end-to-end rate (also warms Tern up), unless given
        long measureMsgs = a.getInt("measure-msgs", 20000);
        double maxRate;
        String maxSource;
        if (a.has("max-rate")) {
            maxRate = a.getDouble("max-rate", 0);
            maxSource = "given";
            measureMsgs = 0;
        } else {
            maxRate = measureMax(measureMsgs);
            maxSource = "measured (" + measureMsgs + " messages, unpaced, " + sessions + " sessions)";
        }
        double rate = fraction * maxRate;
        out.printf(
                Locale.ROOT,
                "max e2e rate %.0f msg/s %s; soak at %.2f x = %.0f msg/s for %.1f min, %d%% deferred once,"
                        + " %d%% bounced, %d sessions, %d-byte messages%n",
                maxRate,
                maxSource,
                fraction,
                rate,
                minutes,
                deferPct,
                bouncePct,
                sessions,
                size);
        events.poll(); // skip the measurement's events
        if (gcLog != null) gcLog.poll();

        // 2. the soak: paced load in the background, samples in the foreground
        long offset = measureMsgs;
        LongFunction<String> recipient = i -> {
            long k = i % 100;
            String kind = k < deferPct ? "defer-" : k < deferPct + bouncePct ? "bounce-" : "rcpt-";
            return kind + (offset + i) + DOMAIN;
        };
        SmtpLoad load = new SmtpLoad(new SmtpLoad.Settings(
                inject,
                sessions,
                rate,
                size,
                Long.MAX_VALUE,
                Duration.ofMillis(Math.round(minutes * 60_000)),
                "sender@bench.localdomain",
                recipient));
        PromScrape base = PromScrape.fetch(metrics);
        long sinkBase = sink.delivered();
        long t0 = System.nanoTime();
        CompletableFuture<SmtpLoad.Result> running = CompletableFuture.supplyAsync(() -> {
            try {
                return load.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        List<Sample> samples = new ArrayList<>();
        ObjectMapper json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        long drainLimitMs = Math.round(a.getDouble("drain-seconds", 180) * 1000);
        long drainStart = -1;
        long lastInjected = 0;
        long lastT = t0;
        header();
        try (Writer w = Files.newBufferedWriter(results, StandardCharsets.UTF_8)) {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("type", "settings");
            settings.put("label", a.get("label", ""));
            settings.put("max_rate", maxRate);
            settings.put("max_rate_source", maxSource);
            settings.put("rate_fraction", fraction);
            settings.put("target_rate", rate);
            settings.put("minutes", minutes);
            settings.put("defer_pct", deferPct);
            settings.put("bounce_pct", bouncePct);
            settings.put("sessions", sessions);
            settings.put("size", size);
            w.write(json.writeValueAsString(settings) + "\n");
            while (true) {
                long due = t0 + (samples.size() + 1) * intervalMs * 1_000_000;
                boolean injecting = !running.isDone();
                while (System.nanoTime() < due && (injecting == !running.isDone())) Thread.sleep(50);
                long now = System.nanoTime();
                PromScrape m = PromScrape.fetch(metrics);
                EventTail.Interval iv = events.poll();
                GcLog.Interval gc = gcLog == null ? new GcLog.Interval(0, Double.NaN) : gcLog.poll();
                long injected = load.accepted();
                long bounced = (long) (m.sum("tern_messages_bounced_total") - base.sum("tern_messages_bounced_total"));
                long deferred =
                        (long) (m.sum("tern_messages_deferred_total") - base.sum("tern_messages_deferred_total"));
                long queued = (long) m.sum("tern_spool_entries");
                long delivered = sink.delivered() - sinkBase;
                String phase = injecting ? "soak" : "drain";
                Sample s = new Sample(
                        (now - t0) / 1e9,
                        phase,
                        (injected - lastInjected) / ((now - lastT) / 1e9),
                        injected,
                        delivered,
                        bounced,
                        deferred,
                        queued,
                        mib(m.sum("jvm_memory_used_bytes", "area=\"heap\"")),
                        gc.minAfterMiB(),
                        mib(m.sum("jvm_gc_live_data_size_bytes")),
                        rssMiB(),
                        iv.p50(),
                        iv.p99(),
                        iv.retriedMs().length,
                        iv.retriedP50());
                samples.add(s);
                row(s);
                w.write(json.writeValueAsString(withType("sample", s)) + "\n");
                w.flush();
                lastInjected = injected;
                lastT = now;
                if (running.isDone()) {
                    if (drainStart < 0) drainStart = now;
                    boolean settled = queued == 0 && delivered + bounced >= injected;
                    if (settled || (now - drainStart) / 1_000_000 > drainLimitMs) break;
                }
            }
            SmtpLoad.Result r = running.join();
            Sample last = samples.get(samples.size() - 1);
            SoakVerdict v = SoakVerdict.of(samples, r.accepted(), last.delivered(), last.bounced(), last.queued());
            PromScrape m = PromScrape.fetch(metrics);
            long ternInjected =
                    (long) (m.sum("tern_messages_injected_total") - base.sum("tern_messages_injected_total"));
            List<String> lines = new ArrayList<>(v.lines());
            lines.add(String.format(
                    Locale.ROOT,
                    "injector: %d accepted in %.1f s = %.1f msg/s (target %.1f, %.1f %% of the"
                            + " max), %d refused, %d connection errors; Tern counted %d injected%s",
                    r.accepted(),
                    r.seconds(),
                    r.rate(),
                    rate,
                    100 * r.rate() / maxRate,
                    r.refused(),
                    r.errors(),
                    ternInjected,
                    ternInjected == r.accepted() ? "" : " (DIFFERS from the injector)"));
            lines.add(String.format(
                    Locale.ROOT,
                    "sink: %d deferred once (451), %d bounced (550), %d duplicate deliveries,"
                            + " %d messages without DKIM-Signature",
                    sink.deferReplies(),
                    sink.bounceReplies(),
                    sink.duplicates(),
                    sink.unsigned()));
            if (load.lastError() != null && (r.refused() > 0 || r.errors() > 0))
                lines.add("injector last error: " + load.lastError());
            out.println();
            lines.forEach(out::println);
            out.println("results: " + results);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("type", "summary");
            summary.put("verdict", v);
            summary.put(
                    "injector",
                    Map.of(
                            "accepted",
                            r.accepted(),
                            "refused",
                            r.refused(),
                            "errors",
                            r.errors(),
                            "seconds",
                            r.seconds(),
                            "rate",
                            r.rate(),
                            "tern_injected",
                            ternInjected));
            summary.put(
                    "sink",
                    Map.of(
                            "defer_replies",
                            sink.deferReplies(),
                            "bounce_replies",
                            sink.bounceReplies(),
                            "duplicates",
                            sink.duplicates(),
                            "unsigned",
                            sink.unsigned()));
            summary.put("lines", lines);
            w.write(json.writeValueAsString(summary) + "\n");
            return v.countsOk() && r.refused() == 0 && sink.unsigned() == 0;
        }
    }

    /** Unpaced load of {@code n} messages to normal recipients; n / (start until the sink has them all). */
    private double measureMax(long n) throws Exception {
        out.printf("measuring the maximum rate: %d messages, unpaced, %d sessions ...%n", n, sessions);
        long before = sink.delivered();
        SmtpLoad load = new SmtpLoad(new SmtpLoad.Settings(
                inject, sessions, 0, size, n, null, "sender@bench.localdomain", i -> "rcpt-" + i + DOMAIN));
        long t0 = System.nanoTime();
        SmtpLoad.Result r = load.run();
        if (r.accepted() != n) {
            throw new IllegalStateException("measurement: Tern accepted " + r.accepted() + " of " + n + " (last error: "
                    + load.lastError() + ")");
        }
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (sink.delivered() - before < n) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(
                        "measurement: the sink got " + (sink.delivered() - before) + " of " + n + " within 300 s");
            Thread.sleep(5);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(
                Locale.ROOT,
                "measured: %d messages in %.2f s = %.0f msg/s end to end (injection %.0f msg/s)%n",
                n,
                secs,
                n / secs,
                r.rate());
        return n / secs;
    }

    private double rssMiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", "")) / 1024.0;
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private static double mib(double bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static Map<String, Object> withType(String type, Sample s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        for (var c : Sample.class.getRecordComponents()) {
            try {
                m.put(c.getName(), c.getAccessor().invoke(s));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        m.replaceAll((k, v) -> v instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : v);
        return m;
    }

    private void header() {
        out.printf(
                "%7s %-5s %7s %9s %9s %7s %8s %7s %8s %8s %8s %7s %7s %7s %7s %8s%n",
                "t s",
                "phase",
                "inj/s",
                "injected",
                "delivered",
                "bounced",
                "deferred",
                "queued",
                "heap MiB",
                "afterGC",
                "live MiB",
                "RSS MiB",
                "p50 ms",
                "p99 ms",
                "retried",
                "rtr p50");
    }

    private void row(Sample s) {
        out.printf(
                Locale.ROOT,
                "%7.1f %-5s %7.0f %9d %9d %7d %8d %7d %8.0f %8.0f %8.1f %7.0f %7.1f %7.1f %7d %8.0f%n",
                s.seconds(),
                s.phase(),
                s.injectRate(),
                s.injected(),
                s.delivered(),
                s.bounced(),
                s.deferred(),
                s.queued(),
                s.heapUsedMiB(),
                s.heapAfterGcMiB(),
                s.liveHeapMiB(),
                s.rssMiB(),
                s.p50Ms(),
                s.p99Ms(),
                s.retriedDelivered(),
                s.retriedP50Ms());
    }
}
