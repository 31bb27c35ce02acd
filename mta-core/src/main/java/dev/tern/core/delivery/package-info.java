/**
 * Delivery: the queue manager and the single-purpose parts around it (modelled on Postfix's
 * {@code qmgr}: one owner of queue state; everything else asks it).
 *
 * <h2>Parts</h2>
 *
 * <ul>
 *   <li>{@link dev.tern.core.delivery.QueueManager}: the owner. Its control thread alone leases
 *       entries, and runs the operator's commands one at a time, in arrival order.
 *   <li>{@code SpoolFeed}: leases due entries (bounded in flight), ends each lease exactly once,
 *       carries an operator's order (bounce, retry now) on a leased entry to whoever ends it.
 *   <li>{@code HoldBook}: the holds in force, a copy of the spool's {@code holds} column family.
 *   <li>{@code Dispatcher}: routing, egress source, holds, lane size: a leased entry either joins
 *       a destination's ready queue or goes back to the spool.
 *   <li>{@code DestinationRegistry}: sites ({@link dev.tern.core.delivery.SiteKey}), their
 *       throttles and destinations (one ready queue per site and source).
 *   <li>{@code Admission}: when a destination may open a connection (holds, down time, throttles,
 *       global slots; starved destinations are served when a slot frees).
 *   <li>{@code TransactionRunner}: connection (MX failover, STARTTLS fallback to clear text),
 *       message chaining, transactions of at most N recipients. A connection takes its first entry
 *       from the lane when it is opened (not when it is ready), so no session ends without a MAIL
 *       because the first connection ready chained the mail the others were opened for; every host
 *       tried is recorded in the attempt (the events' {@code hosts}). When the connection's only
 *       message would be refused locally (SIZE, SMTPUTF8, 8BITMIME: nothing may be sent) by what the
 *       server's first EHLO offers, the session quits before STARTTLS ({@code StartTlsGate}) and
 *       records the refusal, so no TLS session ends without a MAIL for it. A session still ends
 *       without MAIL when the site is held meanwhile or the engine stops. A connection whose lane
 *       is empty waits for the next mail of its destination ({@code delivery.idle_connection_timeout},
 *       parked in its {@code Destination}; mail arriving resumes it before any new connection
 *       opens), then QUITs; a reload or a new TLS policy of the destination starts a new session.
 *   <li>{@code OutcomeRecorder}: recipient states, events and one atomic spool write per attempt.
 *   <li>{@code ReplyReactor}: adaptive pushback and automation rules (a timed hold, a throttle,
 *       a bounce window).
 *   <li>{@code QueueCommands}: hold, release, retry and bounce, on the control thread.
 * </ul>
 *
 * <h2>An entry's states</h2>
 *
 * <pre>
 *                 store (injection)
 *                        |
 *                        v
 *   +-------------> SCHEDULED (spool: schedule index, due at nextAttemptAt) <----------------+
 *   |                    |  lease (control thread; due, room in flight)                      |
 *   |                    v                                                                   |
 *   |   past max_age? -> EXPIRED (expiration events, entry completed)                        |
 *   |                    |                                                                   |
 *   |                 LEASED ---- entry held (domain, campaign, tenant, pool) --- put back --+
 *   |                    |  route                                            (due at hold end|
 *   |                    v                                                    or in 1 min)   |
 *   |                 ROUTED ---- site held / lane full ------------------------ put back ---+
 *   |                    |  routing failed: DEFERRED or BOUNCED (below)                      |
 *   |                    v                                                                   |
 *   |                 READY (destination lane, in memory, bounded) -- operator bounce -> BOUNCED
 *   |                    |  connection admitted, entry taken                                 |
 *   |                    v                                                                   |
 *   |                 SENDING (transactions) -- ends --> recorded:                            |
 *   |                                           all final      -> COMPLETED (entry deleted)  |
 *   +---- DEFERRED (next attempt by the retry policy; an operator's retry: due now) ---------+
 *
 *   Operator commands on a LEASED/READY/SENDING entry are orders on its lease, applied when the
 *   lease ends (bounce: open recipients bounced; retry: next attempt now); on a SCHEDULED entry
 *   they change the spool at once. Only the control thread leases, so no command races a lease.
 *   Shutdown hands READY entries back unattempted; a crash leaves leases that the next start
 *   makes due at once.
 * </pre>
 *
 * <h2>A hold's life</h2>
 *
 * <pre>
 *   suspend (operator) / automation rule / campaign guard
 *        -> stored in the spool (durable) -> in force (HoldBook)
 *        -> resume, or expiry on the manager's Clock -> removed; the target's entries due now
 * </pre>
 */
package dev.tern.core.delivery;
