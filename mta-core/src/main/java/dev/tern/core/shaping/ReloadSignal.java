package dev.tern.core.shaping;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP runs a reload (the server's configuration reload), where the JVM lets Tern handle
 * it ({@code sun.misc.Signal}; not with {@code -Xrs} or on platforms without SIGHUP). Closing
 * restores the previous handler.
 */
public final class ReloadSignal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);
    private final Object previous;

    private ReloadSignal(Object previous) {
        this.previous = previous;
    }

    /** Runs {@code reload} on its own thread at each SIGHUP (failures are logged). */
    public static ReloadSignal install(Runnable reload) {
        try {
            sun.misc.Signal hup = new sun.misc.Signal("HUP");
            sun.misc.SignalHandler old = sun.misc.Signal.handle(
                    hup,
                    sig -> Thread.ofPlatform().name("tern-reload").start(() -> {
                        try {
                            reload.run();
                        } catch (RuntimeException e) {
                            log.error("SIGHUP: configuration not reloaded: {}", e.getMessage());
                        }
                    }));
            return new ReloadSignal(old);
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            log.info("SIGHUP reload not available here ({}); use the admin API's reload", e.toString());
            return new ReloadSignal(null);
        }
    }

    /** Restores the handler that was there before. */
    @Override
    public void close() {
        if (previous instanceof sun.misc.SignalHandler h) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("HUP"), h);
            } catch (IllegalArgumentException e) {
                // nothing to restore
            }
        }
    }
}
