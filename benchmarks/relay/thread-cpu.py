#!/usr/bin/env python3
"""CPU time per thread group of one process, between two snapshots of /proc/PID/task.

    thread-cpu.py snap PID FILE      save utime+stime of every thread of PID into FILE
    thread-cpu.py diff PID FILE      print the CPU seconds used since FILE, grouped by
                                     thread name with digits folded ("tern-inject-12" ->
                                     "tern-inject-#"), largest first, user and system apart

Threads of the JVM that run virtual threads show as "ForkJoinPool-#-worker-#"; RocksDB's
as "rocksdb:..."; ZGC's as "ZWorker#"/"ZDriver"..., JIT compilers as "C2 CompilerThre#".
"""
import os
import re
import sys

HZ = os.sysconf("SC_CLK_TCK")


def snapshot(pid):
    threads = {}
    for tid in os.listdir("/proc/%s/task" % pid):
        try:
            with open("/proc/%s/task/%s/stat" % (pid, tid)) as f:
                s = f.read()
        except OSError:
            continue
        name = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        threads[tid] = (name, int(fields[11]), int(fields[12]))  # utime, stime
    return threads


def main():
    cmd, pid, path = sys.argv[1:4]
    if cmd == "snap":
        with open(path, "w") as f:
            for tid, (name, u, s) in snapshot(pid).items():
                f.write("%s\t%s\t%d\t%d\n" % (tid, name, u, s))
        return 0
    before = {}
    with open(path) as f:
        for line in f:
            tid, name, u, s = line.rstrip("\n").split("\t")
            before[tid] = (int(u), int(s))
    groups = {}
    for tid, (name, u, s) in snapshot(pid).items():
        u0, s0 = before.get(tid, (0, 0))
        g = re.sub(r"\d+", "#", name)
        gu, gs, n = groups.get(g, (0, 0, 0))
        groups[g] = (gu + u - u0, gs + s - s0, n + 1)
    total = sum(u + s for u, s, _ in groups.values()) or 1
    print("thread CPU of pid %s since the snapshot: %.2f s (user %.2f, sys %.2f)"
          % (pid, total / HZ, sum(u for u, _, _ in groups.values()) / HZ, sum(s for _, s, _ in groups.values()) / HZ))
    for g, (u, s, n) in sorted(groups.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:20]:
        if u + s == 0:
            break
        print("  %-28s %3d threads  %7.2f s (user %6.2f, sys %6.2f)  %5.1f%%"
              % (g, n, (u + s) / HZ, u / HZ, s / HZ, 100.0 * (u + s) / total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
