package dev.tern.testkit.smtp;

/**
 * What a {@link SmtpSink} saw on one connection.
 *
 * @param connectionId      the sink's id of the connection (1, 2, ... in order of acceptance)
 * @param messages          messages accepted on it
 * @param commands          commands received on it
 * @param maxCommandsPerRead the most commands that arrived in a single socket read (above 1 means
 *                          the client pipelined)
 * @param tls               whether TLS is active on it
 * @param open              whether it is still open
 */
public record ConnectionStats(
        int connectionId, int messages, int commands, int maxCommandsPerRead, boolean tls, boolean open) {}
