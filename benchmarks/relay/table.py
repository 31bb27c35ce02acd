#!/usr/bin/env python3
"""Turns the RESULT lines of one relay.sh run into the comparison table.

usage: table.py [--jsonl OUT] SUMMARY_FILE   (the lines "RESULT name[size=..,sess=..,rcpt=..] key=value ...")

--jsonl OUT also writes the results file: a first line {"type": "run", ...} (date, machine, commit,
runs, quick, from the summary's header comments), then one {"type": "result", ...} object per
RESULT line with its numbers (rate, inject_rate, p50_ms, p99_ms, ...), label, size and sessions.
dev.tern.bench.report.ChartMain draws the chart from it.

Rows: the raw smtp-source -> smtp-sink limit, each Tern configuration, Postfix. Then the
ratios, with issue 17's targets for Tern synced + Ed25519: >= 6x Postfix, >= 35 % of the raw
limit (issue 8's were 2x and 40 %); RSA-2048 >= 1,500 msg/s.
"""
import json
import re
import sys

RESULT = re.compile(r"^RESULT (\S+?)\[size=(\d+),sess=(\d+),rcpt=(\d+)\] (.*)$")
LABELS = {
    "raw-limit": "raw limit (smtp-source -> smtp-sink)",
    "tern-relay-ed25519": "Tern, synced, DKIM Ed25519",
    "tern-relay-rsa2048": "Tern, synced, DKIM RSA-2048",
    "tern-relay-none": "Tern, synced, no DKIM",
    "tern-relay-ed25519-UNSYNCED": "Tern, UNSYNCED spool, DKIM Ed25519",
    "tern-relay-rsa2048-UNSYNCED": "Tern, UNSYNCED spool, DKIM RSA-2048",
    "tern-relay-ed25519-javasink": "Tern, synced, Ed25519 -> Java sink, plain",
    "tern-relay-ed25519-javasink-tls": "Tern, synced, Ed25519 -> Java sink, STARTTLS (self-signed, opportunistic)",
    "postfix-relay": "Postfix 3.7 (fsync, no DKIM)",
    "tern-latency-ed25519": "Tern Ed25519, paced load (latency)",
    "tern-latency-rsa2048": "Tern RSA-2048, paced load (latency)",
    "tern-latency-ed25519-UNSYNCED": "Tern Ed25519 UNSYNCED, paced load (latency)",
}


def header(path):
    """date, machine, java/tern, settings from the '# ...' lines relay.sh writes first."""
    h = {"type": "run"}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("# relay benchmark "):
                rest = line[len("# relay benchmark "):]
                h["date"] = rest.split()[0]
                h["quick"] = "QUICK" in rest
            elif line.startswith("# machine: "):
                h["machine"] = line[len("# machine: "):].split(", load average")[0]
            elif line.startswith("# java: "):
                parts = line[len("# java: "):].split("; ")
                h["java"] = parts[0]
                h["tern"] = next((p for p in parts if p.startswith("tern commit")), "").replace("tern ", "")
                h["postfix"] = next((p for p in parts if p.startswith("postfix")), "")
            elif line.startswith("# sizes=") or line.startswith("# size="):
                m = re.search(r"runs=(\d+)", line)
                h["runs"] = int(m.group(1)) if m else None
                h["settings"] = line[2:]
    return h


def numeric(v):
    v2 = v[:-2] if v.endswith("/s") else v
    try:
        x = float(v2)
        return int(x) if x.is_integer() and "." not in v2 else x
    except ValueError:
        return v


def write_jsonl(path, summary, rows):
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(header(summary)) + "\n")
        for r in rows:
            obj = {"type": "result", "name": r["name"], "label": LABELS.get(r["name"], r["name"]),
                   "size": r["size"], "sessions": r["sess"]}
            for k, v in r["kv"].items():
                obj[k] = numeric(v)
            out.write(json.dumps(obj) + "\n")


def parse(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = RESULT.match(line.strip())
            if not m:
                continue
            name, size, sess, rcpt, rest = m.groups()
            # values in parentheses may hold spaces: "status=DISTURBED(only 0 of 1 runs clean)"
            rest = re.sub(r"\(([^)]*)\)", lambda p: "(" + p.group(1).replace(" ", "_") + ")", rest)
            kv = dict(p.split("=", 1) for p in rest.split() if "=" in p)
            rows.append(dict(name=name, size=int(size), sess=int(sess), kv=kv))
    return rows


def num(kv, key):
    v = kv.get(key, "")
    v = v.rstrip("/s")
    try:
        return float(v)
    except ValueError:
        return None


def fmt(x, digits=0, unit=""):
    if x is None:
        return "-"
    return ("{:,.%df}" % digits).format(x) + unit


def main():
    args = sys.argv[1:]
    jsonl = None
    if len(args) == 3 and args[0] == "--jsonl":
        jsonl, args = args[1], args[2:]
    if len(args) != 1:
        print(__doc__)
        return 2
    rows = parse(args[0])
    if jsonl:
        write_jsonl(jsonl, args[0], rows)
    if not rows:
        print("no RESULT lines in " + args[0])
        return 1
    head = ["configuration", "size", "sess", "e2e msg/s", "inject msg/s", "p50 ms", "p99 ms",
            "CPU s/1k msg (MTA+kernel)", "JVM CPU s/1k", "peak RSS MiB", "max heap after GC MiB",
            "runs (disturbed)", "status"]
    table = []
    for r in rows:
        kv = r["kv"]
        table.append([
            LABELS.get(r["name"], r["name"]), "%d KB" % round(r["size"] / 1024), str(r["sess"]),
            fmt(num(kv, "rate")), fmt(num(kv, "inject_rate")) if "inject_rate" in kv else "-",
            fmt(num(kv, "p50_ms"), 1), fmt(num(kv, "p99_ms"), 1),
            fmt(num(kv, "cpu_s_per_1k"), 2), fmt(num(kv, "mta_cpu_s_per_1k"), 2),
            fmt(num(kv, "peak_rss_mib")), fmt(num(kv, "heap_after_gc_max_mib")),
            "%s (%s)" % (kv.get("runs", "1"), kv.get("disturbed", "-")), kv.get("status", "?"),
        ])
    widths = [max(len(str(c)) for c in col) for col in zip(head, *table)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for t in table:
        print(line(t))
    print()

    by = {}
    for r in rows:
        if not r["name"].startswith("tern-latency"):
            by.setdefault((r["size"], r["sess"]), {})[r["name"]] = num(r["kv"], "rate")
    for (size, sess), rates in sorted(by.items()):
        raw, pf = rates.get("raw-limit"), rates.get("postfix-relay")
        print("%d KB, %d sessions:" % (round(size / 1024), sess))
        for name, rate in rates.items():
            if not name.startswith("tern-relay") or not rate or "-javasink" in name:
                continue
            parts = []
            if pf:
                ratio = rate / pf
                target = " (target >= 6x: %s)" % ("MET" if ratio >= 6 else "NOT MET") \
                    if name == "tern-relay-ed25519" else ""
                parts.append("%.2fx Postfix%s" % (ratio, target))
            if raw:
                share = 100 * rate / raw
                target = " (target >= 35%%: %s)" % ("MET" if share >= 35 else "NOT MET") \
                    if name == "tern-relay-ed25519" else ""
                parts.append("%.1f%% of raw limit%s" % (share, target))
            if name == "tern-relay-rsa2048":
                parts.append("%s msg/s (target >= 1,500: %s)" % (f"{rate:,.0f}", "MET" if rate >= 1500 else "NOT MET"))
            print("  %-36s %s" % (LABELS.get(name, name) + ":", "; ".join(parts) or "-"))
        if pf and raw:
            print("  %-36s %.1f%% of raw limit" % (LABELS["postfix-relay"] + ":", 100 * pf / raw))
        # TLS to the sink: the Java sink plain vs STARTTLS (same sink, so the TLS cost alone)
        for plain in [n for n in rates if n.endswith("-javasink")]:
            tls, rp = rates.get(plain + "-tls"), rates.get(plain)
            if tls and rp:
                cpu = {n: num(next(r["kv"] for r in rows if r["name"] == n and r["size"] == size and r["sess"] == sess),
                              "mta_cpu_s_per_1k") for n in (plain, plain + "-tls")}
                extra = ""
                if cpu[plain] and cpu[plain + "-tls"]:
                    extra = "; Tern CPU %.3f -> %.3f s per 1,000 msg (%+.1f%%)" % (
                        cpu[plain], cpu[plain + "-tls"], 100 * (cpu[plain + "-tls"] / cpu[plain] - 1))
                print("  %-36s %s msg/s with STARTTLS vs %s plain (%+.1f%%)%s" % (
                    "TLS to the sink (Java sink):", fmt(tls), fmt(rp), 100 * (tls / rp - 1), extra))
    for r in rows:
        kv = r["kv"]
        if r["name"].startswith("tern-latency"):
            twin = r["name"].replace("tern-latency", "tern-relay")
            peak = num(kv, "max_rate") or next((num(t["kv"], "rate") for t in rows if t["name"] == twin
                                                and t["size"] == r["size"] and t["sess"] == r["sess"]), None)
            p99 = num(kv, "p99_ms")
            load = num(kv, "rate")
            share = " = %.1f%% of its measured maximum %s msg/s" % (100 * load / peak, fmt(peak)) if peak and load else ""
            frac = load / peak if peak and load else None
            at_half = frac is not None and abs(frac - 0.5) <= 0.025  # 50 % +/- 5 % of 50 %
            target = num(kv, "target_rate")
            pace = " (pace within 5 %% of the target: %s)" % ("yes" if target and abs(load / target - 1) <= 0.05 else "NO") \
                if target and load else ""
            print("%s, %d KB x %d sessions: paced at %s msg/s, achieved %s msg/s%s%s; p50 %s ms, p99 %s ms"
                  " (target p99 < 100 ms at 50%% +/- 5%%: %s)"
                  % (LABELS.get(r["name"], r["name"]), round(r["size"] / 1024), r["sess"], kv.get("target_rate", "?"),
                     fmt(load), share, pace, fmt(num(kv, "p50_ms"), 1), fmt(p99, 1),
                     "MET" if p99 is not None and p99 < 100 and at_half else
                     "NOT MET" if at_half else "NOT MEASURED (load not at 50 %)"))
        heap = num(kv, "heap_after_gc_max_mib")
        if heap is not None:
            print("%s, %d KB x %d sessions: largest heap after GC %d MiB (target live heap < 512 MiB: %s); peak RSS %s MiB"
                  % (LABELS.get(r["name"], r["name"]), round(r["size"] / 1024), r["sess"], heap, "MET" if heap < 512 else "NOT MET", fmt(num(kv, "peak_rss_mib"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
