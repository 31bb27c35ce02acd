package dev.tern.queue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the committer's groups for tests: the size of each group and its sync time, in order. */
final class CommitRecorder implements SpoolObserver {
    final List<Integer> groups = new CopyOnWriteArrayList<>();
    final List<Long> syncNanos = new CopyOnWriteArrayList<>();

    @Override
    public void committed(int n, long nanos) {
        groups.add(n);
        syncNanos.add(nanos);
    }
}
