package dev.tern.core.reload;

import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one configuration reload: SIGHUP, {@code POST /api/v1/reload} and {@code tern reload} all
 * run {@link #reload()}. It reads the configuration file again, prepares every registered
 * {@link Reloadable} (any problem: nothing changes, the exception says why), applies them, logs
 * one line per section that changed and returns the report. Reloads run one at a time.
 */
public final class Reloader {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final Path configFile;
    private final List<Reloadable> parts = new CopyOnWriteArrayList<>();
    private TernConfig running;

    /**
     * @param configFile the file the server was started with, or null (a reload then re-reads
     *                   only the files the running configuration names, such as the shaping file)
     * @param started    the configuration the server started with
     */
    public Reloader(Path configFile, TernConfig started) {
        this.configFile = configFile;
        this.running = started;
    }

    /** Adds a part; parts are prepared and reported in the order they were added. */
    public Reloader register(Reloadable part) {
        parts.add(part);
        return this;
    }

    /** The file reloads read, or null. */
    public Path configFile() {
        return configFile;
    }

    /**
     * Reads the configuration file again and applies it.
     *
     * @throws dev.tern.core.config.ConfigException if the file or a file it names has problems (nothing changes)
     */
    public ReloadReport reload() {
        return reload(configFile == null ? null : ConfigLoader.load(configFile));
    }

    /**
     * Applies {@code next} (null: the running configuration again, re-reading the files it names).
     *
     * @throws dev.tern.core.config.ConfigException if {@code next} cannot be applied (nothing changes)
     */
    public synchronized ReloadReport reload(TernConfig next) {
        TernConfig target = next == null ? running : next;
        List<Change> changes = new ArrayList<>();
        for (Reloadable p : parts) changes.addAll(p.prepare(running, target));
        for (Change c : changes) if (c.outcome() == Outcome.APPLIED) c.apply().run();
        running = target;
        ReloadReport report = new ReloadReport(
                configFile == null ? null : configFile.toString(),
                changes.stream().map(Change::report).toList());
        for (Change.Section s : report.sections()) {
            if (s.outcome() != Outcome.UNCHANGED)
                log.info(
                        "reload: {} {}{}",
                        s.section(),
                        s.outcome().text(),
                        s.details().isEmpty() ? "" : " " + s.details());
        }
        log.info(
                "configuration reloaded from {}: {}",
                report.file() == null ? "memory" : report.file(),
                report.summary());
        return report;
    }
}
