#!/usr/bin/env bash
# Idempotent installer of what the relay benchmark needs (Debian/Ubuntu, root):
#   postfix (ships smtp-source / smtp-sink, and is the peer MTA), GNU time, iproute2 (ss),
#   procps, openssl (DKIM keys), python3 (latency and the result table).
# Postfix is installed with "No configuration"; postfix-relay.sh writes its main.cf.
# Adapted from the shared loopback harness (../shared/bench/setup.sh), without Haraka.
# Re-running is cheap: installed packages are skipped.
set -eu
PKGS="postfix time iproute2 procps openssl python3"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "setup.sh: need root to install:$missing" >&2; exit 1; }
    echo "setup.sh: installing:$missing" >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string bench.localdomain" | debconf-set-selections
    timeout 600 apt-get update -q > /dev/null
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends $missing > /dev/null
fi
for b in smtp-source smtp-sink; do
    p=$(command -v $b || true)
    [ -z "$p" ] && for c in /usr/sbin/$b /usr/lib/postfix/$b /usr/lib/postfix/sbin/$b; do [ -x "$c" ] && p=$c && break; done
    [ -n "$p" ] || { echo "setup.sh: ERROR: $b not found after install" >&2; exit 1; }
done
exit 0
