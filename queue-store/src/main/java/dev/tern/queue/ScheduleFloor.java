package dev.tern.queue;

import java.util.Arrays;

/**
 * A lower bound for scans of the schedule index: no schedule key is smaller than the floor.
 * Leasing deletes keys at the head of the index; their tombstones would make every scan
 * from the very start slower and slower. Scans start at the floor instead.
 *
 * <p>The commit thread calls {@link #inserted} after every write of a schedule key; a scan
 * calls {@link #scanStarting} before creating its iterator and {@link #scanEnded} after, so
 * keys written while it ran (which its iterator may not see) keep the floor below them.
 */
final class ScheduleFloor {
    private byte[] floor = new byte[0];
    private byte[] minInsertedDuringScan;
    /** The floor's time (its first 8 bytes), -1 for the empty floor: read without the lock. */
    private volatile long floorTime = -1;

    synchronized void inserted(byte[] scheduleKey) {
        if (Arrays.compareUnsigned(scheduleKey, floor) < 0) setFloor(scheduleKey);
        if (minInsertedDuringScan == null || Arrays.compareUnsigned(scheduleKey, minInsertedDuringScan) < 0) {
            minInsertedDuringScan = scheduleKey;
        }
    }

    /** True if the floor is at or after {@code key}: no schedule key is below {@code key}. */
    synchronized boolean atOrAfter(byte[] key) {
        return Arrays.compareUnsigned(floor, key) >= 0;
    }

    /**
     * True if no schedule key is due at {@code now} (the floor's time is later): the same answer as
     * {@code atOrAfter(Keys.scheduleStart(now + 1))}, without the lock or a key (the queue manager
     * asks after every reception and outcome).
     */
    boolean nothingDueAt(long now) {
        return floorTime > now;
    }

    private void setFloor(byte[] f) {
        floor = f;
        floorTime = f.length >= 8 ? Keys.getLong(f, 0) : -1;
    }

    /** Returns where the scan starts. */
    synchronized byte[] scanStarting() {
        minInsertedDuringScan = null;
        return floor;
    }

    /** {@code visitedUpTo}: every key below it existed at scan start and was visited (removed). */
    synchronized void scanEnded(byte[] visitedUpTo) {
        byte[] f = visitedUpTo;
        if (minInsertedDuringScan != null && Arrays.compareUnsigned(minInsertedDuringScan, f) < 0) {
            f = minInsertedDuringScan;
        }
        setFloor(f);
    }
}
