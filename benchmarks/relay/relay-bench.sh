#!/usr/bin/env bash
# Generic end-to-end relay benchmark for ANY MTA on loopback.
# Copied from the shared loopback harness (../shared/bench/relay-bench.sh) and extended for
# Tern: CPU seconds per 1,000 messages, a POST_RUN hook whose key=value output (e.g. the
# latency percentiles from Tern's event log) joins the run line and the RESULT medians, and
# a run fails unless the sink received exactly N messages.
#
#   smtp-source --SMTP--> MTA under test (INJECT host:port) --SMTP--> smtp-sink (127.0.0.1:SINK_PORT)
#
# The MTA must already be running and configured to relay every recipient
# (rcpt@example.test by default) to 127.0.0.1:SINK_PORT. This script starts
# smtp-sink itself (the port must be free), injects N messages with
# smtp-source and measures:
#   inject  = N / (time until smtp-source got "250" for the last message)
#   e2e     = N / (time from first injection until smtp-sink has received N)
# plus the CPU split between load generator (smtp-source, smtp-sink) and the
# rest of the machine (= the MTA, plus kernel/loopback work it causes).
#
# usage: relay-bench.sh [options] INJECT_HOST:PORT SINK_PORT
#   -n msgs      messages per timed run            (default 20000)
#   -l bytes     payload size per message          (default 5120)
#   -s sessions  parallel SMTP sessions            (default 20)
#   -r rcpts     recipients per message            (default 1)
#   -R runs      timed runs; RESULT is the median  (default 3)
#   -w msgs      warm-up messages, not timed; 0=off (default 2000)
#   -t seconds   time limit per run                (default 300)
#   -N name      name printed in the RESULT line   (default relay)
#   -P pids      MTA pid(s), comma-separated (e.g. the JVM) for an exact MTA CPU figure
#   -T rcpt      recipient address                 (default rcpt@example.test)
#   -x           do not reuse SMTP connections in smtp-source (one msg per session)
# env: PRE_RUN='cmd'     evaluated before every run (e.g. purge the MTA queue)
#      POST_RUN='cmd'    evaluated after every timed run (MTA idle again) with RUN_T0 and
#                        RUN_TEND (epoch seconds: injection start, sink got N) exported;
#                        its stdout ("key=number ...") is added to the run line, and the
#                        RESULT line gets the median of each key over the runs
#      RESULT_FILE=path  the RESULT line is also appended to this file
#      WARM_SNAP='cmd' WARM_CHECK='cmd'  around each warm-up round: WARM_CHECK (stdout: a verdict
#                        for the log) exits non-zero while the MTA is not warm yet (e.g. its JIT
#                        still compiling), and another round of -w messages follows, at most
#                        WARM_ROUNDS (5) rounds in all
#      RESULT_EXTRA='cmd' evaluated before the RESULT line; its stdout ("key=value ...") is
#                        added to it (e.g. the JVM's peak RSS, see jvm_stats in lib.sh)
#      SINK_CMD='cmd'    start this sink instead of smtp-sink (eval'ed with exec, so its pid is the
#                        sink's: e.g. the Java sink, see tern-relay.sh --sink); it must listen on
#                        127.0.0.1:SINK_PORT and write smtp-sink -c's counters ("... mesg=N\r")
#      SINK_TLS=1        every message must reach the sink over TLS: the sink's tls_mesg counter
#                        (the Java sink's) must grow by exactly N in every run and warm-up round
#      RUN_CHECK='cmd'   evaluated after every warm-up round and timed run; a non-zero exit fails
#                        the run with its stdout as the reason (e.g. Tern's TLS session counters)
#      EXCLUDE_PIDS=a,b  more MTA pids (and their children) that are not "foreign"
#      BENCH_USERS=postfix,nobody  users whose processes are not "foreign"
#      IDLE_MAX=0.25 IDLE_WAIT=180  wait before each run until <0.25 cores are busy
#      FOREIGN_MAX=0.2   a run is flagged DISTURBED if other processes used more
#      RETRIES=3         extra runs allowed to replace DISTURBED ones (median = clean runs)
# "foreign" = CPU used during the run by processes that are not part of the
# benchmark (e.g. a build running in parallel); such runs are flagged.
set -u
. "$(dirname "$0")/lib.sh"

N=20000; SIZE=5120; SESS=20; RCPT=1; RUNS=3; WARM=2000; TMO=300; NAME=relay
MTA_PID=${MTA_PID:-}; TO=rcpt@example.test; REUSE=-d
while getopts "n:l:s:r:R:w:t:N:P:T:xh" o; do
    case $o in
        n) N=$OPTARG ;; l) SIZE=$OPTARG ;; s) SESS=$OPTARG ;; r) RCPT=$OPTARG ;;
        R) RUNS=$OPTARG ;; w) WARM=$OPTARG ;; t) TMO=$OPTARG ;; N) NAME=$OPTARG ;;
        P) MTA_PID=$OPTARG ;; T) TO=$OPTARG ;; x) REUSE="" ;;
        *) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND-1))
[ $# -eq 2 ] || { sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2; }
INJECT=$1; SINK_PORT=$2
assert_loopback "$INJECT"
[[ $SINK_PORT =~ ^[0-9]+$ ]] || die "bad sink port"
[ "$N" -ge 1 ] && [ "$N" -le 1000000 ] || die "msgs must be 1..1000000"
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || die "runs must be 1..20"
[ "$TMO" -le 3600 ] || die "timeout bounded to 3600 s"

SRC=$(find_bin smtp-source) || exit 1
SINK=$(find_bin smtp-sink) || exit 1
TIMEBIN=/usr/bin/time; [ -x $TIMEBIN ] || die "/usr/bin/time missing (apt-get install time)"
port_in_use "$SINK_PORT" && die "sink port $SINK_PORT already in use (stop whatever listens there)"

FULLNAME="$NAME[size=$SIZE,sess=$SESS,rcpt=$RCPT]"
TAG=$(echo "$NAME-$SIZE-$SESS-$RCPT" | tr -c 'A-Za-z0-9_.\n-' '_')
WORK=$(mktemp -d "$RESULTS_DIR/.tmp.$TAG.XXXX")
RUNLOG=$RESULTS_DIR/$TAG.log
SINK_PID=""; INJ_PID=""
cleanup() { kill_pid "$INJ_PID"; kill_pid "$SINK_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# one sink for warm-up and all runs, so MTA connection caches stay valid;
# each run counts the delta of its "mesg=" counter.
if [ -n "${SINK_CMD:-}" ]; then
    # exec: $! is the sink process itself (its CPU is measured as the sink's)
    ( eval "exec $SINK_CMD" ) > "$WORK/sink.out" 2> "$WORK/sink.err" &
    SINK_PID=$!
    for _ in 1 2 3 4 5 6; do wait_listen "$SINK_PORT" && break; done   # a JVM: up to 30 s
    wait_listen "$SINK_PORT" || { cat "$WORK/sink.err" >&2; die "the sink ($SINK_CMD) did not start on 127.0.0.1:$SINK_PORT"; }
else
    "$SINK" -u nobody -c -4 -m 1024 127.0.0.1:"$SINK_PORT" 1024 > "$WORK/sink.out" 2>&1 &
    SINK_PID=$!
    wait_listen "$SINK_PORT" || die "smtp-sink did not start on 127.0.0.1:$SINK_PORT"
fi
# TLS at the sink (SINK_TLS=1) and RUN_CHECK, after a run or warm-up round that started at sink
# tls_mesg count $1 with $2 messages: sets CHECK_FAIL to the reason, empty when all is well
CHECK_FAIL=""
run_checks() {
    local tls0=$1 n=$2 got out
    CHECK_FAIL=""
    if [ "${SINK_TLS:-0}" = 1 ]; then
        got=$(( $(sink_field "$WORK/sink.out" tls_mesg) - tls0 ))
        [ "$got" -eq "$n" ] || { CHECK_FAIL="plaintext: only $got of $n messages reached the sink over TLS"; return; }
        echo "# $got of $n messages reached the sink over TLS" >> "$RUNLOG"
    fi
    if [ -n "${RUN_CHECK:-}" ]; then
        if out=$(eval "$RUN_CHECK" 2>&1); then
            echo "# check: $(echo "$out" | tail -1)" >> "$RUNLOG"
        else
            CHECK_FAIL="check: $(echo "$out" | tail -1)"
        fi
    fi
}

inject() { # inject COUNT -> runs smtp-source, writes $WORK/time.out, returns rc
    # backgrounded + wait, so that INT/TERM reach our trap at once
    timeout "$TMO" $TIMEBIN -f "%e %U %S" -o "$WORK/time.out" \
        "$SRC" $REUSE -s "$SESS" -m "$1" -l "$SIZE" -r "$RCPT" \
        -M bench.localdomain -f sender@bench.localdomain -t "$TO" \
        "$INJECT" > "$WORK/source.out" 2>&1 &
    INJ_PID=$!
    wait "$INJ_PID"; local rc=$?
    INJ_PID=""
    return $rc
}

# wait until the sink counter reaches TARGET or DEADLINE (epoch s); sets T_END
# (no command substitution: a long-running $(...) would delay signal traps)
T_END=0
wait_sink() {
    local target=$1 deadline=${2%.*} c
    while :; do
        c=$(sink_count "$WORK/sink.out")
        T_END=$(now)
        [ "$c" -ge "$target" ] && return 0
        [ "${T_END%.*}" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

# wait until the counter has not moved for 1 s (MTA idle), max 30 s; sets SETTLED
SETTLED=0
settle() {
    local b i
    SETTLED=$(sink_count "$WORK/sink.out")
    for i in $(seq 1 30); do
        sleep 1; b=$(sink_count "$WORK/sink.out")
        [ "$SETTLED" = "$b" ] && break; SETTLED=$b
    done
}

: > "$RUNLOG"
[ -s "$WORK/sink.err" ] && head -3 "$WORK/sink.err" | sed 's/^/# /' >> "$RUNLOG"
echo "# $(date -u +%FT%TZ) $FULLNAME inject=$INJECT sink=127.0.0.1:$SINK_PORT msgs=$N runs=$RUNS warmup=$WARM reuse=${REUSE:-no}" | tee -a "$RUNLOG" >&2

if [ "$WARM" -gt 0 ]; then
    round=0
    while :; do
        round=$((round + 1))
        [ -n "${PRE_RUN:-}" ] && eval "$PRE_RUN"
        [ -n "${WARM_SNAP:-}" ] && eval "$WARM_SNAP"
        c0=$(sink_count "$WORK/sink.out"); tls0=$(sink_field "$WORK/sink.out" tls_mesg)
        inject "$WARM"; rc=$?
        wait_sink $((c0 + WARM)) $(( $(date +%s) + TMO )); ok=$?
        [ $rc -eq 0 ] && [ $ok -eq 0 ] || {
            echo "warm-up FAILED: smtp-source rc=$rc sink=$(( $(sink_count "$WORK/sink.out") - c0 ))/$WARM: $(tail -2 "$WORK/source.out" | tr '\n' ' ')" | tee -a "$RUNLOG"
            echo "RESULT $FULLNAME msgs=$N seconds=nan rate=0/s status=FAIL(warmup)"; exit 1; }
        settle
        run_checks "$tls0" "$WARM"
        [ -z "$CHECK_FAIL" ] || {
            echo "warm-up FAILED: $CHECK_FAIL" | tee -a "$RUNLOG"
            echo "RESULT $FULLNAME msgs=$N seconds=nan rate=0/s status=FAIL(warmup:${CHECK_FAIL%%:*})"; exit 1; }
        verdict=""
        [ -n "${WARM_CHECK:-}" ] && { verdict=$(eval "$WARM_CHECK"); wrc=$?; }
        log "warm-up round $round of $WARM messages done${verdict:+: $verdict}"
        echo "# warm-up round $round: $WARM messages${verdict:+, $verdict}" >> "$RUNLOG"
        [ -z "${WARM_CHECK:-}" ] || [ "$wrc" -eq 0 ] || [ "$round" -ge "${WARM_ROUNDS:-5}" ] && break
    done
    log "warm-up of $round x $WARM messages done"
fi

e2e_rates=(); e2e_secs=(); inj_rates=(); disturbed=0   # clean runs only
d_rates=(); d_secs=(); d_inj=()                           # disturbed runs
EXCL=$MTA_PID${EXCLUDE_PIDS:+,$EXCLUDE_PIDS}
RETRIES=${RETRIES:-3}   # extra attempts allowed to replace disturbed runs
run=0
while [ ${#e2e_rates[@]} -lt "$RUNS" ] && [ $run -lt $((RUNS + RETRIES)) ]; do
    run=$((run + 1))
    [ -n "${PRE_RUN:-}" ] && eval "$PRE_RUN"
    settle; c0=$SETTLED; tls0=$(sink_field "$WORK/sink.out" tls_mesg)
    wait_idle; idle_ok=$?
    sink0=$(proc_ticks "$SINK_PID")
    mta0=$(pids_ticks "$MTA_PID")
    f0=$(foreign_ticks "$EXCL")
    read -r b0 tt0 io0 < <(cpu_snapshot)
    t0=$(now)
    deadline=$(( ${t0%.*} + TMO ))
    inject "$N"; rc=$?
    t_inj=$(now)
    wait_sink $((c0 + N)) "$deadline"; ok=$?; t_end=$T_END
    read -r b1 tt1 io1 < <(cpu_snapshot)
    f1=$(foreign_ticks "$EXCL")
    sink1=$(proc_ticks "$SINK_PID")
    mta1=$(pids_ticks "$MTA_PID")
    got=$(( $(sink_count "$WORK/sink.out") - c0 ))
    if [ $rc -ne 0 ] || [ $ok -ne 0 ]; then
        echo "run $run FAILED: smtp-source rc=$rc, sink received $got/$N within ${TMO}s: $(tail -2 "$WORK/source.out" | tr '\n' ' ')" | tee -a "$RUNLOG"
        echo "RESULT $FULLNAME msgs=$N seconds=nan rate=0/s status=FAIL"
        exit 1
    fi
    read -r _ su ss < <(tail -1 "$WORK/time.out")
    settle; extra=$(( SETTLED - c0 - N ))
    post=""
    if [ -n "${POST_RUN:-}" ]; then
        export RUN_T0=$t0 RUN_TEND=$t_end
        post=$(eval "$POST_RUN" 2>> "$RUNLOG" | tail -1)
    fi
    read -r e2e_s inj_s e2e_r inj_r < <(awk -v a="$t0" -v b="$t_inj" -v c="$t_end" -v n="$N" \
        'BEGIN{printf "%.3f %.3f %.0f %.0f\n", c-a, b-a, n/(c-a), n/(b-a)}')
    cpu=$(awk -v e="$e2e_s" -v su="$su" -v ss="$ss" -v sk="$((sink1-sink0))" -v mt="$((mta1-mta0))" \
        -v hasmta="${MTA_PID:+1}" -v hz="$HZ" -v bb="$((b1-b0))" -v tt="$((tt1-tt0))" \
        -v io="$((io1-io0))" -v ncpu="$NCPU" 'BEGIN{
        src=(su+ss)/e; snk=(sk/hz)/e; tot=(tt>0)?bb/tt*ncpu:0; iow=(tt>0)?io/tt*ncpu:0;
        s=sprintf("cpu_cores(of %d): total=%.2f smtp-source=%.2f smtp-sink=%.2f mta+kernel=%.2f iowait=%.2f",
                  ncpu, tot, src, snk, tot-src-snk, iow);
        if (hasmta) s=s sprintf(" mta_pids=%.2f", (mt/hz)/e);
        print s }')
    # CPU seconds per 1,000 messages: the MTA plus the kernel work it causes, and (with -P)
    # the MTA processes alone
    k1=$(awk -v e="$e2e_s" -v su="$su" -v ss="$ss" -v sk="$((sink1-sink0))" -v mt="$((mta1-mta0))" \
        -v hasmta="${MTA_PID:+1}" -v hz="$HZ" -v bb="$((b1-b0))" -v tt="$((tt1-tt0))" -v ncpu="$NCPU" -v n="$N" 'BEGIN{
        tot=(tt>0)?bb/tt*ncpu:0; mk=tot-(su+ss)/e-(sk/hz)/e;
        s=sprintf("cpu_s_per_1k=%.3f", mk*e/n*1000);
        if (hasmta) s=s sprintf(" mta_cpu_s_per_1k=%.3f", (mt/hz)/n*1000);
        print s }')
    foreign=$(awk -v f="$((f1 - f0))" -v hz="$HZ" -v e="$e2e_s" 'BEGIN{printf "%.2f", f/hz/e}')
    cpu="$cpu foreign=$foreign"
    flag=""
    if [ $idle_ok -ne 0 ] || awk -v x="$foreign" -v m="${FOREIGN_MAX:-0.2}" 'BEGIN{exit !(x>m)}'; then
        flag=" DISTURBED(busy_before=$IDLE_BUSY,foreign=$foreign)"; disturbed=$((disturbed + 1))
    fi
    echo "run $run: msgs=$N e2e_seconds=$e2e_s e2e_rate=$e2e_r/s inject_seconds=$inj_s inject_rate=$inj_r/s extra_at_sink=$extra $k1${post:+ $post} $cpu$flag" | tee -a "$RUNLOG"
    if [ "$extra" -ne 0 ]; then
        echo "run $run FAILED: the sink received $((N + extra)) messages, not exactly $N" | tee -a "$RUNLOG"
        echo "RESULT $FULLNAME msgs=$N seconds=nan rate=0/s status=FAIL(sink_count=$((N + extra)))"
        exit 1
    fi
    run_checks "$tls0" "$N"
    if [ -n "$CHECK_FAIL" ]; then
        echo "run $run FAILED: $CHECK_FAIL" | tee -a "$RUNLOG"
        echo "RESULT $FULLNAME msgs=$N seconds=nan rate=0/s status=FAIL(${CHECK_FAIL%%:*})"
        exit 1
    fi
    if [ -z "$flag" ]; then
        e2e_rates+=("$e2e_r"); e2e_secs+=("$e2e_s"); inj_rates+=("$inj_r")
        echo "$k1 $post" >> "$WORK/kv.clean"
    else
        d_rates+=("$e2e_r"); d_secs+=("$e2e_s"); d_inj+=("$inj_r")
        echo "$k1 $post" >> "$WORK/kv.disturbed"
    fi
done

status=ok
if [ ${#e2e_rates[@]} -lt "$RUNS" ]; then
    status="DISTURBED(only ${#e2e_rates[@]} of $RUNS runs clean)"
    # not enough clean runs: fall back to all runs
    e2e_rates+=("${d_rates[@]}"); e2e_secs+=("${d_secs[@]}"); inj_rates+=("${d_inj[@]}")
    cat "$WORK/kv.disturbed" >> "$WORK/kv.clean" 2> /dev/null
fi
# median of every key=number over the runs kept above, in first-seen key order
kv=$(tr ' ' '\n' < "$WORK/kv.clean" 2> /dev/null | grep '=' | awk -F= '
    { if (!($1 in n)) order[++k] = $1; v[$1, ++n[$1]] = $2 }
    END { for (i = 1; i <= k; i++) { key = order[i]; m = n[key]
            for (a = 1; a <= m; a++) x[a] = v[key, a] + 0
            for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
            med = (m % 2) ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
            printf "%s%s=%s", (i > 1 ? " " : ""), key, (med == int(med)) ? sprintf("%d", med) : sprintf("%.3f", med) } }')
mr=$(printf '%s\n' "${e2e_rates[@]}" | median)
ms=$(printf '%s\n' "${e2e_secs[@]}" | median)
mi=$(printf '%s\n' "${inj_rates[@]}" | median)
rx=""; [ -n "${RESULT_EXTRA:-}" ] && rx=$(eval "$RESULT_EXTRA" 2>> "$RUNLOG" | tail -1)
echo "RESULT $FULLNAME msgs=$N seconds=$ms rate=$(fmt0 "$mr")/s inject_rate=$(fmt0 "$mi")/s${kv:+ $kv}${rx:+ $rx} sink_exact=yes$([ "${SINK_TLS:-0}" = 1 ] && echo ' sink_tls_exact=yes') runs=${#e2e_rates[@]} disturbed=$disturbed status=$status e2e_rates=$(IFS=,; echo "${e2e_rates[*]}")" | tee -a "$RUNLOG" ${RESULT_FILE:+"$RESULT_FILE"}
