#!/usr/bin/env python3
"""Hot methods of a JFR recording (e.g. TERN_JFR=/tmp/tern.jfr tern-relay.sh ...).

usage: jfr-top.py RECORDING.jfr [N]      (needs `jfr` of the JDK on the PATH)

Prints, over the jdk.ExecutionSample events (threads running Java code): the top N frames
(self time), the top N methods by inclusive share, and the share of each top-level area
(package prefix of the first Tern / library frame found from the top of the stack).
Time spent in the kernel or in native code (RocksDB, fsync, socket system calls) is not in
these samples: see thread-cpu.py's user/sys split for that.
"""
import collections
import re
import subprocess
import sys

FRAME = re.compile(r"^\s+([\w.$<>/]+)\(", re.M)
AREAS = [
    ("dev.tern.dkim", "DKIM signing"),
    ("org.bouncycastle", "DKIM signing (Bouncy Castle)"),
    ("dev.tern.core.inject", "injection (Tern)"),
    ("org.subethamail", "injection (SubEthaSMTP)"),
    ("dev.tern.queue", "spool (Tern)"),
    ("org.rocksdb", "spool (RocksDB JNI)"),
    ("dev.tern.core.delivery", "delivery (Tern)"),
    ("io.netty", "delivery/admin (Netty)"),
    ("dev.tern.core.events", "event log"),
    ("com.fasterxml", "event log (Jackson)"),
    ("dev.tern.core.metrics", "metrics"),
    ("io.micrometer", "metrics"),
    ("dev.tern", "other Tern"),
]


def main():
    path = sys.argv[1]
    top_n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    out = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    self_c, incl_c, area_c = collections.Counter(), collections.Counter(), collections.Counter()
    n = 0
    for ev in out.split("jdk.ExecutionSample")[1:]:
        frames = FRAME.findall(ev)
        if not frames:
            continue
        n += 1
        self_c[frames[0]] += 1
        for f in set(frames):
            incl_c[f] += 1
        area = "JDK / other"
        for f in frames:
            hit = next((label for prefix, label in AREAS if f.startswith(prefix)), None)
            if hit:
                area = hit
                break
        area_c[area] += 1
    if n == 0:
        print("no execution samples")
        return 1
    print("%d execution samples" % n)
    print("\nby area (first Tern or library frame from the top of the stack):")
    for a, c in area_c.most_common():
        print("  %5.1f%%  %s" % (100.0 * c / n, a))
    print("\ntop frames (self):")
    for f, c in self_c.most_common(top_n):
        print("  %5.1f%%  %s" % (100.0 * c / n, f))
    print("\ntop methods (inclusive, Tern and libraries):")
    shown = 0
    for f, c in incl_c.most_common():
        if f.startswith(("java.", "jdk.", "sun.")):
            continue
        print("  %5.1f%%  %s" % (100.0 * c / n, f))
        shown += 1
        if shown >= top_n:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
