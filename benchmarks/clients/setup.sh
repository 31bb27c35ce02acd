#!/usr/bin/env bash
# Idempotent installer of what the client benchmark needs (Debian, root): the relay benchmark's
# tools (Postfix, smtp-sink, openssl, python3: ../relay/setup.sh), Cyrus SASL's tools for
# Postfix's AUTH (sasl2-bin, libsasl2-modules), Node.js and npm, then nodemailer at the version
# in node/package.json, installed into benchmarks/clients/node/node_modules (no global npm state).
# Re-running is cheap: installed packages are skipped.
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)
"$DIR/../relay/setup.sh"
PKGS="sasl2-bin libsasl2-modules nodejs npm"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# a Node.js from elsewhere (not the Debian package) is fine when node and npm are on PATH
if command -v node > /dev/null && command -v npm > /dev/null; then missing=$(echo "$missing" | sed 's/ nodejs//; s/ npm//'); fi
if [ -n "$missing" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "setup.sh: need root to install:$missing" >&2; exit 1; }
    echo "setup.sh: installing:$missing" >&2
    timeout 600 apt-get update -q > /dev/null
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends $missing > /dev/null
fi
want=$(sed -n 's/.*"nodemailer": *"\([^"]*\)".*/\1/p' "$DIR/node/package.json")
have=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$DIR/node/node_modules/nodemailer/package.json" 2> /dev/null || true)
if [ "$want" != "$have" ]; then
    echo "setup.sh: npm installing nodemailer $want into $DIR/node" >&2
    (cd "$DIR/node" && timeout 300 npm ci --no-audit --no-fund --loglevel=error > /dev/null)
fi
exit 0
