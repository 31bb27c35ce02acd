#!/usr/bin/env python3
"""Python smtplib against one SMTP server: W warm-up messages (not timed), then N timed ones, all on
one connection (smtplib does not pipeline: MAIL, RCPT and DATA each wait for their reply).

usage: smtplib-client.py HOST PORT N WARMUP MESSAGE_FILE [tls-auth USER PASS]
  tls-auth: STARTTLS (certificate not verified: the benchmark's is self-signed), then AUTH
prints: RESULT client=smtplib mode=plain|tls-auth sent=N failed=F seconds=S rate=R
"""
import smtplib
import ssl
import sys
import time


def main():
    host, port, n, warm, path = sys.argv[1:6]
    mode = sys.argv[6] if len(sys.argv) > 6 else "plain"
    n, warm = int(n), int(warm)
    with open(path, "rb") as f:
        raw = f.read()
    s = smtplib.SMTP(host, int(port), local_hostname="client.bench.localdomain", timeout=60)
    s.ehlo()
    if mode == "tls-auth":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s.starttls(context=ctx)
        s.ehlo()
        s.login(sys.argv[7], sys.argv[8])
    failed = 0

    def send(count, offset):
        nonlocal failed
        for i in range(offset, offset + count):
            try:
                refused = s.sendmail("sender@bench.localdomain", [f"rcpt-{i}@example.test"], raw)
                if refused:
                    failed += 1
            except smtplib.SMTPException as e:
                failed += 1
                if failed <= 3:
                    print(f"send {i}: {e}", file=sys.stderr)

    send(warm, 0)
    t0 = time.perf_counter()
    send(n, warm)
    secs = time.perf_counter() - t0
    s.quit()
    print(f"RESULT client=smtplib mode={mode} sent={n} failed={failed} seconds={secs:.3f} rate={n / secs:.1f}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
