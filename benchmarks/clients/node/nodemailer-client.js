#!/usr/bin/env node
// nodemailer against one SMTP server: W warm-up messages (not timed), then N timed ones, over a
// pool of P connections (pool: true, maxConnections P; nodemailer pipelines MAIL/RCPT/DATA when
// the server advertises PIPELINING). Every message is the same raw text (the envelope is given
// apart), so all clients of the benchmark send the same bytes.
//
// usage: nodemailer-client.js HOST PORT N WARMUP POOL MESSAGE_FILE [tls-auth USER PASS]
// prints: RESULT client=nodemailer pool=P sent=N failed=F seconds=S rate=R
'use strict';
const fs = require('fs');
const nodemailer = require('nodemailer');

const [host, port, n, warm, pool, file, mode, user, pass] = process.argv.slice(2);
const N = parseInt(n, 10), W = parseInt(warm, 10), P = parseInt(pool, 10);
const raw = fs.readFileSync(file);
const tlsAuth = mode === 'tls-auth';

const transport = nodemailer.createTransport({
  host, port: parseInt(port, 10), secure: false,
  pool: true, maxConnections: P, maxMessages: Infinity,
  ignoreTLS: !tlsAuth, requireTLS: tlsAuth,
  tls: { rejectUnauthorized: false },   // the benchmark's self-signed certificate
  auth: tlsAuth ? { user, pass } : undefined,
  name: 'client.bench.localdomain',
});

// keeps at most `window` messages handed to the pool at a time (its queue stays short)
async function send(count, offset) {
  const window = Math.max(2 * P, 10);
  let next = 0, failed = 0;
  async function worker() {
    while (next < count) {
      const i = offset + next++;
      try {
        await transport.sendMail({ envelope: { from: 'sender@bench.localdomain', to: [`rcpt-${i}@example.test`] }, raw });
      } catch (e) {
        failed++;
        if (failed <= 3) console.error(`send ${i}: ${e.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: window }, worker));
  return failed;
}

(async () => {
  let failed = await send(W, 0);
  const t0 = process.hrtime.bigint();
  failed += await send(N, W);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  transport.close();
  console.log(`RESULT client=nodemailer pool=${P} sent=${N} failed=${failed} seconds=${s.toFixed(3)} rate=${(N / s).toFixed(1)}`);
  process.exit(failed ? 1 : 0);
})();
