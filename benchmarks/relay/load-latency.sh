#!/usr/bin/env bash
# Reception-to-delivery latency of Tern at a fixed offered load (issue 8: p99 < 250 ms at
# 50 % of Tern's maximum rate), read from Tern's event log.
#
# The load comes from the Java injector (dev.tern.bench.load.LoadMain via benchmarks/bin/bench):
# S SMTP sessions with PIPELINING, message i due at start + i/RATE, so the pace is exact (Postfix's
# smtp-source cannot pace finer than one message per session per second). It sends RATE x
# DURATION messages to smtp-sink on SINK_PORT, which must receive exactly that many.
#
# usage: load-latency.sh -r RATE [-m MAX_RATE] [-d seconds(20)] [-l bytes(5120)] [-s sessions(50)]
#                        [-N name] EVENT_LOG_DIR INJECT_HOST:PORT SINK_PORT
#   -m  the maximum rate RATE was derived from: the RESULT line reports the fraction achieved
# Prints "RESULT name[size=..,sess=..,rcpt=1] msgs=.. rate=../s target_rate=.. max_rate=..
#         fraction=.. p50_ms=.. p99_ms=.. ...".
set -u
. "$(dirname "$0")/lib.sh"

RATE=""; MAX=""; DUR=20; SIZE=5120; SESS=50; NAME=latency
while getopts "r:m:d:l:s:N:h" o; do
    case $o in
        r) RATE=$OPTARG ;; m) MAX=$OPTARG ;; d) DUR=$OPTARG ;; l) SIZE=$OPTARG ;; s) SESS=$OPTARG ;;
        N) NAME=$OPTARG ;; *) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND-1))
[ $# -eq 3 ] && [ -n "$RATE" ] || { sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2; }
EVDIR=$1; INJECT=$2; SINK_PORT=$3
assert_loopback "$INJECT"
awk -v r="$RATE" 'BEGIN{exit !(r >= 1 && r <= 100000)}' || die "rate must be 1..100000 msg/s"
[ "$DUR" -ge 5 ] && [ "$DUR" -le 600 ] || die "duration must be 5..600 s"
SINK=$(find_bin smtp-sink) || exit 1
port_in_use "$SINK_PORT" && die "sink port $SINK_PORT already in use"
BENCH_CMD=${BENCH_CMD:-$BENCH_DIR/../bin/bench}

N=$(awk -v r="$RATE" -v d="$DUR" 'BEGIN{printf "%d", r*d + 0.5}')
FULLNAME="$NAME[size=$SIZE,sess=$SESS,rcpt=1]"
WORK=$(mktemp -d "$RESULTS_DIR/.tmp.latency.XXXX")
SINK_PID=""; INJ_PID=""
cleanup() { kill_pid "$INJ_PID"; kill_pid "$SINK_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

"$SINK" -u nobody -c -4 -m 1024 127.0.0.1:"$SINK_PORT" 1024 > "$WORK/sink.out" 2>&1 &
SINK_PID=$!
wait_listen "$SINK_PORT" || die "smtp-sink did not start"
log "offered load: $RATE msg/s over $SESS sessions for ${DUR}s = $N messages of $SIZE bytes"
t0=$(now)
"$BENCH_CMD" main dev.tern.bench.load.LoadMain --target "$INJECT" --rate "$RATE" --seconds "$DUR" \
    --sessions "$SESS" --size "$SIZE" > "$WORK/load.out" 2> "$WORK/load.err" &
INJ_PID=$!
wait "$INJ_PID"; rc=$?; INJ_PID=""
deadline=$(( $(date +%s) + 120 ))
while [ "$(sink_count "$WORK/sink.out")" -lt "$N" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
t_end=$(now)
sleep 1
got=$(sink_count "$WORK/sink.out")
load=$(tail -1 "$WORK/load.out")
[ "$rc" -eq 0 ] || { echo "RESULT $FULLNAME msgs=$N rate=0/s status=FAIL(injector rc=$rc: $load $(tail -2 "$WORK/load.err" | tr '\n' ' '))"; exit 1; }
[ "$got" -eq "$N" ] || { echo "RESULT $FULLNAME msgs=$N rate=0/s status=FAIL(sink_count=$got)"; exit 1; }
lat=$(python3 "$BENCH_DIR/latency.py" --from "$t0" --to "$t_end" "$EVDIR"/events.jsonl*)
fails=$(cat "$EVDIR"/events.jsonl 2> /dev/null | grep -c '"type":"transient_failure"')
rate=$(echo "$load" | grep -o 'load_rate=[0-9.]*' | cut -d= -f2)
frac=""
[ -n "$MAX" ] && frac=" max_rate=$MAX fraction=$(awk -v a="$rate" -v m="$MAX" 'BEGIN{printf "%.3f", a/m}')"
echo "RESULT $FULLNAME msgs=$N rate=$(fmt0 "$rate")/s target_rate=$RATE$frac $lat transient_failures_in_log=$fails sink_exact=yes status=ok"
