package dev.tern.core.reload;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP runs {@link Reloader#reload()}, where the JVM lets Tern handle it ({@code sun.misc.Signal};
 * not with {@code -Xrs} or on platforms without SIGHUP). When the process was started with SIGHUP
 * ignored ({@code nohup}), the JVM keeps it ignored: that is logged at start-up, as SIGHUP then
 * reloads nothing. Closing restores the previous handler.
 */
public final class ReloadSignal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);
    private final Object previous;

    private ReloadSignal(Object previous) {
        this.previous = previous;
    }

    /** Runs {@code reloader.reload()} on its own thread at each SIGHUP (its report and failures are logged). */
    public static ReloadSignal install(Reloader reloader) {
        try {
            sun.misc.Signal hup = new sun.misc.Signal("HUP");
            sun.misc.SignalHandler old = sun.misc.Signal.handle(
                    hup,
                    sig -> Thread.ofPlatform().name("tern-reload").start(() -> {
                        log.info("SIGHUP: reloading the configuration");
                        try {
                            reloader.reload();
                        } catch (RuntimeException e) {
                            log.error("SIGHUP: configuration not reloaded: {}", e.getMessage());
                        }
                    }));
            if (old == sun.misc.SignalHandler.SIG_IGN) {
                // the JVM does not install a handler for a signal ignored at start (nohup)
                log.warn("SIGHUP is ignored by this process (started under nohup?): it will not reload the"
                        + " configuration; use `tern reload` or POST /api/v1/reload");
                return new ReloadSignal(null);
            }
            return new ReloadSignal(old);
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            log.warn("SIGHUP reload not available here ({}); use `tern reload` or POST /api/v1/reload", e.toString());
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
