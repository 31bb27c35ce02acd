/**
 * {@link dev.tern.testkit.smtp.SmtpSink}: a scripted ESMTP server on loopback for tests. It records
 * accepted messages ({@link dev.tern.testkit.smtp.ReceivedMessage}), every command
 * ({@link dev.tern.testkit.smtp.Command}, with the socket read it arrived in, to check pipelining) and
 * per-connection statistics ({@link dev.tern.testkit.smtp.ConnectionStats}); a
 * {@link dev.tern.testkit.smtp.Script} per {@link dev.tern.testkit.smtp.Phase} decides replies, and
 * delays and disconnects per phase make clients hit timeouts and failures.
 */
package dev.tern.testkit.smtp;
