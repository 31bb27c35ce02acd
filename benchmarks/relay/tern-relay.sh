#!/usr/bin/env bash
# Tern as a store-and-forward relay on loopback, measured by relay-bench.sh:
#
#   smtp-source -> Tern 127.0.0.1:31028 -> RocksDB spool (WAL synced before 250) + DKIM
#              -> Netty SMTP client -> smtp-sink 127.0.0.1:31026
#
# Starts Tern from a snapshot of the built jar (mta-core/target/tern.jar + lib/, copied so
# that a rebuild during the run cannot disturb it) with a generated configuration in a
# temporary directory: durable spool, injection on 127.0.0.1:$TERN_PORT, admin on
# 127.0.0.1:$TERN_ADMIN_PORT, every domain routed to the sink, DNS pointed at a dead
# loopback port (nothing may leave the machine), DKIM signing of bench.localdomain (the
# From domain smtp-source writes) with a fresh key. One probe message is first sent through
# Tern to a dumping smtp-sink to check that it really arrives signed. Then relay-bench.sh
# runs with the JVM's pid (exact MTA CPU), the latency of every run from Tern's event log
# (latency.py), CPU per JVM thread group (thread-cpu.py, in the run log), and the JVM's peak RSS and largest heap after GC. Tern is stopped by PID.
#
# usage: tern-relay.sh [--sink smtp-sink|java|java-tls | --sink-tls] [relay-bench.sh options, e.g. -n 20000 -l 5120 -s 50 -R 3]
#   --sink S / TERN_SINK=S  the sink Tern delivers to (default smtp-sink, Postfix's, no STARTTLS);
#          java: the Java sink (dev.tern.bench.sink.SinkMain: testkit SmtpSink, Netty, OpenSSL engine)
#          without STARTTLS; java-tls (= --sink-tls): the same sink offering STARTTLS with a
#          self-signed certificate, which Tern's default policy (opportunistic) accepts. With java-tls
#          every run fails unless every message reached the sink over TLS (the sink's count) and
#          Tern's tern_outbound_sessions_total counted no session without TLS since the probe
#          (tls-sessions.py): a silent fallback to clear text fails the run. The probe (DKIM check)
#          still goes to a dumping smtp-sink. Name suffix: -javasink, -javasink-tls.
#          TERN_SINK_SELFTEST=plaintext with java-tls: the sink offers no STARTTLS, so the run must
#          end in status=FAIL(plaintext) (proves the check).
# env:   TERN_DKIM   ed25519 (default) | rsa2048 | none
#        TERN_SYNC   true (default: WAL synced before 250) | false (labelled "unsynced")
#        TERN_RSA_ENGINE  unset (Tern's default: auto) | auto | native | java (dkim.rsa_engine)
#        TERN_JAR    jar to run (default: <repo>/mta-core/target/tern.jar, its lib/ beside it)
#        TERN_PORT (31028) TERN_ADMIN_PORT (31029) SINK_PORT (31026)
#        TERN_JFR=FILE     also record a JFR profile of the whole benchmark into FILE
#        TERN_WARM_ROUNDS=5  at most this many warm-up rounds (of -w messages each): more follow
#                          while the JIT compiler threads use > 5 % of the JVM's CPU in a round
#        TERN_CPU_BUDGET=DIR  JFR CPU-time samples of every timed run into DIR (cpu-budget.sh);
#                          afterwards `cpu-budget.sh report DIR N` prints µs CPU per message by stage
#        TERN_JAVA_OPTS    extra JVM options after bin/tern's (G1, -Xms1g -Xmx1g -XX:+AlwaysPreTouch)
#        JAVA_HOME         JDK to run Tern with (bin/tern sets it)
#        KEEP_WORK=1       keep the temporary directory (config, spool, events, logs)
#        LAT_FRACTION=0.5  afterwards, measure the latency at exactly this fraction of the
#                          median e2e rate just measured (load-latency.sh with the Java
#                          injector; empty = skip); LOAD_PROCS (1), LAT_WARMUP (5 s),
#                          LAT_PIPELINING (no): see load-latency.sh
set -u
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$BENCH_DIR/../.." && pwd)
. "$BENCH_DIR/tern-lib.sh"
TERN_DKIM=${TERN_DKIM:-ed25519}; TERN_SYNC=${TERN_SYNC:-true}
TERN_PORT=${TERN_PORT:-31028}; TERN_ADMIN_PORT=${TERN_ADMIN_PORT:-31029}; SINK_PORT=${SINK_PORT:-31026}
TERN_JAR=${TERN_JAR:-$ROOT/mta-core/target/tern.jar}
command -v python3 > /dev/null || die "python3 missing (run $BENCH_DIR/setup.sh)"
for p in "$TERN_PORT" "$TERN_ADMIN_PORT" "$SINK_PORT"; do
    port_in_use "$p" && die "port $p already in use (stop whatever listens there)"
done
SINK=$(find_bin smtp-sink) || exit 1
SRC=$(find_bin smtp-source) || exit 1

TERN_SINK=${TERN_SINK:-smtp-sink}
args=()
while [ $# -gt 0 ]; do
    case $1 in
        --sink) TERN_SINK=${2:-}; shift ;;
        --sink-tls) TERN_SINK=java-tls ;;
        *) args+=("$1") ;;
    esac
    shift
done
set -- ${args[@]+"${args[@]}"}
case $TERN_SINK in smtp-sink|java|java-tls) ;; *) die "--sink / TERN_SINK must be smtp-sink, java or java-tls" ;; esac
NAME=tern-relay-$TERN_DKIM
case $TERN_SINK in java) NAME=$NAME-javasink ;; java-tls) NAME=$NAME-javasink-tls ;; esac
[ "$TERN_SYNC" = false ] && NAME=$NAME-UNSYNCED
size=5120; sess=20; prev=""   # relay-bench.sh's defaults; -l / -s override
for a in "$@"; do [ "$prev" = -l ] && size=$a; [ "$prev" = -s ] && sess=$a; prev=$a; done
WORK=$(mktemp -d "$RESULTS_DIR/.tmp.$NAME.XXXX")
JAVA_PID=""; PROBE_PID=""; CHILD=""
cleanup() {
    kill_pid "$CHILD"; kill_pid "$PROBE_PID"
    if [ -n "$JAVA_PID" ]; then kill_pid "$JAVA_PID"; log "tern stopped"; fi
    if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a private copy of the application, a key and the configuration; start it ---
mkdir -p "$WORK/dump"
tern_setup "$WORK"
tern_start "$WORK"

# --- probe: one message through Tern to a dumping sink; it must arrive DKIM-signed ---
chmod 711 "$WORK"; chmod 777 "$WORK/dump"   # smtp-sink writes as nobody
"$SINK" -u nobody -d "$WORK/dump/%M" -4 127.0.0.1:"$SINK_PORT" 10 > /dev/null 2>&1 &
PROBE_PID=$!
wait_listen "$SINK_PORT" || die "probe smtp-sink did not start"
timeout 30 "$SRC" -m 1 -l 512 -M bench.localdomain -f sender@bench.localdomain -t probe@example.test \
    127.0.0.1:"$TERN_PORT" > /dev/null 2>&1 || die "probe injection into tern failed"
probe=""
for _ in $(seq 1 300); do
    probe=$(find "$WORK/dump" -type f | head -1)
    [ -n "$probe" ] && break
    sleep 0.1
done
[ -n "$probe" ] || die "probe message did not reach the sink within 30 s (see $WORK/tern.out)"
sleep 0.5
if [ "$TERN_DKIM" != none ]; then
    grep -qi "^DKIM-Signature:.*a=$ALG" "$probe" || tr -d '\r' < "$probe" | tr -d '\n\t ' | grep -qi "a=$ALG" ||
        die "probe message arrived without a $ALG DKIM-Signature"
    log "probe delivered and signed ($ALG)"
else
    log "probe delivered (unsigned)"
fi
# let Tern close its connection to the probe sink itself (idle_connection_timeout 5 s)
sleep 6
kill_pid "$PROBE_PID"; PROBE_PID=""

# --- the Java sink (TERN_SINK=java|java-tls): relay-bench.sh starts it instead of smtp-sink ---
SINK_CMD=""; SINK_TLS=0; RUN_CHECK=""
if [ "$TERN_SINK" != smtp-sink ]; then
    # builds the benchmarks module first when needed, and says which TLS engine the sink uses
    engine=$("$ROOT/benchmarks/bin/bench" main dev.tern.bench.sink.SinkMain --engine yes) ||
        die "the Java sink cannot run (benchmarks module not built?)"
    java=${JAVA_HOME:+$JAVA_HOME/bin/}java
    cp -r "$ROOT/benchmarks/target/classes" "$WORK/sink-classes"   # a rebuild cannot touch it
    SINK_CMD="'$java' -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xms256m -Xmx256m"
    SINK_CMD="$SINK_CMD -cp '$WORK/sink-classes:$(cat "$ROOT/benchmarks/target/classpath.txt")' dev.tern.bench.sink.SinkMain"
    offer=no; [ "$TERN_SINK" = java-tls ] && offer=yes
    # self-test of the checks: the TLS row's sink without STARTTLS, as if TLS had fallen back to
    # clear text: the run must FAIL (status=FAIL(plaintext))
    [ "${TERN_SINK_SELFTEST:-}" = plaintext ] && offer=no && log "SELF-TEST: the sink offers no STARTTLS; this run must FAIL"
    SINK_CMD="$SINK_CMD --listen 127.0.0.1:$SINK_PORT --starttls $offer"
    if [ "$TERN_SINK" = java-tls ]; then
        SINK_TLS=1
        metrics=http://127.0.0.1:$TERN_ADMIN_PORT/metrics
        python3 "$BENCH_DIR/tls-sessions.py" "$metrics" "$WORK/tls.base" --init || die "cannot read $metrics"
        RUN_CHECK="python3 '$BENCH_DIR/tls-sessions.py' '$metrics' '$WORK/tls.base'"
    fi
    log "sink: Java (SinkMain, $engine), STARTTLS $([ "$offer" = yes ] && echo "offered, self-signed" || echo "not offered")"
fi
export SINK_CMD SINK_TLS RUN_CHECK

# per run: CPU per JVM thread group (into the run log) and the latency percentiles; with
# TERN_CPU_BUDGET=DIR also a JFR CPU-time profile of every timed run (cpu-budget.sh)
budget_pre=""; budget_post=""
if [ -n "${TERN_CPU_BUDGET:-}" ]; then
    budget_pre="; '$BENCH_DIR/cpu-budget.sh' start $JAVA_PID '$TERN_CPU_BUDGET' >&2"
    budget_post="'$BENCH_DIR/cpu-budget.sh' stop $JAVA_PID '$TERN_CPU_BUDGET' >&2;"
fi
# warm-up rounds until the JIT is done (its compiler threads < 5 % of the JVM's CPU in a round):
# JIT warm-up stays out of the timed runs (TERN_WARM_ROUNDS=1: one round, as before)
WARM_SNAP="python3 '$BENCH_DIR/thread-cpu.py' snap $JAVA_PID '$WORK/warm.snap'" \
WARM_CHECK="python3 '$BENCH_DIR/jit-settled.py' $JAVA_PID '$WORK/warm.snap' 0.05" WARM_ROUNDS=${TERN_WARM_ROUNDS:-5} \
PRE_RUN="python3 '$BENCH_DIR/thread-cpu.py' snap $JAVA_PID '$WORK/threads.snap'$budget_pre" \
POST_RUN="$budget_post python3 '$BENCH_DIR/thread-cpu.py' diff $JAVA_PID '$WORK/threads.snap' >&2;
          python3 '$BENCH_DIR/latency.py' --from \"\$RUN_T0\" --to \"\$RUN_TEND\" '$WORK'/events/events.jsonl*" \
RESULT_EXTRA="jvm_stats $JAVA_PID '$WORK/gc.log'" RESULT_FILE="$WORK/result" \
    "$BENCH_DIR/relay-bench.sh" -N "$NAME" -P "$JAVA_PID" "$@" 127.0.0.1:"$TERN_PORT" "$SINK_PORT" &
CHILD=$!
wait "$CHILD"; rc=$?; CHILD=""

# --- latency at a fraction of the rate just measured, on the same (warm) JVM ---
# The Java injector (LoadMain) paces the load over the same number of sessions; the pace is
# LAT_FRACTION x the median e2e rate just measured, and the RESULT line reports the fraction
# actually achieved.
if [ -n "${LAT_FRACTION:-}" ] && [ "$TERN_SINK" != smtp-sink ]; then
    log "no latency run with --sink $TERN_SINK (load-latency.sh uses smtp-sink)"; LAT_FRACTION=""
fi
if [ "$rc" -eq 0 ] && [ -n "${LAT_FRACTION:-}" ] && [ -s "$WORK/result" ]; then
    e2e=$(grep -o ' rate=[0-9.]*' "$WORK/result" | head -1 | cut -d= -f2)
    lr=$(awk -v r="$e2e" -v f="$LAT_FRACTION" 'BEGIN{printf "%.1f", r*f}')
    sleep 6   # Tern drops its idle connections to the old sink (idle_connection_timeout 5 s)
    log "latency at $LAT_FRACTION x $e2e msg/s = $lr msg/s offered"
    "$BENCH_DIR/load-latency.sh" -N "${NAME/tern-relay/tern-latency}" -r "$lr" -m "$e2e" -l "$size" -s "$sess" \
        "$WORK/events" 127.0.0.1:"$TERN_PORT" "$SINK_PORT" &
    CHILD=$!
    wait "$CHILD" || rc=1; CHILD=""
fi
grep -E 'ERROR|Exception' "$WORK/tern.out" | head -5 >&2
cp "$WORK/tern.out" "$RESULTS_DIR/$NAME-$size-$sess.tern.log" 2> /dev/null
cp "$WORK/gc.log" "$RESULTS_DIR/$NAME-$size-$sess.gc.log" 2> /dev/null
exit $rc
