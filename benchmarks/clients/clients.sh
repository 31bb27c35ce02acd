#!/usr/bin/env bash
# Client benchmark of issue 17: the SMTP clients that platforms really send with, each against Tern
# and against Postfix's smtpd in the same run, on loopback, msg/s as the client sees it.
#
#   client ──SMTP──▶ Tern 127.0.0.1:31033          ──SMTP──▶ smtp-sink 127.0.0.1:31032
#           └─SMTP─▶ Postfix smtpd 127.0.0.1:31031  ──SMTP──▶   (counts: exactly N must arrive)
#           └─SMTP──────────────────────────────────────────▶   (server "sink": the client's own ceiling)
#
# Clients (each: W warm-up messages, not timed, then N timed ones, same raw message text):
#   nodemailer-1   nodemailer (npm), pool of 1 connection, PIPELINING (MAIL+RCPT+DATA in one write)
#   nodemailer-5   nodemailer, pool of 5 connections
#   angus          Jakarta Mail / Eclipse Angus Mail, one connection (no pipelining)
#   smtplib        Python smtplib, one connection, no TLS, no AUTH
#   smtplib-tls    Python smtplib, one connection, STARTTLS + AUTH PLAIN
# Both servers are durable before their 250 (Tern: spool WAL synced; Postfix: queue file fsync)
# and relay to the same smtp-sink; Tern signs with DKIM (Ed25519), Postfix does not sign.
# Postfix runs as a private instance (its own config and queue directory in the work directory,
# `postfix -c`): /etc/postfix is not touched. Both offer STARTTLS (one self-signed certificate) and
# AUTH PLAIN/LOGIN (Tern: an Argon2id user; Postfix: Cyrus SASL with a private sasldb).
#
# usage: clients.sh [-n N] [-w W] [-R runs] [--size 5k] [--clients LIST] [--servers tern,postfix]
#   -n N        timed messages per client run (default 2000)
#   -w W        warm-up messages before each timed run, same connection(s) (default 300)
#   --warmup M  before the first timed run, M messages (nodemailer, pool of 5) into each server,
#               not timed: the JVM's JIT for Tern (default 10000; Postfix gets the same)
#   -R runs     runs per client and server (default 3; the table shows the median and every run)
#   --size S    message size (default 5k; k = 1024)
#   --clients   comma-separated subset of nodemailer-1,nodemailer-5,angus,smtplib,smtplib-tls
#   --servers   comma-separated subset of tern,postfix,sink (default tern,postfix,sink; sink = the
#               client straight into smtp-sink, which answers at once and stores nothing: what the
#               client itself can do on this machine, the ceiling of the other two)
#   --quick     smoke test: -n 300 -w 50 -R 1
# env: TERN_JAR (default <repo>/mta-core/target/tern.jar, lib/ beside it), JAVA_HOME,
#      IDLE_WAIT (30) IDLE_MAX (0.25): wait for a quiet machine before each timed run
#      KEEP_WORK=1 keeps the work directory (configs, logs, queues)
# Output: the table on stdout and in benchmarks/results/clients/clients-<time>.txt (with every
# RESULT line). Needs root (apt-get for missing tools, starts Postfix). Exit status 1 if a client
# failed or the sink did not get exactly the messages sent.
set -u
CLIENTS_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$CLIENTS_DIR/../.." && pwd)
export RESULTS_DIR=${RESULTS_DIR:-$ROOT/benchmarks/results/clients}
. "$CLIENTS_DIR/../relay/lib.sh"
. "$CLIENTS_DIR/../relay/tern-lib.sh"

N=2000; WARM=300; PREWARM=10000; RUNS=3; SIZE=5k; CLIENTS=nodemailer-1,nodemailer-5,angus,smtplib,smtplib-tls; SERVERS=tern,postfix,sink
while [ $# -gt 0 ]; do
    case $1 in
        -n) N=$2; shift ;; -w) WARM=$2; shift ;; -R) RUNS=$2; shift ;; --warmup) PREWARM=$2; shift ;;
        --size) SIZE=$2; shift ;; --clients) CLIENTS=$2; shift ;; --servers) SERVERS=$2; shift ;;
        --quick) N=300; WARM=50; RUNS=1; PREWARM=300 ;;
        -h|--help) sed -n '2,/^set -u/{/^set -u/d;p}' "$0"; exit 0 ;;
        *) echo "clients.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
BYTES=$(parse_size "$SIZE") || die "bad size '$SIZE'"
for x in "$N" "$WARM" "$RUNS" "$PREWARM"; do [[ $x =~ ^[0-9]+$ ]] || die "bad number '$x'"; done
for c in ${CLIENTS//,/ }; do
    case $c in nodemailer-1|nodemailer-5|angus|smtplib|smtplib-tls) ;; *) die "unknown client '$c'" ;; esac
done
for s in ${SERVERS//,/ }; do case $s in tern|postfix|sink) ;; *) die "unknown server '$s'" ;; esac; done
[ "$(id -u)" -eq 0 ] || die "must run as root (installs tools, starts Postfix)"

PF_PORT=${PF_PORT:-31031}; SINK_PORT=${SINK_PORT:-31032}
TERN_PORT=${TERN_PORT:-31033}; TERN_ADMIN_PORT=${TERN_ADMIN_PORT:-31034}
export IDLE_WAIT=${IDLE_WAIT:-30} IDLE_MAX=${IDLE_MAX:-0.25}
TERN_JAR=${TERN_JAR:-$ROOT/mta-core/target/tern.jar}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
for p in $PF_PORT $SINK_PORT $TERN_PORT $TERN_ADMIN_PORT; do port_in_use "$p" && die "port $p already in use"; done

"$CLIENTS_DIR/setup.sh" || die "setup failed"
[ -f "$ROOT/benchmarks/target/classpath.txt" ] || die "benchmarks not built: run 'bin/tern bench clients'"
CP="$ROOT/benchmarks/target/classes:$(cat "$ROOT/benchmarks/target/classpath.txt")"
SINK=$(find_bin smtp-sink) || exit 1

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$RESULTS_DIR/clients-$STAMP.txt
WORK=$(mktemp -d "$RESULTS_DIR/.tmp.clients.XXXX")
chmod 755 "$WORK"
USER_NAME=bench; USER_PASS=bench-secret-$$
SINK_PID=""; JAVA_PID=""; PF_UP=0
cleanup() {
    kill_pid "$JAVA_PID"; kill_pid "$SINK_PID"
    [ "$PF_UP" = 1 ] && postfix -c "$WORK/postfix/etc" stop > /dev/null 2>&1
    if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the message: the same raw text for every client (From: bench.localdomain, which Tern signs) ---
python3 - "$BYTES" > "$WORK/message.eml" <<'PY'
import sys
size = int(sys.argv[1])
head = ("From: Bench <sender@bench.localdomain>\r\nTo: <rcpt@example.test>\r\n"
        "Subject: client benchmark\r\nDate: Fri, 04 Dec 2026 12:00:00 +0000\r\n"
        "Message-ID: <client-bench@bench.localdomain>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n")
line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
body = ""
while len(head) + len(body) + len(line) <= size:
    body += line
body += "x" * max(0, size - len(head) - len(body) - 2) + "\r\n"
sys.stdout.write(head + body)
PY

# --- one self-signed certificate for both servers' STARTTLS ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=localhost" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" > /dev/null 2>&1 || die "openssl could not make a certificate"
chmod 644 "$WORK/cert.pem"; chmod 600 "$WORK/key.pem"

# --- the sink: counts messages (mesg=) ---
"$SINK" -u nobody -c -4 -m 1024 127.0.0.1:"$SINK_PORT" 1024 > "$WORK/sink.out" 2>&1 &
SINK_PID=$!
wait_listen "$SINK_PORT" || die "smtp-sink did not start"

has() { [[ ",$1," == *",$2,"* ]]; }

# --- Tern: the relay benchmark's set-up plus STARTTLS and one AUTH user ---
start_tern() {
    local hash
    tern_setup "$WORK/tern" # copies the jar, makes the DKIM key, writes tern.yaml
    hash=$(printf '%s\n' "$USER_PASS" | "$JAVA" -jar "$WORK/tern/app/tern.jar" auth hash-password --stdin) ||
        die "tern auth hash-password failed"
    # the relay's config has injection: as a block; add TLS and AUTH under it
    python3 - "$WORK/tern/tern.yaml" "$WORK/cert.pem" "$WORK/key.pem" "$USER_NAME" "$hash" <<'PY'
import sys
path, cert, key, user, h = sys.argv[1:6]
text = open(path).read()
extra = (f"  tls:\n    starttls: true\n    self_signed: false\n    certificate: \"{cert}\"\n"
         f"    private_key: \"{key}\"\n  auth:\n    enabled: true\n    users:\n"
         f"      {user}: {{ password_hash: \"{h}\" }}\n")
marker = "  max_connections_per_ip: 200\n"
assert marker in text, "tern-lib.sh's injection block changed"
open(path, "w").write(text.replace(marker, marker + extra, 1))
PY
    tern_start "$WORK/tern"
}

# --- Postfix: a private instance (postfix -c), smtpd relaying to the sink, TLS + Cyrus SASL ---
# (Debian's Postfix reads the SASL application file from $config_directory/sasl/smtpd.conf)
start_postfix() {
    local d=$WORK/postfix
    command -v postconf > /dev/null || die "postfix not installed"
    mkdir -p "$d/etc/sasl" "$d/queue" "$d/data"
    cp /etc/postfix/master.cf.proto "$d/etc/master.cf" 2> /dev/null || cp /etc/postfix/master.cf "$d/etc/master.cf"
    [ -f /etc/postfix/dynamicmaps.cf ] && cp /etc/postfix/dynamicmaps.cf "$d/etc/"
    : > "$d/etc/main.cf"
    chown postfix "$d/data"
    printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
        "$d/etc/sasl/sasldb2" > "$d/etc/sasl/smtpd.conf"
    printf '%s' "$USER_PASS" | saslpasswd2 -p -c -f "$d/etc/sasl/sasldb2" -u pf.bench.localdomain "$USER_NAME" ||
        die "saslpasswd2 failed"
    chown postfix "$d/etc/sasl/sasldb2"; chmod 600 "$d/etc/sasl/sasldb2"
    postconf -c "$d/etc" -e \
        "compatibility_level = 3.6" \
        "queue_directory = $d/queue" "data_directory = $d/data" \
        "maillog_file_prefixes = $d" "maillog_file = $d/maillog" \
        "myhostname = pf.bench.localdomain" "mydomain = bench.localdomain" "myorigin = \$myhostname" \
        "mydestination =" "local_recipient_maps =" "local_transport = error:local delivery disabled" \
        "alias_maps =" "alias_database =" \
        "inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" "mynetworks = 127.0.0.0/8" \
        "relay_domains =" "relayhost = [127.0.0.1]:$SINK_PORT" \
        "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
        "smtpd_recipient_restrictions =" "smtpd_peername_lookup = no" \
        "smtp_dns_support_level = disabled" "smtp_tls_security_level = none" \
        "smtpd_tls_security_level = may" "smtpd_tls_cert_file = $WORK/cert.pem" "smtpd_tls_key_file = $WORK/key.pem" \
        "smtpd_tls_auth_only = yes" "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = cyrus" \
        "smtpd_sasl_path = smtpd" \
        "smtpd_sasl_local_domain = pf.bench.localdomain" \
        "smtputf8_enable = no" "biff = no" "append_dot_mydomain = no" \
        "default_process_limit = 100" "smtp_destination_concurrency_limit = 20" \
        "default_destination_concurrency_limit = 20" "in_flow_delay = 0" "max_use = 100000" \
        "smtpd_client_connection_count_limit = 0" "smtpd_client_message_rate_limit = 0" \
        "smtp_connection_cache_on_demand = yes"
    postconf -c "$d/etc" -M "127.0.0.1:$PF_PORT/inet=127.0.0.1:$PF_PORT inet n - n - - smtpd"
    postconf -c "$d/etc" -M# smtp/inet 2> /dev/null || true
    postconf -c "$d/etc" -F '*/*/chroot = n'
    postfix -c "$d/etc" check > /dev/null 2>&1 || die "postfix check failed (see $d/maillog)"
    postfix -c "$d/etc" start > /dev/null 2>&1 || die "postfix start failed (see $d/maillog)"
    PF_UP=1
    wait_listen "$PF_PORT" || die "postfix is not listening on 127.0.0.1:$PF_PORT"
    log "postfix $(postconf -d -h mail_version) (private instance) up on 127.0.0.1:$PF_PORT -> 127.0.0.1:$SINK_PORT"
}

has "$SERVERS" tern && start_tern
has "$SERVERS" postfix && start_postfix

# run_client CLIENT HOST PORT COUNT WARM -> prints the client's RESULT line (stdout), errors to the log
run_client() {
    local c=$1 port=$2 n=$3 w=$4
    case $c in
        nodemailer-1) node "$CLIENTS_DIR/node/nodemailer-client.js" 127.0.0.1 "$port" "$n" "$w" 1 "$WORK/message.eml" ;;
        nodemailer-5) node "$CLIENTS_DIR/node/nodemailer-client.js" 127.0.0.1 "$port" "$n" "$w" 5 "$WORK/message.eml" ;;
        angus) "$JAVA" -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED -cp "$CP" \
                   dev.tern.bench.clients.AngusMailClient 127.0.0.1 "$port" "$n" "$w" "$WORK/message.eml" ;;
        smtplib) python3 "$CLIENTS_DIR/smtplib-client.py" 127.0.0.1 "$port" "$n" "$w" "$WORK/message.eml" ;;
        smtplib-tls) python3 "$CLIENTS_DIR/smtplib-client.py" 127.0.0.1 "$port" "$n" "$w" "$WORK/message.eml" \
                         tls-auth "$USER_NAME" "$USER_PASS" ;;
    esac
}

# waits (at most 120 s) until the sink holds TARGET messages and stays there 1 s; prints the count
settle() {
    local target=$1 c i
    for ((i = 0; i < 1200; i++)); do
        c=$(sink_count "$WORK/sink.out")
        [ "$c" -ge "$target" ] && break
        sleep 0.1
    done
    sleep 1
    sink_count "$WORK/sink.out"
}

{
    echo "# client benchmark $(date -u +%FT%TZ): $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# java: $("$JAVA" -version 2>&1 | head -1); postfix $(postconf -d -h mail_version); node $(node --version); nodemailer $(node -p "require('$CLIENTS_DIR/node/node_modules/nodemailer/package.json').version"); $(python3 --version)"
    echo "# tern commit $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null); size=$BYTES bytes, N=$N timed after $WARM warm-up per run, runs=$RUNS, first $PREWARM warm-up messages per server"
} | tee "$OUT" >&2

FAIL=0
for s in ${SERVERS//,/ }; do
    [ "$s" = sink ] || [ "$PREWARM" = 0 ] && continue
    port=$TERN_PORT; [ "$s" = postfix ] && port=$PF_PORT
    before=$(settle 0)
    run_client nodemailer-5 "$port" "$PREWARM" 0 > /dev/null 2> "$WORK/client.err" || { log "warm-up of $s failed"; cat "$WORK/client.err" >&2; FAIL=1; }
    got=$(( $(settle $((before + PREWARM))) - before ))
    log "warm-up: $PREWARM messages into $s, the sink got $got"
    [ "$got" -eq "$PREWARM" ] || FAIL=1
done
for ((r = 1; r <= RUNS; r++)); do
    for c in ${CLIENTS//,/ }; do
        for s in ${SERVERS//,/ }; do
            case $s in tern) port=$TERN_PORT ;; postfix) port=$PF_PORT ;; sink) port=$SINK_PORT ;; esac
            [ "$s" = sink ] && [ "$c" = smtplib-tls ] && continue # smtp-sink has no STARTTLS/AUTH
            before=$(settle 0)
            wait_idle > /dev/null 2>&1 || log "machine busy ($IDLE_BUSY cores): run $r $c -> $s is disturbed"
            line=$(run_client "$c" "$port" "$N" "$WARM" 2> "$WORK/client.err"); rc=$?
            got=$(( $(settle $((before + N + WARM))) - before ))
            exact=yes; [ "$got" -eq $((N + WARM)) ] || { exact=NO; FAIL=1; }
            [ $rc -eq 0 ] || FAIL=1
            rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<< "$line")
            echo "RESULT run=$r client=$c server=$s rate=${rate:-nan} rc=$rc sink_got=$got expected=$((N + WARM)) sink_exact=$exact busy_before=$IDLE_BUSY | ${line:-no result}" | tee -a "$OUT" >&2
            [ $rc -eq 0 ] || sed 's/^/    /' "$WORK/client.err" | head -5 >&2
        done
    done
done

python3 - "$OUT" "$SERVERS" <<'PY' | tee -a "$OUT"
import re, statistics, sys
path, servers = sys.argv[1], sys.argv[2].split(",")
rates, order = {}, []
for line in open(path):
    if not line.startswith("RESULT "):
        continue
    kv = dict(re.findall(r"(\w+)=(\S+)", line.split(" | ")[0]))
    key = (kv["client"], kv["server"])
    if kv["client"] not in order:
        order.append(kv["client"])
    ok = kv.get("rc") == "0" and kv.get("sink_exact") == "yes"
    rates.setdefault(key, []).append((float(kv["rate"]) if kv["rate"] != "nan" else float("nan"), ok))
def med(key):
    v = [r for r, _ in rates.get(key, [])]
    return statistics.median(v) if v else float("nan")
print()
both = "tern" in servers and "postfix" in servers
names = {"tern": "Tern", "postfix": "Postfix smtpd", "sink": "smtp-sink (client ceiling)"}
head = "| client | " + " | ".join(f"{names[s]} msg/s (runs)" for s in servers)
head += " | Tern / Postfix |" if both else " |"
print(head)
print("|" + " --- |" * (len(servers) + 1 + both))
for c in order:
    cells = []
    for s in servers:
        runs = rates.get((c, s), [])
        if not runs:
            cells.append("-")
            continue
        flag = "" if all(ok for _, ok in runs) else " FAILED/LOSS"
        cells.append(f"**{med((c, s)):,.0f}** ({', '.join(f'{r:,.0f}' for r, _ in runs)}){flag}")
    row = f"| {c} | " + " | ".join(cells)
    if both:
        t, p = med((c, "tern")), med((c, "postfix"))
        row += f" | {t / p * 100:.0f} % |" if p == p and p > 0 else " | - |"
    else:
        row += " |"
    print(row)
PY
if [ $FAIL = 0 ]; then log "every run: client rc=0 and the sink got exactly the messages sent"; else log "FAILURES: see $OUT"; fi
log "results: $OUT"
exit $FAIL
