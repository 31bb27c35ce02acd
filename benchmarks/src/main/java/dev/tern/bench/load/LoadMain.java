package dev.tern.bench.load;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Paced SMTP load for the relay benchmark's latency run ({@code benchmarks/relay/load-latency.sh}):
 * sends at a fixed rate for a fixed time and prints one line of {@code key=value} results.
 *
 * <pre>
 * bench main dev.tern.bench.load.LoadMain --target 127.0.0.1:31028 --rate 700 --seconds 20 \
 *     [--sessions 50] [--size 5k] [--from sender@bench.localdomain] [--to rcpt@example.test]
 *     [--pipelining yes|no] [--warmup-seconds 0] [--shard 0 --shards 1 --start-at EPOCH_MS]
 * </pre>
 *
 * {@code --warmup-seconds W} sends at the same rate for W seconds before the measured
 * {@code --seconds} (the injector's own JIT warm-up; those messages are delivered too); with
 * {@code --shards K} this is process {@code --shard k} of K that share one schedule starting at
 * {@code --start-at} (each sends every K-th message over its own {@code --sessions}).
 *
 * <p>Output: {@code load_started=.. load_accepted=.. load_refused=.. load_errors=.. load_seconds=..
 * load_rate=.. target_rate=.. measured_accepted=.. measure_start_epoch=.. last_reply_epoch=..
 * measured_rate=.. late_p50_ms=.. late_p99_ms=.. late_max_ms=.. inject_p50_ms=.. inject_p99_ms=..};
 * the exit status is 1 if any message was refused or failed.
 */
public final class LoadMain {
    private LoadMain() {}

    public static void main(String[] argv) throws InterruptedException {
        Args a = new Args(
                argv,
                Set.of(
                        "target",
                        "rate",
                        "seconds",
                        "sessions",
                        "size",
                        "from",
                        "to",
                        "messages",
                        "pipelining",
                        "warmup-seconds",
                        "shard",
                        "shards",
                        "start-at"));
        double rate = a.getDouble("rate", 0);
        double seconds = a.getDouble("seconds", 20);
        double warmSeconds = a.getDouble("warmup-seconds", 0);
        int shard = a.getInt("shard", 0);
        int shards = a.getInt("shards", 1);
        long warmup = rate > 0 ? Math.round(rate * warmSeconds) : 0;
        long total = a.has("messages")
                ? Long.parseLong(a.get("messages", "0"))
                : rate > 0 ? warmup + Math.round(rate * seconds) : Long.MAX_VALUE;
        String pipelining = a.get("pipelining", "yes");
        if (!pipelining.equals("yes") && !pipelining.equals("no")) {
            throw new IllegalArgumentException("--pipelining must be yes or no, got " + pipelining);
        }
        String to = a.get("to", "rcpt@example.test");
        var settings = new SmtpLoad.Settings(
                Args.hostPort(a.required("target")),
                a.getInt("sessions", 50),
                rate,
                Args.size(a.get("size", "5120")),
                total,
                Duration.ofMillis(Math.round((seconds + warmSeconds) * 1000)).plusSeconds(rate > 0 ? 30 : 0),
                a.get("from", "sender@bench.localdomain"),
                i -> to,
                pipelining.equals("yes"),
                shard,
                shards,
                warmup,
                Long.parseLong(a.get("start-at", "0")));
        SmtpLoad load = new SmtpLoad(settings);
        SmtpLoad.Result r = load.run();
        SmtpLoad.Window w = r.measured();
        System.out.printf(
                Locale.ROOT,
                "load_started=%d load_accepted=%d load_refused=%d load_errors=%d load_seconds=%.3f"
                        + " load_rate=%.1f target_rate=%.1f measured_accepted=%d measure_start_epoch=%.6f"
                        + " last_reply_epoch=%.6f measured_rate=%.1f late_p50_ms=%.3f late_p99_ms=%.3f"
                        + " late_max_ms=%.3f inject_p50_ms=%.3f inject_p99_ms=%.3f%n",
                r.started(),
                r.accepted(),
                r.refused(),
                r.errors(),
                r.seconds(),
                r.rate(),
                rate,
                w.accepted(),
                w.startEpochNanos() / 1e9,
                w.lastReplyEpochNanos() / 1e9,
                w.rate(),
                w.lateP50Ms(),
                w.lateP99Ms(),
                w.lateMaxMs(),
                w.injectP50Ms(),
                w.injectP99Ms());
        if (load.lastError() != null) System.err.println("last error: " + load.lastError());
        long mine = shardCount(total, shard, shards);
        System.exit(r.refused() + r.errors() == 0 && r.accepted() == mine ? 0 : 1);
    }

    /** How many of the message numbers 0..total-1 fall to this shard. */
    static long shardCount(long total, int shard, int shards) {
        if (total == Long.MAX_VALUE) return Long.MAX_VALUE;
        return total / shards + (shard < total % shards ? 1 : 0);
    }
}
