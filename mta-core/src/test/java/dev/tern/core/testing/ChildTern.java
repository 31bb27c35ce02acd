package dev.tern.core.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code tern run} in a child JVM on the test class path, for tests that kill it with {@code kill -9}. */
public final class ChildTern {
    /**
     * A wrapper giving the child the default SIGHUP action: an ignored signal stays ignored across
     * {@code exec}, so a test run under {@code nohup} would otherwise start a Tern that cannot see SIGHUP.
     */
    public static final List<String> DEFAULT_SIGHUP =
            List.of("perl", "-e", "$SIG{HUP} = 'DEFAULT'; exec @ARGV or die \"exec: $!\"");

    private ChildTern() {}

    /** Starts {@code tern run --config cfg}; its output goes to {@code log} beside the config file. */
    public static Process start(Path cfg, String log) throws IOException {
        return start(cfg, log, List.of());
    }

    /**
     * The same, run through {@code wrapper} (a command such as {@code nohup} that then runs the
     * JVM); the child's pid is the JVM's when the wrapper execs it.
     */
    public static Process start(Path cfg, String log, List<String> wrapper) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(
                java,
                "-XX:+IgnoreUnrecognizedVMOptions",
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.tern.core.cli.Main",
                "run",
                "--config",
                cfg.toString()));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(cfg.resolveSibling(log).toFile())
                .start();
    }

    /** Waits (60 s at most) until the child listens on {@code port} of 127.0.0.1; fails if it exits. */
    public static void awaitPort(int port, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new AssertionError("Tern exited with " + p.exitValue());
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                // justified sleep: the poll interval of a wait for another process to listen
                Thread.sleep(100);
            }
        }
        throw new AssertionError("Tern did not start listening on " + port);
    }
}
