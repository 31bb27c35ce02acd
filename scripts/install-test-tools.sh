#!/usr/bin/env bash
# Installs the non-Java tools the test suite talks to, if missing (idempotent, Debian):
#   smtp-sink/smtp-source (postfix), swaks, python3-dkim + python3-nacl (dkimpy),
#   opendkim, promtool (prometheus), chromium + chromedriver (the web console's browser test),
#   openssl (s_client: the TLS renegotiation check), redis-server (the fleet tests: shared limits, holds
#   and suppressions; each test starts its own on a loopback port and stops it).
# Tests that need a tool skip themselves (with a message) only when it could not be installed.
set -uo pipefail

need=()
command -v /usr/sbin/smtp-sink >/dev/null 2>&1 || need+=(postfix)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
/usr/bin/python3 -c 'import dkim, nacl' >/dev/null 2>&1 || need+=(python3-dkim python3-nacl)
command -v opendkim >/dev/null 2>&1 || [[ -x /usr/sbin/opendkim ]] || need+=(opendkim)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[[ -x /usr/bin/redis-server ]] || need+=(redis-server)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
[[ -x /usr/bin/chromedriver ]] || need+=(chromium-driver)
# chromium only recommends fonts (not installed with --no-install-recommends): screenshots need one
[[ -d /usr/share/fonts/truetype/dejavu ]] || need+=(fonts-dejavu-core)

[[ ${#need[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install-test-tools: not root; missing packages: ${need[*]} (tests that need them will be skipped)" >&2
  exit 0
fi

echo "install-test-tools: installing ${need[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
# Do not start daemons (postfix, opendkim, prometheus, redis) while installing: tests run their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; created_policy=1; fi
apt-get update -qq >/dev/null 2>&1 || echo "install-test-tools: apt-get update failed" >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "install-test-tools: apt-get install ${need[*]} failed; dependent tests will skip" >&2
[[ $created_policy -eq 1 ]] && rm -f $policy
# The prometheus package may have started a server anyway on some systems; tests only need promtool.
exit 0
