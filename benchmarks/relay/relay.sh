#!/usr/bin/env bash
# End-to-end relay benchmark of issue 8: Tern vs Postfix vs the raw loopback limit, in one
# run, on this machine, loopback only. `bin/tern bench relay [options]` builds Tern and runs
# this script; it can also run directly once mta-core/target/tern.jar is built.
#
#   raw limit: smtp-source -> smtp-sink                              (raw-limit.sh)
#   Tern:      smtp-source -> Tern (synced spool, DKIM) -> smtp-sink  (tern-relay.sh, Ed25519 then RSA-2048)
#   Postfix:   smtp-source -> Postfix (fsync)           -> smtp-sink  (postfix-relay.sh)
#
# then prints one table (rates, latency, CPU per 1,000 messages, peak RSS) and the ratios
# Tern/Postfix and Tern/raw. Every RESULT line is kept in benchmarks/results/relay/summary-*.txt.
#
# usage: relay.sh [--quick] [--unsynced] [--skip raw,postfix,rsa] [-n msgs] [-l bytes]
#                 [-s sessions] [-R runs] [-w warmup]
#   --quick      smoke test: 1 run, 2,000 messages (500 warm-up), 5,000 for the raw limit
#   --unsynced   also run Tern with the spool's WAL not synced (labelled UNSYNCED)
#   --skip LIST  leave out some of: raw, postfix, rsa
#   defaults: 3 runs (medians), 20,000 messages per relay run, 50,000 for the raw limit
#   (10,000 above 10 KB), 5,120-byte messages, 50 sessions, 20,000 warm-up messages (not
#   timed; Tern needs about that many before its JIT-compiled code is steady; 5,000 was
#   not enough: the rate still rose by half from the first timed run to the third).
# env: IDLE_WAIT (30) IDLE_MAX (0.25) RETRIES (1): wait for a quiet machine before each run,
#      repeat a disturbed run at most RETRIES times; TERN_JAR, TERN_JFR, ... see tern-relay.sh;
#      LAT_FRACTION (0.5; empty = skip): after the Ed25519 runs, the latency at this fraction
#      of the rate just measured (load-latency.sh)
# Needs root (installs Postfix's tools when missing, starts Postfix).
set -u
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$BENCH_DIR/../.." && pwd)

RUNS=3; N=20000; NRAW=""; SIZE=5120; SESS=50; WARM=20000; QUICK=0; UNSYNCED=0; SKIP=""
while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=1; RUNS=1; N=2000; NRAW=5000; WARM=500 ;;
        --unsynced) UNSYNCED=1 ;;
        --skip) SKIP=$2; shift ;;
        -n) N=$2; shift ;; -l) SIZE=$2; shift ;; -s) SESS=$2; shift ;;
        -R) RUNS=$2; shift ;; -w) WARM=$2; shift ;;
        -h|--help) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 0 ;;
        *) echo "relay.sh: unknown option $1" >&2; sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
    shift
done
[ -z "$NRAW" ] && { if [ "$SIZE" -gt 10240 ]; then NRAW=10000; else NRAW=50000; fi; }
skip() { [[ ",$SKIP," == *",$1,"* ]]; }
export IDLE_WAIT=${IDLE_WAIT:-30} IDLE_MAX=${IDLE_MAX:-0.25} RETRIES=${RETRIES:-1}

"$BENCH_DIR/setup.sh" || die "setup failed (Postfix's smtp-source/smtp-sink are needed)"
[ -f "${TERN_JAR:-$ROOT/mta-core/target/tern.jar}" ] || die "Tern is not built: run 'bin/tern bench relay'"
if ! skip postfix && [ "$(id -u)" -ne 0 ]; then die "Postfix needs root: run as root or --skip postfix"; fi

SUM=$RESULTS_DIR/summary-$(date -u +%Y%m%dT%H%M%SZ).txt
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
commit=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2> /dev/null)" ] && commit="$commit (work tree has uncommitted changes)"
{
    echo "# relay benchmark $(date -u +%FT%TZ)$( [ $QUICK = 1 ] && echo ' QUICK (smoke test, 1 run)')"
    echo "# machine: $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r), load average $(loadavg)"
    echo "# java: $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1); postfix $(postconf -h mail_version 2> /dev/null || dpkg-query -W -f="\${Version}" postfix 2> /dev/null); tern commit $commit${TERN_JAR:+, jar $TERN_JAR}${TERN_BUILD_NOTE:+ ($TERN_BUILD_NOTE)}"
    echo "# size=$SIZE sessions=$SESS msgs/run=$N (raw $NRAW) runs=$RUNS warmup=$WARM IDLE_WAIT=$IDLE_WAIT RETRIES=$RETRIES"
} | tee "$SUM"

CHILD=""
trap 'kill_pid "$CHILD"' EXIT
trap 'exit 130' INT TERM
step() { # step LABEL ENV... -- CMD...: runs one benchmark, keeps its run and RESULT lines
    local label=$1; shift
    echo "### $label (load average before: $(loadavg))" | tee -a "$SUM"
    env "$@" > "$SUM.$$.out" 2>&1 &
    CHILD=$!
    tail -f --pid="$CHILD" "$SUM.$$.out" 2> /dev/null | grep --line-buffered -E '^(RESULT|run |\[|ERROR|warm-up)' >&2 &
    wait "$CHILD"; CHILD=""
    cat "$SUM.$$.out" >> "$SUM.log"
    grep -E '^(RESULT|run )' "$SUM.$$.out" >> "$SUM"
    grep -q '^RESULT' "$SUM.$$.out" || echo "# $label: no RESULT (see $SUM.log)" | tee -a "$SUM"
    rm -f "$SUM.$$.out"
    echo "# load average after: $(loadavg)" >> "$SUM"
}
RB=(-n "$N" -l "$SIZE" -s "$SESS" -R "$RUNS" -w "$WARM")
skip raw || step "raw limit" "$BENCH_DIR/raw-limit.sh" -n "$NRAW" -l "$SIZE" -s "$SESS" -R "$RUNS"
step "Tern, synced, Ed25519" LAT_FRACTION=${LAT_FRACTION-0.5} TERN_DKIM=ed25519 TERN_SYNC=true "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
skip rsa || step "Tern, synced, RSA-2048" TERN_DKIM=rsa2048 TERN_SYNC=true "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
[ "$UNSYNCED" = 1 ] && step "Tern, UNSYNCED, Ed25519" TERN_DKIM=ed25519 TERN_SYNC=false "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
skip postfix || step "Postfix" "$BENCH_DIR/postfix-relay.sh" "${RB[@]}"
echo "# finished $(date -u +%FT%TZ), load average $(loadavg)" | tee -a "$SUM"
echo
python3 "$BENCH_DIR/table.py" "$SUM" | tee "$SUM.table"
echo
echo "RESULT lines: $SUM   table: $SUM.table   full logs: $SUM.log"
