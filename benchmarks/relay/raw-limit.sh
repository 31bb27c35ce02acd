#!/usr/bin/env bash
# Raw loopback limit: smtp-source -> smtp-sink directly, no MTA in between.
# This is the ceiling any relay MTA on this box can reach with this load
# generator (both tools share the same cores as the MTA under test).
# Copied unchanged in logic from the shared loopback harness (../shared/bench/raw-limit.sh).
#
# usage: raw-limit.sh [-n msgs(50000)] [-l bytes(5120)] [-s sessions(50)] [-r rcpts(1)] [-R runs(3)]
#                     [-p sink_port(31026)] [-t timeout_s(120)]
# env: IDLE_MAX IDLE_WAIT FOREIGN_MAX RETRIES as in relay-bench.sh
set -u
. "$(dirname "$0")/lib.sh"

N=50000; SIZE=5120; SESS=50; RCPT=1
RUNS=3; PORT=31026; TMO=120
while getopts "n:l:s:r:R:p:t:h" o; do
    case $o in
        n) N=$OPTARG ;; l) SIZE=$OPTARG ;; s) SESS=$OPTARG ;; r) RCPT=$OPTARG ;;
        R) RUNS=$OPTARG ;; p) PORT=$OPTARG ;; t) TMO=$OPTARG ;;
        *) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
done
[ "$N" -le 1000000 ] || die "msgs bounded to 1000000"
[ "$RUNS" -le 20 ] || die "runs bounded to 20"

SRC=$(find_bin smtp-source) || exit 1
SINK=$(find_bin smtp-sink) || exit 1
TIMEBIN=/usr/bin/time; [ -x $TIMEBIN ] || die "/usr/bin/time missing (apt-get install time)"
port_in_use "$PORT" && die "port $PORT already in use"

NAME="raw-limit[size=$SIZE,sess=$SESS,rcpt=$RCPT]"
TAG=raw-$SIZE-$SESS-$RCPT
WORK=$(mktemp -d "$RESULTS_DIR/.tmp.$TAG.XXXX")
SINK_PID=""; INJ_PID=""
cleanup() { kill_pid "$INJ_PID"; kill_pid "$SINK_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

rates=(); secs=(); disturbed=0
RUNLOG=$RESULTS_DIR/$TAG.log
: > "$RUNLOG"
d_rates=(); d_secs=(); RETRIES=${RETRIES:-3}
run=0
while [ ${#rates[@]} -lt "$RUNS" ] && [ $run -lt $((RUNS + RETRIES)) ]; do
    run=$((run + 1))
    "$SINK" -u nobody -c -4 127.0.0.1:"$PORT" 1024 > "$WORK/sink.out" 2>&1 &
    SINK_PID=$!
    wait_listen "$PORT" || die "smtp-sink did not start"
    wait_idle; idle_ok=$?
    f0=$(foreign_ticks)
    read -r b0 t0tot _ < <(cpu_snapshot)
    t0=$(now)
    timeout "$TMO" $TIMEBIN -f "%e %U %S" -o "$WORK/time.out" \
        "$SRC" -4 -d -s "$SESS" -m "$N" -l "$SIZE" -r "$RCPT" \
        -M bench.localdomain -f sender@bench.localdomain -t rcpt@example.test \
        127.0.0.1:"$PORT" > "$WORK/source.out" 2>&1 &
    INJ_PID=$!
    wait "$INJ_PID"; rc=$?; INJ_PID=""
    t1=$(now)
    read -r b1 t1tot _ < <(cpu_snapshot)
    f1=$(foreign_ticks)
    sleep 0.1
    got=$(sink_count "$WORK/sink.out")
    sink_ticks=$(proc_ticks "$SINK_PID")
    kill_pid "$SINK_PID"; SINK_PID=""
    el=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    read -r _ su ss < <(tail -1 "$WORK/time.out" 2>/dev/null || echo "0 0 0")
    if [ "$rc" -ne 0 ] || [ "$got" -ne "$N" ]; then
        echo "run $run FAILED: smtp-source rc=$rc sink_count=$got/$N ($(tail -2 "$WORK/source.out" | tr '\n' ' '))" | tee -a "$RUNLOG"
        echo "RESULT $NAME msgs=$N seconds=nan rate=0/s status=FAIL"
        exit 1
    fi
    rate=$(awk -v n="$N" -v e="$el" 'BEGIN{printf "%.0f", n/e}')
    line=$(awk -v e="$el" -v su="$su" -v ss="$ss" -v sk="$sink_ticks" -v hz="$HZ" \
        -v bb="$((b1-b0))" -v tt="$((t1tot-t0tot))" -v ncpu="$NCPU" 'BEGIN{
        src=(su+ss)/e; snk=(sk/hz)/e; tot=(tt>0)?bb/tt*ncpu:0;
        printf "cpu_cores(of %d): total=%.2f smtp-source=%.2f smtp-sink=%.2f kernel+other=%.2f", ncpu, tot, src, snk, tot-src-snk }')
    foreign=$(awk -v f="$((f1 - f0))" -v hz="$HZ" -v e="$el" 'BEGIN{printf "%.2f", f/hz/e}')
    line="$line foreign=$foreign"
    flag=""
    if [ $idle_ok -ne 0 ] || awk -v x="$foreign" -v m="${FOREIGN_MAX:-0.2}" 'BEGIN{exit !(x>m)}'; then
        flag=" DISTURBED(busy_before=$IDLE_BUSY,foreign=$foreign)"; disturbed=$((disturbed + 1))
    fi
    echo "run $run: msgs=$N seconds=$el rate=$rate/s $line$flag" | tee -a "$RUNLOG"
    if [ -z "$flag" ]; then rates+=("$rate"); secs+=("$el"); else d_rates+=("$rate"); d_secs+=("$el"); fi
done
status=ok
if [ ${#rates[@]} -lt "$RUNS" ]; then
    status="DISTURBED(only ${#rates[@]} of $RUNS runs clean)"
    rates+=("${d_rates[@]}"); secs+=("${d_secs[@]}")
fi
mr=$(printf '%s\n' "${rates[@]}" | median)
ms=$(printf '%s\n' "${secs[@]}" | median)
echo "RESULT $NAME msgs=$N seconds=$ms rate=$(fmt0 "$mr")/s runs=${#rates[@]} disturbed=$disturbed status=$status rates=$(IFS=,; echo "${rates[*]}")" | tee -a "$RUNLOG"
