#!/usr/bin/env bash
# Per-stage CPU budget of Tern's message path (issue 17), recorded around the timed runs of
# tern-relay.sh when TERN_CPU_BUDGET=DIR is set:
#
#   cpu-budget.sh start PID DIR   (PRE_RUN)  discards an unfinished recording, snapshots the
#                                 JVM's per-thread CPU, starts a JFR recording with CPU-time
#                                 sampling (jdk.CPUTimeSample every 1 ms of a thread's CPU, JDK 25)
#   cpu-budget.sh stop PID DIR    (POST_RUN) stops it into DIR/run-K.jfr and writes the per-thread
#                                 CPU since the snapshot into DIR/threads-K.txt
#   cpu-budget.sh report DIR MSGS_PER_RUN [--detail K]
#                                 the table (dev.tern.bench.report.CpuBudget) over every run
#
# The warm-up's recording is started but never stopped into a file: only timed runs count.
set -u
. "$(dirname "$0")/lib.sh"
JAVA_BIN=${JAVA_HOME:+$JAVA_HOME/bin/}
cmd=${1:-}; 
case $cmd in
    start)
        pid=$2; dir=$3; mkdir -p "$dir"
        [ -f "$dir/budget.jfc" ] || "${JAVA_BIN}jfr" configure --input default jdk.CPUTimeSample#enabled=true \
            jdk.CPUTimeSample#throttle=1ms --output "$dir/budget.jfc" > /dev/null || die "jfr configure failed"
        "${JAVA_BIN}jcmd" "$pid" JFR.stop name=tern-budget > /dev/null 2>&1
        python3 "$BENCH_DIR/thread-cpu.py" snap "$pid" "$dir/threads.snap"
        "${JAVA_BIN}jcmd" "$pid" JFR.start name=tern-budget settings="$dir/budget.jfc" > /dev/null ||
            die "JFR.start failed"
        ;;
    stop)
        pid=$2; dir=$3
        k=$(( $(find "$dir" -name 'run-*.jfr' | wc -l) + 1 ))
        "${JAVA_BIN}jcmd" "$pid" JFR.stop name=tern-budget filename="$dir/run-$k.jfr" > /dev/null || die "JFR.stop failed"
        python3 "$BENCH_DIR/thread-cpu.py" diff "$pid" "$dir/threads.snap" > "$dir/threads-$k.txt"
        ;;
    report)
        dir=$2; per_run=$3; shift 3   # further options go to CpuBudget (e.g. --detail 8)
        runs=$(find "$dir" -name 'run-*.jfr' | wc -l)
        [ "$runs" -gt 0 ] || die "no recordings in $dir"
        args=()
        for f in "$dir"/threads-*.txt; do args+=(--threads "$f"); done
        "$BENCH_DIR/../bin/bench" main dev.tern.bench.report.CpuBudget --messages $((per_run * runs)) "${args[@]}" \
            "$@" "$dir"/run-*.jfr
        ;;
    *) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 2 ;;
esac
