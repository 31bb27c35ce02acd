/**
 * The outbound SMTP client: a non-blocking Netty state machine per connection.
 *
 * <h2>Use</h2>
 * {@link dev.tern.core.delivery.smtp.SmtpClient#connect SmtpClient.connect} completes with a greeted
 * {@link dev.tern.core.delivery.smtp.SmtpConnection}; {@code send(SmtpTransaction)} runs one
 * transaction and completes with a {@link dev.tern.core.delivery.smtp.TransactionResult} holding the
 * MAIL reply, one reply per recipient and the DATA reply; {@code quit()} ends the session. Calls on one
 * connection are sequential. Refusals by the server are results; a connection that cannot go on (refused
 * or timed-out connect, a non-220 banner, EHLO and HELO refused, a timeout in any phase, the server
 * closing or resetting the connection, a TLS handshake failure) is an
 * {@link dev.tern.core.delivery.smtp.SmtpException} naming the phase, with
 * {@link dev.tern.core.delivery.smtp.SmtpException#isTransient() isTransient()} and
 * {@link dev.tern.core.delivery.smtp.SmtpException#tlsFailure() tlsFailure()} (retry without STARTTLS).
 *
 * <h2>Pipeline</h2>
 * [{@code SslHandler}, added after STARTTLS] → {@code LineBasedFrameDecoder} (reply lines may arrive split
 * across or packed into TCP segments) → {@code ReplyDecoder} (joins "250-" continuation lines into one
 * {@link dev.tern.core.delivery.smtp.SmtpReply}, parses the enhanced status code) →
 * {@code SmtpClientHandler} (the state machine).
 *
 * <h2>State machine</h2>
 * <pre>
 *  CONNECT ──tcp up──▶ BANNER ──220──▶ EHLO ──250──▶ [STARTTLS ──220──▶ TLS_HANDSHAKE ──ok──▶ EHLO] ──▶ IDLE
 *                        │ other           │ 5xx ──▶ HELO ──250──▶ (same as after EHLO)
 *                        ▼                 ▼ 4xx, HELO refused, handshake failed
 *                      failed            failed                   (STARTTLS refused: go on in clear text)
 *  Before STARTTLS a {@link dev.tern.core.delivery.smtp.StartTlsGate} may find that nothing the session holds
 *  could go ({@link dev.tern.core.delivery.smtp.LocalRefusal}): QUIT in clear text, and the connection fails
 *  with {@link dev.tern.core.delivery.smtp.SmtpException#localRefusal()}.
 *
 *  IDLE ──send()──▶ [RSET] ▶ MAIL ▶ RCPT × n ▶ DATA ──354──▶ DATA_BLOCK (body) ▶ DATA_END ──any reply──▶ IDLE
 *                             │ refused   │ none accepted    │ refused
 *                             └───────────┴──────────────────┴──▶ IDLE (result without data reply; RSET before next)
 *  IDLE ──quit()──▶ QUIT ──reply / close / timeout──▶ closed
 * </pre>
 * Every command written pushes an expectation (phase + continuation) onto a FIFO; each reply pops the
 * head. With PIPELINING offered, [RSET,] MAIL, all RCPTs and DATA go out in one buffer and one write (RFC
 * 2920) and the replies are matched in order; without it each command is written after the previous
 * reply. A timer per phase (RFC 5321 4.5.3.2 values from {@link
 * dev.tern.core.delivery.smtp.SmtpClientSettings}) runs for the oldest outstanding command; while the
 * body is written, the data-block timer restarts on each chunk written and the data-end timer starts
 * once the last chunk is on the wire. When the server closes the connection the pending future fails
 * with an {@code SmtpException} naming the phase; if its last reply was a 421 (for example to a pipelined
 * RCPT) that reply is the exception's {@code reply()}, so shaping rules can match its text.
 *
 * <h2>Transactions</h2>
 * <ul>
 * <li>MAIL carries {@code SIZE=} when SIZE is offered; a message larger than the advertised limit is
 *     refused locally (552 5.3.4, nothing sent). SMTPUTF8 is sent when needed (non-ASCII envelope or header
 *     section, see {@link dev.tern.core.delivery.smtp.MessageContent}) and offered; when needed but not
 *     offered the transaction is refused locally (553 5.6.7). {@code BODY=8BITMIME} is sent for 8-bit
 *     messages; when 8BITMIME is not offered an 8-bit message is refused locally (554 5.6.3): no 7-bit
 *     conversion, which would break DKIM body hashes.</li>
 * <li>Recipients are refused individually; DATA goes ahead when at least one was accepted.</li>
 * <li>A transaction that ends after its final reply needs no RSET; one that stopped after MAIL was
 *     accepted (no recipient accepted, DATA refused) gets RSET before the next transaction.</li>
 * <li>The body is written from the caller's array through {@code DotStuffer}
 *     (64 KiB direct-buffer chunks, dots at line starts doubled, CRLF.CRLF end added) while the
 *     channel is writable, resuming when it becomes writable again.</li>
 * </ul>
 */
package dev.tern.core.delivery.smtp;
