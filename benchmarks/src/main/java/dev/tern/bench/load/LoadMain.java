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
 * </pre>
 *
 * Output: {@code load_started=.. load_accepted=.. load_refused=.. load_errors=.. load_seconds=..
 * load_rate=.. target_rate=..}; the exit status is 1 if any message was refused or failed.
 */
public final class LoadMain {
    private LoadMain() {}

    public static void main(String[] argv) throws InterruptedException {
        Args a = new Args(argv, Set.of("target", "rate", "seconds", "sessions", "size", "from", "to", "messages"));
        double rate = a.getDouble("rate", 0);
        long seconds = a.getInt("seconds", 20);
        long max = a.has("messages")
                ? Long.parseLong(a.get("messages", "0"))
                : rate > 0 ? Math.round(rate * seconds) : Long.MAX_VALUE;
        String to = a.get("to", "rcpt@example.test");
        var settings = new SmtpLoad.Settings(
                Args.hostPort(a.required("target")),
                a.getInt("sessions", 50),
                rate,
                Args.size(a.get("size", "5120")),
                max,
                Duration.ofSeconds(seconds).plusSeconds(rate > 0 ? 30 : 0),
                a.get("from", "sender@bench.localdomain"),
                i -> to);
        SmtpLoad load = new SmtpLoad(settings);
        SmtpLoad.Result r = load.run();
        System.out.printf(
                Locale.ROOT,
                "load_started=%d load_accepted=%d load_refused=%d load_errors=%d load_seconds=%.3f"
                        + " load_rate=%.1f target_rate=%.1f%n",
                r.started(),
                r.accepted(),
                r.refused(),
                r.errors(),
                r.seconds(),
                r.rate(),
                rate);
        if (load.lastError() != null) System.err.println("last error: " + load.lastError());
        System.exit(r.refused() + r.errors() == 0 && r.accepted() == max ? 0 : 1);
    }
}
