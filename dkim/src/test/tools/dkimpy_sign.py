#!/usr/bin/python3
"""Sign a message with dkimpy (control signer for interop tests).
usage: /usr/bin/python3 dkimpy_sign.py KEY.pem SELECTOR DOMAIN simple|relaxed MESSAGE > SIGNED"""
import sys, dkim
keyfile, selector, domain, canon, msgfile = sys.argv[1:6]
msg = open(msgfile, 'rb').read()
c = canon.encode()
sig = dkim.sign(msg, selector.encode(), domain.encode(), open(keyfile, 'rb').read(),
                canonicalize=(c, c), include_headers=[b'from', b'to', b'subject'])
sys.stdout.buffer.write(sig + msg)
