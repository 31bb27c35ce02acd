package dev.tern.bench.sink;

import dev.tern.bench.load.Args;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link CountingSink} as its own process for {@code benchmarks/relay} ({@code tern-relay.sh
 * --sink java|java-tls}): it listens on a loopback address, and while it runs it writes its counters
 * to standard output as {@code smtp-sink -c} does ({@code sess=N tls_sess=N tls_mesg=N mesg=N}
 * followed by a carriage return), whenever they changed, at most every {@code --every-ms}
 * milliseconds (default 10). It stops on SIGTERM.
 *
 * <pre>
 * bench main dev.tern.bench.sink.SinkMain --listen 127.0.0.1:31026 [--starttls yes|no] [--every-ms 10]
 * bench main dev.tern.bench.sink.SinkMain --engine yes     (prints the TLS engine and exits)
 * </pre>
 */
public final class SinkMain {
    private SinkMain() {}

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv, Set.of("listen", "starttls", "every-ms", "engine"));
        if (a.has("engine")) {
            System.out.println("engine=" + CountingSink.engine());
            return;
        }
        InetSocketAddress listen = loopback(a.required("listen"));
        boolean tls = yes(a.get("starttls", "no"));
        long everyMs = Math.max(1, a.getInt("every-ms", 10));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
        CountDownLatch stop = new CountDownLatch(1);
        try (CountingSink sink = new CountingSink(listen, tls)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "sink-stop"));
            System.err.println("sink: listening on " + listen.getAddress().getHostAddress() + ":" + sink.port()
                    + " starttls=" + (tls ? "yes (self-signed, engine " + CountingSink.engine() + ")" : "no"));
            String last = "";
            while (!stop.await(everyMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                String now = sink.counters();
                if (!now.equals(last)) {
                    out.print(now + "\r");
                    out.flush();
                    last = now;
                }
            }
        }
    }

    static boolean yes(String v) {
        return switch (v) {
            case "yes", "true" -> true;
            case "no", "false" -> false;
            default -> throw new IllegalArgumentException("--starttls must be yes or no, not " + v);
        };
    }

    /** HOST:PORT on a loopback address (the benchmarks never listen elsewhere). */
    static InetSocketAddress loopback(String hostPort) throws java.net.UnknownHostException {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--listen needs HOST:PORT, not " + hostPort);
        InetAddress host = InetAddress.getByName(hostPort.substring(0, colon));
        if (!host.isLoopbackAddress())
            throw new IllegalArgumentException("--listen must be a loopback address, not " + hostPort);
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
