package dev.tern.core.cli;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.queue.SpoolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tern run}: starts the server and runs until SIGTERM/SIGINT. */
@Command(name = "run", description = "Start the Tern server (stops cleanly on SIGTERM or Ctrl-C).")
public final class RunCommand implements Callable<Integer> {
    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = "configuration file (default: config/tern.yaml if present, else built-in defaults)")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        TernConfig cfg;
        Path file = config != null ? config : Path.of("config/tern.yaml");
        try {
            if (config == null && !Files.exists(file)) {
                cfg = TernConfig.defaults();
                file = null;
            } else {
                cfg = ConfigLoader.load(file);
            }
        } catch (ConfigException e) {
            System.err.println("tern: " + e.getMessage());
            return 2;
        }
        TernServer server;
        try {
            server = TernServer.start(cfg, java.time.Clock.systemUTC(), file);
        } catch (SpoolException e) {
            System.err.println("tern: cannot open the spool: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            System.err.println("tern: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "tern-shutdown"));
        stopped.await();
        return 0;
    }
}
