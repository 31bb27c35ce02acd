#!/usr/bin/env python3
"""Reception-to-delivery latency from Tern's JSON-lines event log.

Pairs each `reception` event with the `delivery` event of the same message_id and
recipient, keeps the messages received in a time window (a benchmark run), and prints one
line for relay-bench.sh's POST_RUN hook:

    p50_ms=12.345 p99_ms=67.890 lat_n=20000 lat_undelivered=0

usage: latency.py [--from EPOCH] [--to EPOCH] EVENT_LOG [EVENT_LOG ...]
Rotated segments (events.jsonl.000001-..., also gzipped) can be given as well.
"""
import argparse
import calendar
import gzip
import json
import math
import sys


def epoch(ts):
    """ISO-8601 UTC instant as Jackson writes it (2026-11-23T11:40:32.123456789Z) -> float."""
    if ts.endswith("Z"):
        ts = ts[:-1]
    elif ts.endswith("+00:00"):
        ts = ts[:-6]
    whole, _, frac = ts.partition(".")
    date, _, clock = whole.partition("T")
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi, s = (int(x) for x in clock.split(":"))
    return calendar.timegm((y, mo, d, h, mi, s)) + (float("0." + frac) if frac else 0.0)


def percentile(sorted_values, p):
    """Nearest-rank percentile (p in 0..100) of an ascending list."""
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def read_events(paths):
    for path in paths:
        if path.endswith(".tmp"):
            continue  # a segment being compressed; its source is still read
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line being written while we read


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="t0", type=float, default=-math.inf, help="first reception time (epoch s)")
    ap.add_argument("--to", dest="t1", type=float, default=math.inf, help="last reception time (epoch s)")
    ap.add_argument("logs", nargs="+")
    a = ap.parse_args()

    received = {}
    delivered = {}
    for e in read_events(a.logs):
        kind = e.get("type")
        if kind not in ("reception", "delivery") or "time" not in e:
            continue
        key = (e.get("message_id"), e.get("recipient"))
        t = epoch(e["time"])
        if kind == "reception":
            if a.t0 <= t <= a.t1:
                received[key] = t
        elif key not in delivered:
            delivered[key] = t
    lat = sorted((delivered[k] - t) * 1000.0 for k, t in received.items() if k in delivered)
    missing = sum(1 for k in received if k not in delivered)
    if not lat:
        print("lat_n=0 lat_undelivered=%d" % missing)
        return 1
    print("p50_ms=%.3f p99_ms=%.3f lat_n=%d lat_undelivered=%d"
          % (percentile(lat, 50), percentile(lat, 99), len(lat), missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
