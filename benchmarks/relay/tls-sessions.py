#!/usr/bin/env python3
"""Checks from Tern's own counters that its sessions to the sink used TLS (tern-relay.sh --sink java-tls).

usage: tls-sessions.py METRICS_URL STATE_FILE [--init]

Reads tern_outbound_sessions_total{tls="used"|"none"|"failed"} from Tern's /metrics. With --init it
keeps the counts in STATE_FILE (after the probe, which goes to a sink without STARTTLS). Without it,
it exits 1 unless, since --init, no session went without TLS (none, failed: a STARTTLS handshake
that failed and fell back to clear text) and at least one used it. Prints the counts since --init.
"""
import json
import re
import sys
import urllib.request

LINE = re.compile(r'^tern_outbound_sessions_total\{[^}]*tls="(\w+)"[^}]*\} (\S+)$', re.M)


def counts(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode("utf-8")
    c = {"used": 0.0, "none": 0.0, "failed": 0.0}
    for kind, value in LINE.findall(text):
        c[kind] = c.get(kind, 0.0) + float(value)
    return c


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--init"):
        print(__doc__, file=sys.stderr)
        return 2
    url, state = argv[1], argv[2]
    now = counts(url)
    if len(argv) == 4:
        with open(state, "w", encoding="utf-8") as f:
            json.dump(now, f)
        return 0
    with open(state, encoding="utf-8") as f:
        base = json.load(f)
    d = {k: int(now.get(k, 0) - base.get(k, 0)) for k in ("used", "none", "failed")}
    print("tern sessions since the probe: tls=used %d, none %d, failed %d" % (d["used"], d["none"], d["failed"]))
    return 0 if d["used"] > 0 and d["none"] == 0 and d["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
