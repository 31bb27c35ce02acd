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
# usage: relay.sh [--quick] [--matrix] [--size LIST] [--sessions LIST] [--unsynced]
#                 [--skip raw,postfix,rsa,latency,chart] [-n msgs] [-R runs] [-w warmup]
#   --size LIST      message size(s), comma-separated: 5k, 100k, 5120 ... (k = 1024; default 5k)
#   --sessions LIST  concurrent SMTP sessions, comma-separated (default 50)
#                    (-l and -s are the old single-value spellings of --size and --sessions)
#   --matrix         sizes 5k,100k x sessions 10,50: raw limit, Tern (synced, Ed25519) and
#                    Postfix in every cell; RSA-2048 and UNSYNCED only in the 5 KB x 50 cell
#   --quick          smoke test: 1 run, 2,000 messages (500 warm-up), 5,000 for the raw limit
#   --unsynced       also run Tern UNSYNCED in every cell, not only in the headline cell
#   --skip LIST      leave out some of: raw, postfix, rsa, unsynced, latency, tls, chart
#   defaults: one cell, 5 KB x 50 sessions (the headline): raw limit, Tern synced Ed25519 (+ its
#   latency at 50 % of the rate just measured), Tern synced RSA-2048, Tern with the spool's WAL
#   not synced (Ed25519, labelled UNSYNCED), Postfix; 3 runs (medians);
#   per relay run 20,000 messages up to 10 KB and 5,000 above (-n overrides), for the raw limit
#   50,000 / 10,000; warm-up 20,000 messages up to 10 KB, 5,000 above (-w overrides; not timed:
#   Tern needs about that many before its JIT-compiled code is steady).
#   TLS to the sink (issue 20), headline cell only, after the rows above: Tern (synced, Ed25519) to
#   the Java sink (smtp-sink has no STARTTLS) without STARTTLS, then with STARTTLS (self-signed
#   certificate, Tern's default policy opportunistic): the pair isolates the TLS cost from the
#   sink's own; each run fails unless every message arrived over TLS (tern-relay.sh --sink).
# Output in benchmarks/results/relay/: summary-*.txt (RESULT lines), .table, .jsonl (one JSON
# object per result: the results file), .png (the chart, dev.tern.bench.report.ChartMain), .log.
# env: IDLE_WAIT (30) IDLE_MAX (0.25) RETRIES (1): wait for a quiet machine before each run,
#      repeat a disturbed run at most RETRIES times; TERN_JAR, TERN_JFR, ports ... see
#      tern-relay.sh; LAT_FRACTION (0.5): the latency run's pace as a fraction of the Tern
#      (synced, Ed25519) rate measured just before it in the same cell
# Needs root (installs Postfix's tools when missing, starts Postfix).
set -u
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$BENCH_DIR/../.." && pwd)

RUNS=3; N=""; NRAW=""; SIZES=5120; SESSIONS=50; WARM=""; QUICK=0; UNSYNCED=0; SKIP=""; MATRIX=0
while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=1; RUNS=1; N=2000; NRAW=5000; WARM=500 ;;
        --matrix) MATRIX=1; SIZES=5120,102400; SESSIONS=10,50 ;;
        --unsynced) UNSYNCED=1 ;;
        --skip) SKIP=$2; shift ;;
        --size|-l) SIZES=$2; shift ;;
        --sessions|-s) SESSIONS=$2; shift ;;
        -n) N=$2; shift ;; -R) RUNS=$2; shift ;; -w) WARM=$2; shift ;;
        -h|--help) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 0 ;;
        *) echo "relay.sh: unknown option $1" >&2; sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
    shift
done
SIZE_LIST=""
for z in ${SIZES//,/ }; do SIZE_LIST="$SIZE_LIST $(parse_size "$z")" || die "bad size '$z'"; done
SESS_LIST=${SESSIONS//,/ }
for x in $SESS_LIST; do [[ $x =~ ^[0-9]+$ ]] && [ "$x" -ge 1 ] && [ "$x" -le 1000 ] || die "bad session count '$x'"; done
skip() { [[ ",$SKIP," == *",$1,"* ]]; }
export IDLE_WAIT=${IDLE_WAIT:-30} IDLE_MAX=${IDLE_MAX:-0.25} RETRIES=${RETRIES:-1}
# the headline cell gets every configuration; other cells raw, Tern Ed25519 and Postfix
HEAD_SIZE=5120; HEAD_SESS=50
headline() { [ "$1" = "$HEAD_SIZE" ] && [ "$2" = "$HEAD_SESS" ]; }
n_for() { if [ -n "$N" ]; then echo "$N"; elif [ "$1" -gt 10240 ]; then echo 5000; else echo 20000; fi; }
nraw_for() { if [ -n "$NRAW" ]; then echo "$NRAW"; elif [ "$1" -gt 10240 ]; then echo 10000; else echo 50000; fi; }
warm_for() { if [ -n "$WARM" ]; then echo "$WARM"; elif [ "$1" -gt 10240 ]; then echo 5000; else echo 20000; fi; }

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
    echo "# sizes=${SIZE_LIST# } sessions=$SESS_LIST msgs/run=${N:-20000 (5000 above 10 KB)} (raw ${NRAW:-50000/10000}) runs=$RUNS warmup=${WARM:-20000 (5000 above 10 KB)} matrix=$MATRIX IDLE_WAIT=$IDLE_WAIT RETRIES=$RETRIES"
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
for size in $SIZE_LIST; do
    for sess in $SESS_LIST; do
        cell="$(( (size + 512) / 1024 )) KB x $sess sessions"
        n=$(n_for "$size"); RB=(-n "$n" -l "$size" -s "$sess" -R "$RUNS" -w "$(warm_for "$size")")
        lat=${LAT_FRACTION-0.5}; skip latency && lat=""
        skip raw || step "raw limit, $cell" "$BENCH_DIR/raw-limit.sh" -n "$(nraw_for "$size")" -l "$size" -s "$sess" -R "$RUNS"
        step "Tern, synced, Ed25519, $cell" LAT_FRACTION="$lat" TERN_DKIM=ed25519 TERN_SYNC=true "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
        if headline "$size" "$sess" || [ "$MATRIX" = 0 ]; then
            skip rsa || step "Tern, synced, RSA-2048, $cell" LAT_FRACTION= TERN_DKIM=rsa2048 TERN_SYNC=true "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
        fi
        if { headline "$size" "$sess" || [ "$UNSYNCED" = 1 ]; } && ! skip unsynced; then
            step "Tern, UNSYNCED, Ed25519, $cell" LAT_FRACTION= TERN_DKIM=ed25519 TERN_SYNC=false "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
        fi
        skip postfix || step "Postfix, $cell" "$BENCH_DIR/postfix-relay.sh" "${RB[@]}"
        if headline "$size" "$sess" && ! skip tls; then
            step "Tern, synced, Ed25519, Java sink plain, $cell" LAT_FRACTION= TERN_DKIM=ed25519 TERN_SYNC=true TERN_SINK=java "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
            step "Tern, synced, Ed25519, Java sink STARTTLS, $cell" LAT_FRACTION= TERN_DKIM=ed25519 TERN_SYNC=true TERN_SINK=java-tls "$BENCH_DIR/tern-relay.sh" "${RB[@]}"
        fi
    done
done
echo "# finished $(date -u +%FT%TZ), load average $(loadavg)" | tee -a "$SUM"
echo
python3 "$BENCH_DIR/table.py" --jsonl "$SUM.jsonl" "$SUM" | tee "$SUM.table"
echo
chart=""
if ! skip chart; then
    "$ROOT/benchmarks/bin/bench" main dev.tern.bench.report.ChartMain "$SUM.jsonl" "$SUM.png" && chart="   chart: $SUM.png"
fi
echo "RESULT lines: $SUM   table: $SUM.table   results file: $SUM.jsonl$chart   full logs: $SUM.log"
