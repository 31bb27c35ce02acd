package dev.tern.core.delivery.smtp;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open, greeted SMTP session (after banner, EHLO/HELO and STARTTLS if any). Transactions are
 * sequential: issue the next {@link #send} (or {@link #quit}) only after the previous one completed;
 * overlapping calls throw {@link IllegalStateException}. A connection-level failure completes the
 * pending future exceptionally with an {@link SmtpException} and closes the connection. Futures
 * complete on the connection's event loop: do not block in their callbacks.
 */
public final class SmtpConnection {
    private final Channel channel;
    private final SmtpClientHandler handler;
    private final InetSocketAddress remote;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** {@link #remoteText()}, made on first use (a benign race: every thread makes the same string). */
    private String remoteText;

    SmtpConnection(Channel channel, SmtpClientHandler handler, InetSocketAddress remote) {
        this.channel = channel;
        this.handler = handler;
        this.remote = remote;
    }

    /**
     * Runs one transaction: MAIL, RCPT per recipient, DATA and the message (pipelined when the server
     * offers PIPELINING). Completes with the replies, even when the server refused (some) recipients or
     * the message; completes exceptionally with an {@link SmtpException} when the connection fails.
     *
     * @throws IllegalStateException if a transaction or QUIT is already in progress
     */
    public CompletableFuture<TransactionResult> send(SmtpTransaction tx) {
        acquire("send");
        CompletableFuture<TransactionResult> future = new CompletableFuture<>();
        try {
            channel.eventLoop().execute(() -> handler.send(tx, future));
        } catch (RejectedExecutionException e) {
            release();
            future.completeExceptionally(
                    SmtpException.ofTransient(SmtpException.Phase.IDLE, "event loop is shut down", e));
        }
        return future;
    }

    /** Sends QUIT, waits for the reply (at most the QUIT timeout) and closes. Never completes exceptionally. */
    public CompletableFuture<Void> quit() {
        acquire("quit");
        CompletableFuture<Void> future = new CompletableFuture<>();
        future.whenComplete((v, e) -> release()); // later send() calls fail as "closed", not as misuse
        try {
            channel.eventLoop().execute(() -> handler.quit(future));
        } catch (RejectedExecutionException e) {
            channel.close();
            future.complete(null);
        }
        return future;
    }

    /** Closes the connection at once (without QUIT); a pending transaction fails. */
    public void close() {
        try {
            channel.eventLoop().execute(handler::close);
        } catch (RejectedExecutionException e) {
            channel.close();
        }
    }

    public boolean isOpen() {
        return channel.isActive() && !handler.isClosed();
    }

    /** The EHLO keywords the server offered, upper case ("PIPELINING", "SIZE" ...); empty after HELO. */
    public Set<String> extensions() {
        return handler.extensions.keySet();
    }

    /** The parameter of an offered extension ("" if it has none), or null if not offered; e.g. the SIZE limit. */
    public String extension(String keyword) {
        Map<String, String> ext = handler.extensions;
        return ext.get(keyword.toUpperCase(java.util.Locale.ROOT));
    }

    public boolean tlsActive() {
        return handler.tls;
    }

    /** How the STARTTLS step went against the connection's {@link TlsPolicy}. */
    public TlsCheck tlsCheck() {
        return handler.tlsCheck;
    }

    /** The negotiated TLS protocol ({@code TLSv1.3}), or null without TLS. */
    public String tlsVersion() {
        return handler.tlsVersion;
    }

    /** The negotiated TLS cipher suite, or null without TLS. */
    public String tlsCipher() {
        return handler.tlsCipher;
    }

    /** Transactions run on this connection so far (whatever their outcome; local refusals not counted). */
    public int transactions() {
        return handler.transactions;
    }

    /** The server's greeting. */
    public SmtpReply banner() {
        return handler.banner;
    }

    public InetSocketAddress remote() {
        return remote;
    }

    /** The server as {@code ip:port} (the address the connection went to), the form events carry. */
    public String remoteText() {
        String t = remoteText;
        if (t == null) remoteText = t = remote.getAddress().getHostAddress() + ":" + remote.getPort();
        return t;
    }

    public InetSocketAddress local() {
        return (InetSocketAddress) channel.localAddress();
    }

    private void acquire(String what) {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException(
                    what + "() while a transaction or QUIT is in progress on " + remote + ": calls must be sequential");
        }
    }

    void release() {
        busy.set(false);
    }

    @Override
    public String toString() {
        return "SmtpConnection[" + remote + (tlsActive() ? ", tls" : "") + (isOpen() ? "" : ", closed") + "]";
    }
}
