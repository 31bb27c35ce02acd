# shellcheck shell=bash
# Shared helpers for the loopback SMTP relay benchmark scripts. Sourced, not run.
# Copied from the project's shared loopback harness (../shared/bench/lib.sh, written for
# measuring Postfix and Haraka on this machine kind) and adapted for Tern: results go to
# benchmarks/results/relay/ (git-ignored); everything else is relative to this directory.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RESULTS_DIR=${RESULTS_DIR:-$(cd "$BENCH_DIR/.." && pwd)/results/relay}
mkdir -p "$RESULTS_DIR"

find_bin() { # find_bin NAME -> path of a Postfix test tool
    local n=$1 p
    for p in "$(command -v "$n" 2>/dev/null)" "/usr/sbin/$n" "/usr/lib/postfix/$n" "/usr/lib/postfix/sbin/$n"; do
        [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
    done
    echo "ERROR: $n not found; run $BENCH_DIR/setup.sh first (as root)" >&2
    return 1
}

HZ=$(getconf CLK_TCK)
# top-level benchmark script: its descendants count as "ours" in foreign_ticks
export BENCH_ROOT=${BENCH_ROOT:-$$}
NCPU=$(nproc)

die() { echo "ERROR: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

now() { date +%s.%N; }

# Safety: only loopback targets are ever allowed.
# Accepts 127.x.x.x, localhost, ::1 / [::1], with an optional :port.
assert_loopback() {
    local hp=$1 host
    case "$hp" in
        \[::1\]:*|\[::1\]|::1) return 0 ;;
    esac
    host=${hp%:*}
    [ "$host" = "$hp" ] && host=$hp
    case "$host" in
        localhost) return 0 ;;
        127.*)
            if [[ $host =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then return 0; fi ;;
    esac
    die "refusing non-loopback target '$hp' (only 127.0.0.0/8, localhost or [::1] allowed)"
}

# median of numbers on stdin
median() {
    sort -g | awk '{a[NR]=$1} END{ if(NR==0){print "nan"; exit}
        if(NR%2){print a[(NR+1)/2]} else {printf "%.3f\n",(a[NR/2]+a[NR/2+1])/2} }'
}

# "busy_ticks total_ticks iowait_ticks" for all CPUs together, from /proc/stat
cpu_snapshot() {
    awk '/^cpu /{t=0; for(i=2;i<=9;i++) t+=$i; idle=$5+$6; print t-idle, t, $6; exit}' /proc/stat
}

# Wait until the machine is quiet: less than IDLE_MAX cores (default 0.25)
# busy over one second, for at most IDLE_WAIT seconds (default 180). Other
# work on the box (a build, another benchmark) would distort the numbers.
# Sets IDLE_BUSY to the last measured load; returns 1 if it never got quiet.
IDLE_BUSY=0
wait_idle() {
    local max=${IDLE_MAX:-0.25} lim=${IDLE_WAIT:-180} i b0 t0 b1 t1
    for ((i = 0; i < lim; i++)); do
        read -r b0 t0 _ < <(cpu_snapshot); sleep 1; read -r b1 t1 _ < <(cpu_snapshot)
        IDLE_BUSY=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v n="$NCPU" 'BEGIN{printf "%.2f", (t>0)?b/t*n:0}')
        awk -v x="$IDLE_BUSY" -v m="$max" 'BEGIN{exit !(x<m)}' && return 0
        [ $i -eq 0 ] && log "machine busy ($IDLE_BUSY cores used by other processes: $(busiest)); waiting up to ${lim}s"
    done
    log "WARNING: machine still busy ($IDLE_BUSY cores) - this run will be disturbed"
    return 1
}
busiest() { ps -eo pcpu=,comm= --sort=-pcpu | head -3 | awk '{printf "%s%s:%s%%", (NR>1)?", ":"", $2, $1}'; }

# CPU ticks of processes that are NOT part of the benchmark: not descendants of
# BENCH_ROOT, not run by a user in BENCH_USERS (default postfix,nobody), not in
# the comma-separated pid list $1, and not kernel threads (those do our I/O).
# A rise during a run means something else (a build, ...) competed for the CPU.
# Reaped children's time (cutime/cstime) is included, so a foreign process that
# starts and exits inside the window is still counted (via its parent).
foreign_ticks() {
    { ps -eo pid=,ppid=,user=; echo "--"; cat /proc/[0-9]*/stat 2> /dev/null; } |
    awk -v root="$BENCH_ROOT" -v users=",${BENCH_USERS:-postfix,nobody}," -v excl=",${1:-}," '
        $1 == "--" { part = 2; next }
        part != 2 { ppid[$1] = $2; user[$1] = $3; next }
        {   pid = $1; i = index($0, ") "); n = split(substr($0, i + 2), f, " ")
            t[pid] = f[12] + f[13] + f[14] + f[15] }   # utime+stime+cutime+cstime
        END {
            sum = 0
            for (p in t) {
                if (p == 2 || ppid[p] == 2 || p == root) continue
                if (index(users, "," user[p] ",") || index(excl, "," p ",")) continue
                q = p; ours = 0
                for (k = 0; k < 64 && q > 1; k++) { q = ppid[q]; if (q == root || index(excl, "," q ",")) { ours = 1; break } }
                if (!ours) sum += t[p]
            }
            print sum
        }'
}

# utime+stime ticks of one pid (all its threads); 0 if gone
proc_ticks() {
    local pid=$1 s
    s=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }            # strip "pid (comm) "
    # after stripping, field 1 is state; utime/stime are original fields 14/15 -> here 12/13
    # shellcheck disable=SC2086
    set -- $s
    echo $(( ${12} + ${13} ))
}

# sum of proc_ticks over a comma-separated pid list ("" -> 0)
pids_ticks() {
    local sum=0 p
    for p in ${1//,/ }; do sum=$(( sum + $(proc_ticks "$p") )); done
    echo "$sum"
}

# Count of messages ("." received) that an smtp-sink started with -c reported.
# smtp-sink flushes "sess=N quit=N mesg=N\r" after each event.
sink_count() {
    local f=$1 s
    s=$(tail -c 80 "$f" 2>/dev/null)
    case "$s" in *mesg=*) ;; *) echo 0; return ;; esac
    s=${s##*mesg=}
    s=${s%%[!0-9]*}
    echo "${s:-0}"
}

# One counter of the last "k=v ... mesg=N\r" line of a sink (sink_field FILE tls_mesg); 0 if absent.
# The Java sink (SinkMain) writes "sess=N tls_sess=N tls_mesg=N mesg=N".
sink_field() {
    local f=$1 key=$2 line
    line=$(tail -c 300 "$f" 2> /dev/null | tr '\r' '\n' | grep 'mesg=' | tail -1)
    line=" $line"
    case "$line" in *" $key="*) ;; *) echo 0; return ;; esac
    line=${line##*" $key="}
    line=${line%%[!0-9]*}
    echo "${line:-0}"
}

# wait until something listens on 127.0.0.1:PORT (max ~5 s)
wait_listen() {
    local port=$1 i
    for i in $(seq 1 100); do
        ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
        sleep 0.05
    done
    return 1
}

# Default ports of the benchmarks: 31025-31029 (relay: Postfix 31025, sink 31026, Tern 31028,
# admin 31029) and 31046-31049 (soak). They lie below Linux's ephemeral range (32768-60999), so an
# outgoing connection can never hold them when a listener starts.
port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Kill one pid (SIGTERM, then SIGKILL after 3 s). Never by name.
kill_pid() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

fmt2() { awk -v x="$1" 'BEGIN{printf "%.2f", x}'; }
fmt0() { awk -v x="$1" 'BEGIN{printf "%.0f", x}'; }

# "peak_rss_mib=N heap_after_gc_max_mib=M" of a running JVM: the kernel's RSS high-water
# mark (VmHWM in /proc/PID/status) and the largest heap occupancy after a collection found
# in its -Xlog:gc file (an upper bound of the live heap; G1's "51M->3M(1024M)" and ZGC's "882M(86%)->70M(7%)").
jvm_stats() {
    local pid=$1 gclog=$2 hwm heap
    hwm=$(awk '/^VmHWM:/{printf "%.0f", $2/1024}' "/proc/$pid/status" 2> /dev/null)
    heap=$(grep -oE '[0-9]+M(\([0-9]+%\))?->[0-9]+M' "$gclog" 2> /dev/null |
        sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1)
    echo "peak_rss_mib=${hwm:-nan} heap_after_gc_max_mib=${heap:-nan}"
}

# parse_size 5k|100k|5120|1m -> bytes (k = 1024)
parse_size() {
    local v=${1,,}
    v=${v%b}
    case $v in
        *k) v=${v%k}; [[ $v =~ ^[0-9]+$ ]] && echo $((v * 1024)) ;;
        *m) v=${v%m}; [[ $v =~ ^[0-9]+$ ]] && echo $((v * 1048576)) ;;
        *) [[ $v =~ ^[0-9]+$ ]] && echo "$v" ;;
    esac
}
