package dev.tern.queue;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks free space of the spool's file system against the floor, at most every 100 ms. */
final class DiskGuard {
    private static final long RECHECK_NANOS = 100_000_000L;

    private final FileStore store;
    private final Path dir;
    private final long floor;
    private long checkedAt;
    private long usable = Long.MAX_VALUE;
    private boolean checked;

    DiskGuard(Path dir, long floorBytes) {
        this.dir = dir;
        this.floor = floorBytes;
        try {
            this.store = Files.getFileStore(dir);
        } catch (IOException e) {
            throw new SpoolException("cannot find the file system of spool directory " + dir + ": " + e, e);
        }
    }

    /** Null when writes may proceed, else the reason they may not. Not thread-safe (commit thread). */
    String refusal() {
        if (floor <= 0) return null;
        long now = System.nanoTime();
        if (!checked || now - checkedAt >= RECHECK_NANOS) {
            try {
                usable = store.getUsableSpace();
            } catch (IOException e) {
                usable = 0;
            }
            checkedAt = now;
            checked = true;
        }
        return usable < floor
                ? "spool disk full: " + usable + " bytes free under " + dir + ", floor is " + floor
                : null;
    }
}
