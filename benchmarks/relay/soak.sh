#!/usr/bin/env bash
# Soak benchmark of issue 9: Tern under a steady mixed load for N minutes, loopback only.
#
#   SoakMain's injector --SMTP--> Tern 127.0.0.1:31048 (synced spool, DKIM Ed25519)
#                                   --SMTP--> SoakMain's sink 127.0.0.1:31046
#   recipients: 5 % defer-N@ (451 at the first RCPT, accepted when retried), 2 % bounce-N@ (550),
#               the rest rcpt-N@ (accepted)
#
# Starts Tern like the relay benchmark (tern-lib.sh: private copy of the built jar, bin/tern's
# JVM flags, generated config, fresh DKIM key) with a short retry schedule (5 s, x2, at most
# 30 s) so deferred recipients are retried and delivered within the soak, then runs
# dev.tern.bench.soak.SoakMain: it measures Tern's maximum end-to-end rate (unpaced, also the
# warm-up) unless --max-rate is given, injects at --rate-fraction of it for --minutes, samples
# every 10 s (injected, delivered, bounced, deferred, queued, heap used, live heap after GC, RSS,
# p50/p99 reception -> delivery of the interval from the event log), waits for the queue to drain,
# then checks: sink + bounced + still queued == injected (FAIL otherwise), memory flat (first vs
# last third, slope), latency drift (p99 of the first vs the last interval). Prints the table;
# results in benchmarks/results/soak/: soak-*.jsonl (samples and verdict), soak-*.txt (console).
#
# usage: soak.sh [--minutes 10] [--rate-fraction 0.7] [--max-rate R] [--measure-msgs 20000]
#                [--sessions 50] [--size 5k] [--defer-pct 5] [--bounce-pct 2] [--interval 10]
# env:   TERN_JAR, TERN_JAVA_OPTS, TERN_JFR, KEEP_WORK=1, JAVA_HOME as for tern-relay.sh;
#        SOAK_TERN_PORT (31048) SOAK_ADMIN_PORT (31049) SOAK_SINK_PORT (31046)
set -u
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
. "$BENCH_DIR/tern-lib.sh"

ARGS=(); MINUTES=10
while [ $# -gt 0 ]; do
    case $1 in
        -h|--help) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 0 ;;
        --minutes) MINUTES=$2; ARGS+=("$1" "$2"); shift ;;
        --size) ARGS+=("$1" "$(parse_size "$2")") || die "bad size $2"; shift ;;
        --rate-fraction|--max-rate|--measure-msgs|--sessions|--defer-pct|--bounce-pct|--interval|--drain-seconds)
            [ $# -ge 2 ] || die "$1 needs a value"; ARGS+=("$1" "$2"); shift ;;
        *) echo "soak.sh: unknown option $1" >&2; sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
    shift
done
awk -v m="$MINUTES" 'BEGIN{exit !(m > 0 && m <= 240)}' || die "--minutes must be in (0, 240]"

TERN_PORT=${SOAK_TERN_PORT:-31048}; TERN_ADMIN_PORT=${SOAK_ADMIN_PORT:-31049}; SINK_PORT=${SOAK_SINK_PORT:-31046}
TERN_JAR=${TERN_JAR:-$ROOT/mta-core/target/tern.jar}
TERN_DKIM=ed25519; TERN_SYNC=true
for p in "$TERN_PORT" "$TERN_ADMIN_PORT" "$SINK_PORT"; do
    port_in_use "$p" && die "port $p already in use (stop whatever listens there)"
done
OUT=$(cd "$BENCH_DIR/.." && pwd)/results/soak
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.tmp.soak.XXXX")
JAVA_PID=""; CHILD=""
cleanup() {
    kill_pid "$CHILD"
    if [ -n "$JAVA_PID" ]; then kill_pid "$JAVA_PID"; log "tern stopped"; fi
    if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# retries within the soak: 5 s, 10 s, 20 s, 30 s ...; nothing expires during it
TERN_EXTRA_YAML="delivery:
  retry:
    initial: 5s
    multiplier: 2.0
    max: 30s
    jitter: 0.2
  max_age: 1d"
tern_setup "$WORK"
tern_start "$WORK"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2> /dev/null)" ] && commit="$commit (work tree has uncommitted changes)"
{
    echo "# soak benchmark $(date -u +%FT%TZ): ${ARGS[*]}"
    echo "# machine: $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# java: $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1); tern commit $commit, jar $TERN_JAR; synced spool, DKIM $ALG; retry 5s x2 max 30s"
} | tee "$OUT/soak-$STAMP.txt"
"$ROOT/benchmarks/bin/bench" main dev.tern.bench.soak.SoakMain --inject 127.0.0.1:"$TERN_PORT" \
    --sink-port "$SINK_PORT" --metrics "http://127.0.0.1:$TERN_ADMIN_PORT/metrics" \
    --events "$WORK/events/events.jsonl" --gc-log "$WORK/gc.log" --pid "$JAVA_PID" --out "$OUT" --label "$STAMP" "${ARGS[@]}" \
    > >(tee -a "$OUT/soak-$STAMP.txt") 2>&1 &
CHILD=$!
wait "$CHILD"; rc=$?; CHILD=""
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/soak-$STAMP.txt"
grep -E 'ERROR|Exception' "$WORK/tern.out" | head -5 >&2
cp "$WORK/tern.out" "$OUT/soak-$STAMP.tern.log" 2> /dev/null
cp "$WORK/gc.log" "$OUT/soak-$STAMP.gc.log" 2> /dev/null
echo "console: $OUT/soak-$STAMP.txt"
exit $rc
