#!/usr/bin/env bash
# Reception-to-delivery latency of Tern at a fixed offered load (issue 17: p99 < 100 ms at
# exactly 50 % +/- 5 % of Tern's measured maximum rate), read from Tern's event log.
#
# The load comes from the Java injector (dev.tern.bench.load.LoadMain via benchmarks/bin/bench):
# S SMTP sessions, message i due at start + i/RATE, so the pace is exact (Postfix's smtp-source
# cannot pace finer than one message per session per second). The sessions connect before the
# schedule starts; the first W seconds (-W, default 5) at the same rate warm up the injector's JIT
# and are not measured; then RATE x DURATION measured messages. With -P K, K injector processes
# share the schedule (each S/K sessions, every K-th message, one agreed start instant). By default
# the dialogue is the one smtp-source uses in the saturated runs, one command per round trip
# (-p yes: MAIL, RCPT and DATA pipelined in one write). smtp-sink on SINK_PORT must receive
# exactly every message (warm-up and measured).
#
# usage: load-latency.sh -r RATE [-m MAX_RATE] [-d seconds(20)] [-l bytes(5120)] [-s sessions(50)]
#                        [-W warmup_seconds(LAT_WARMUP or 5)] [-P processes(LOAD_PROCS or 1)]
#                        [-p yes|no (LAT_PIPELINING or no)]
#                        [-N name] EVENT_LOG_DIR INJECT_HOST:PORT SINK_PORT
#   -m  the maximum rate RATE was derived from: the RESULT line reports the fraction achieved
# achieved rate = measured messages accepted / (time the first measured message was due -> the
# last reply to a measured one), over all processes; "pace_ok=yes" when it is within 5 % of RATE.
# Prints "RESULT name[size=..,sess=..,rcpt=1] msgs=.. rate=../s target_rate=.. max_rate=..
#         fraction=.. pace_ok=.. p50_ms=.. p99_ms=.. late_p99_ms=.. inject_p50_ms=.. ...".
set -u
. "$(dirname "$0")/lib.sh"

RATE=""; MAX=""; DUR=20; SIZE=5120; SESS=50; NAME=latency; WARM=${LAT_WARMUP:-5}; PROCS=${LOAD_PROCS:-1}; PIPE=${LAT_PIPELINING:-no}
while getopts "r:m:d:l:s:N:W:P:p:h" o; do
    case $o in
        r) RATE=$OPTARG ;; m) MAX=$OPTARG ;; d) DUR=$OPTARG ;; l) SIZE=$OPTARG ;; s) SESS=$OPTARG ;;
        N) NAME=$OPTARG ;; W) WARM=$OPTARG ;; P) PROCS=$OPTARG ;; p) PIPE=$OPTARG ;;
        *) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND-1))
[ $# -eq 3 ] && [ -n "$RATE" ] || { sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2; }
EVDIR=$1; INJECT=$2; SINK_PORT=$3
assert_loopback "$INJECT"
awk -v r="$RATE" 'BEGIN{exit !(r >= 1 && r <= 100000)}' || die "rate must be 1..100000 msg/s"
[ "$DUR" -ge 5 ] && [ "$DUR" -le 600 ] || die "duration must be 5..600 s"
[[ $WARM =~ ^[0-9]+$ ]] && [ "$WARM" -le 120 ] || die "warm-up must be 0..120 s"
[[ $PROCS =~ ^[0-9]+$ ]] && [ "$PROCS" -ge 1 ] && [ "$PROCS" -le 8 ] && [ "$PROCS" -le "$SESS" ] ||
    die "processes must be 1..8 and at most the sessions"
case $PIPE in yes|no) ;; *) die "-p must be yes or no" ;; esac
SINK=$(find_bin smtp-sink) || exit 1
port_in_use "$SINK_PORT" && die "sink port $SINK_PORT already in use"
BENCH_CMD=${BENCH_CMD:-$BENCH_DIR/../bin/bench}

NWARM=$(awk -v r="$RATE" -v d="$WARM" 'BEGIN{printf "%d", r*d + 0.5}')
NMEAS=$(awk -v r="$RATE" -v d="$DUR" 'BEGIN{printf "%d", r*d + 0.5}')
N=$((NWARM + NMEAS))
FULLNAME="$NAME[size=$SIZE,sess=$SESS,rcpt=1]"
WORK=$(mktemp -d "$RESULTS_DIR/.tmp.latency.XXXX")
SINK_PID=""; INJ_PIDS=""
cleanup() { for p in $INJ_PIDS; do kill_pid "$p"; done; kill_pid "$SINK_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

"$SINK" -u nobody -c -4 -m 1024 127.0.0.1:"$SINK_PORT" 1024 > "$WORK/sink.out" 2>&1 &
SINK_PID=$!
wait_listen "$SINK_PORT" || die "smtp-sink did not start"
log "offered load: $RATE msg/s over $SESS sessions ($PROCS process(es), pipelining=$PIPE): ${WARM}s warm-up + ${DUR}s measured = $N messages of $SIZE bytes"
# one schedule for all processes, starting when every JVM is up and connected
start_at=$(( $(date +%s%3N) + 3000 ))
rc=0
for k in $(seq 0 $((PROCS - 1))); do
    s_k=$(( SESS / PROCS + (k < SESS % PROCS ? 1 : 0) ))
    "$BENCH_CMD" main dev.tern.bench.load.LoadMain --target "$INJECT" --rate "$RATE" --seconds "$DUR" \
        --warmup-seconds "$WARM" --sessions "$s_k" --size "$SIZE" --pipelining "$PIPE" \
        --shard "$k" --shards "$PROCS" --start-at "$start_at" > "$WORK/load.$k.out" 2> "$WORK/load.$k.err" &
    INJ_PIDS="$INJ_PIDS $!"
done
for p in $INJ_PIDS; do wait "$p" || rc=1; done
INJ_PIDS=""
deadline=$(( $(date +%s) + 120 ))
while [ "$(sink_count "$WORK/sink.out")" -lt "$N" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
t_end=$(now)
sleep 1
got=$(sink_count "$WORK/sink.out")
loads=$(cat "$WORK"/load.*.out)
[ "$rc" -eq 0 ] || { echo "RESULT $FULLNAME msgs=$N rate=0/s status=FAIL(injector: $(echo "$loads" | tr '\n' ' ') $(tail -q -n 2 "$WORK"/load.*.err | tr '\n' ' '))"; exit 1; }
[ "$got" -eq "$N" ] || { echo "RESULT $FULLNAME msgs=$N rate=0/s status=FAIL(sink_count=$got, expected $N)"; exit 1; }
# combine the processes: one window from the first measured due time to the last measured reply
read -r rate t0 late50 late99 latemax inj50 inj99 <<< "$(echo "$loads" | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      acc += v["measured_accepted"]; s = v["measure_start_epoch"]; e = v["last_reply_epoch"]
      if (start == "" || s < start) start = s; if (e > end) end = e
      # percentiles of the processes: the worst one (each process has the same share of messages)
      if (v["late_p50_ms"] > l50) l50 = v["late_p50_ms"]; if (v["late_p99_ms"] > l99) l99 = v["late_p99_ms"]
      if (v["late_max_ms"] > lmax) lmax = v["late_max_ms"]
      if (v["inject_p50_ms"] > i50) i50 = v["inject_p50_ms"]; if (v["inject_p99_ms"] > i99) i99 = v["inject_p99_ms"] }
    END { printf "%.1f %.6f %s %s %s %s %s\n", (end > start ? acc / (end - start) : 0), start, l50, l99, lmax, i50, i99 }')"
lat=$(python3 "$BENCH_DIR/latency.py" --from "$t0" --to "$t_end" "$EVDIR"/events.jsonl*)
fails=$(cat "$EVDIR"/events.jsonl 2> /dev/null | grep -c '"type":"transient_failure"')
pace_ok=$(awk -v a="$rate" -v r="$RATE" 'BEGIN{d = a / r - 1; if (d < 0) d = -d; print (d <= 0.05 ? "yes" : "NO")}')
frac=""
[ -n "$MAX" ] && frac=" max_rate=$MAX fraction=$(awk -v a="$rate" -v m="$MAX" 'BEGIN{printf "%.3f", a/m}')"
echo "RESULT $FULLNAME msgs=$NMEAS rate=$(fmt0 "$rate")/s target_rate=$RATE$frac pace_ok=$pace_ok $lat late_p50_ms=$late50 late_p99_ms=$late99 late_max_ms=$latemax inject_p50_ms=$inj50 inject_p99_ms=$inj99 warmup_msgs=$NWARM procs=$PROCS pipelining=$PIPE transient_failures_in_log=$fails sink_exact=yes status=ok"
