#!/usr/bin/env python3
"""Is the JVM's JIT compiler done? For relay-bench.sh's WARM_CHECK after a warm-up round.

    jit-settled.py PID SNAPFILE [MAX_SHARE]

Compares /proc/PID/task with a thread-cpu.py snapshot taken before the round: prints
"jit=S s of T s JVM CPU (P %)" and exits 0 when the JIT compiler threads used at most
MAX_SHARE (default 0.05) of the JVM's CPU in the round, 1 while they still compile more.
"""
import importlib.util
import os
import re
import sys

spec = importlib.util.spec_from_file_location(
    "thread_cpu", os.path.join(os.path.dirname(os.path.abspath(__file__)), "thread-cpu.py"))
thread_cpu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(thread_cpu)


def main():
    pid, path = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
    before = {}
    with open(path) as f:
        for line in f:
            tid, name, u, s = line.rstrip("\n").split("\t")
            before[tid] = int(u) + int(s)
    total = jit = 0
    for tid, (name, u, s) in thread_cpu.snapshot(pid).items():
        d = u + s - before.get(tid, 0)
        total += d
        if re.search(r"Compiler ?Thre", name):
            jit += d
    share = jit / total if total else 0.0
    print("jit=%.2f s of %.2f s JVM CPU (%.1f %%)" % (jit / thread_cpu.HZ, total / thread_cpu.HZ, 100 * share))
    return 0 if share <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
