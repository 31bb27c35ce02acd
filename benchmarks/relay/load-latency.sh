#!/usr/bin/env bash
# Reception-to-delivery latency of an MTA at a fixed offered load (issue 8: p99 < 250 ms at
# 50 % of Tern's maximum rate), read from Tern's event log.
#
# smtp-source cannot pace below one message per second per session (-w takes whole
# seconds), so the load is K smtp-source processes with S/K sessions each, one message per
# session per second (-w 1), started 1/K s apart: about RATE messages per second arriving
# in K bursts per second. The sink must receive exactly the messages sent.
#
# usage: load-latency.sh -r RATE [-d seconds(20)] [-l bytes(5120)] [-k procs(10)] [-N name]
#                        EVENT_LOG_DIR INJECT_HOST:PORT SINK_PORT
# Prints "RESULT name[size=..,sess=..,rcpt=1] msgs=.. rate=../s target_rate=.. p50_ms=.. ...".
set -u
. "$(dirname "$0")/lib.sh"

RATE=""; DUR=20; SIZE=5120; K=10; NAME=latency
while getopts "r:d:l:k:N:h" o; do
    case $o in
        r) RATE=$OPTARG ;; d) DUR=$OPTARG ;; l) SIZE=$OPTARG ;; k) K=$OPTARG ;; N) NAME=$OPTARG ;;
        *) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND-1))
[ $# -eq 3 ] && [ -n "$RATE" ] || { sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2; }
EVDIR=$1; INJECT=$2; SINK_PORT=$3
assert_loopback "$INJECT"
RATE=$(fmt0 "$RATE")
[ "$RATE" -ge "$K" ] && [ "$RATE" -le 900 ] || die "rate must be $K..900 msg/s (one session per msg/s; Tern's default max_connections is 1000)"
[ "$DUR" -ge 5 ] && [ "$DUR" -le 120 ] || die "duration must be 5..120 s"
SRC=$(find_bin smtp-source) || exit 1
SINK=$(find_bin smtp-sink) || exit 1
port_in_use "$SINK_PORT" && die "sink port $SINK_PORT already in use"

PER=$(( RATE / K )); SESS=$(( PER * K )); N=$(( SESS * DUR ))
FULLNAME="$NAME[size=$SIZE,sess=$SESS,rcpt=1]"
WORK=$(mktemp -d "$RESULTS_DIR/.tmp.latency.XXXX")
SINK_PID=""; PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill_pid "$p"; done; kill_pid "$SINK_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

"$SINK" -u nobody -c -4 -m 1024 127.0.0.1:"$SINK_PORT" 1024 > "$WORK/sink.out" 2>&1 &
SINK_PID=$!
wait_listen "$SINK_PORT" || die "smtp-sink did not start"
log "offered load: $K x $PER sessions, 1 msg/s each, for ${DUR}s = $N messages ($SESS msg/s)"
t0=$(now)
for i in $(seq 1 "$K"); do
    timeout $((DUR * 3 + 60)) "$SRC" -d -w 1 -s "$PER" -m $((PER * DUR)) -l "$SIZE" \
        -M bench.localdomain -f sender@bench.localdomain -t rcpt@example.test "$INJECT" \
        > "$WORK/source.$i.out" 2>&1 &
    PIDS+=($!)
    sleep "$(awk -v k="$K" 'BEGIN{printf "%.3f", 1/k}')"
done
rc=0
for p in "${PIDS[@]}"; do wait "$p" || rc=1; done
PIDS=()
t_inj=$(now)
deadline=$(( ${t_inj%.*} + 120 ))
while [ "$(sink_count "$WORK/sink.out")" -lt "$N" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
t_end=$(now)
sleep 1
got=$(sink_count "$WORK/sink.out")
[ "$rc" -eq 0 ] || { echo "RESULT $FULLNAME msgs=$N rate=0/s status=FAIL(smtp-source: $(cat "$WORK"/source.*.out | tail -2 | tr '\n' ' '))"; exit 1; }
[ "$got" -eq "$N" ] || { echo "RESULT $FULLNAME msgs=$N rate=0/s status=FAIL(sink_count=$got)"; exit 1; }
lat=$(python3 "$BENCH_DIR/latency.py" --from "$t0" --to "$t_end" "$EVDIR"/events.jsonl*)
fails=$(cat "$EVDIR"/events.jsonl 2> /dev/null | grep -c '"type":"transient_failure"')
rate=$(awk -v n="$N" -v a="$t0" -v b="$t_inj" 'BEGIN{printf "%.0f", n/(b-a)}')
echo "RESULT $FULLNAME msgs=$N rate=$rate/s target_rate=$RATE $lat transient_failures_in_log=$fails sink_exact=yes status=ok"
