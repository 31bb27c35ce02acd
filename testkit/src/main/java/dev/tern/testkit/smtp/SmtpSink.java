package dev.tern.testkit.smtp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted ESMTP server on a loopback address for tests: it accepts mail, records every message and
 * lets a test decide replies, delays and disconnects per {@link Phase}.
 *
 * <pre>{@code
 * try (SmtpSink sink = SmtpSink.builder().address("127.0.0.2").startTls(true).start()) {
 *     sink.onRcpt(rcpt -> rcpt.startsWith("bad") ? "550 5.1.1 User unknown" : null);
 *     sink.delay(Phase.DATA_END, Duration.ofSeconds(1));
 *     // ... deliver to sink.address() ...
 *     List<ReceivedMessage> got = sink.awaitMessages(1, Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>It advertises PIPELINING (can be turned off), 8BITMIME, SMTPUTF8, SIZE, ENHANCEDSTATUSCODES and,
 * when enabled, STARTTLS with a self-signed certificate made at start. Pipelined commands are answered
 * in order; replies are flushed when the received input is used up, as Postfix does. A reply beginning
 * with 421 closes the connection after it is sent. Scripts, delays and disconnects may be changed
 * while the sink runs; they apply to commands that arrive afterwards.
 *
 * <p>{@link #stop()} closes the listening socket and every connection; {@link #start()} binds the
 * same address and port again (recorded messages and counters are kept).
 */
public final class SmtpSink implements AutoCloseable {

    /** What the sink does to a connection when a phase is reached, instead of replying. */
    public enum Disconnect {
        /** Close the connection normally (FIN). */
        CLOSE,
        /** Abort the connection (RST, through SO_LINGER 0). */
        RESET
    }

    final String hostname;
    final boolean pipelining;
    final boolean startTls;
    final boolean smtpUtf8;
    final boolean eightBitMime;
    final long maxSize;
    private final boolean keep;
    private final InetAddress bindAddress;
    private int port;

    volatile Script commandScript;
    final Map<Phase, Script> phaseScripts = new ConcurrentHashMap<>();
    volatile Function<ReceivedMessage, String> dataScript;
    final Map<Phase, Duration> delays = new ConcurrentHashMap<>();
    final Map<Phase, Disconnect> disconnects = new ConcurrentHashMap<>();

    private final List<ReceivedMessage> messages = new ArrayList<>();
    private final List<Command> commands = new ArrayList<>();
    private final Map<Integer, SinkSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private final AtomicInteger messageIds = new AtomicInteger();
    private int accepted;

    private SslContext sslContext;
    private EventLoopGroup group;
    private Channel serverChannel;
    private ChannelGroup children;

    private SmtpSink(Builder b) {
        this.hostname = b.hostname;
        this.pipelining = b.pipelining;
        this.startTls = b.startTls;
        this.smtpUtf8 = b.smtpUtf8;
        this.eightBitMime = b.eightBitMime;
        this.maxSize = b.maxSize;
        this.keep = b.keep;
        this.bindAddress = b.address;
        this.port = b.port;
        this.sslContext = b.sslContext;
    }

    /** A builder with defaults: 127.0.0.1, ephemeral port, PIPELINING on, STARTTLS off, SIZE 50 MiB. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a sink with all defaults on 127.0.0.1 and an ephemeral port. */
    public static SmtpSink startDefault() {
        return builder().start();
    }

    /**
     * Binds the listening socket (again, after {@link #stop()}, on the same port).
     *
     * @throws IllegalStateException if it is running already or the port cannot be bound
     */
    public synchronized SmtpSink start() {
        if (serverChannel != null) throw new IllegalStateException("sink is running");
        if (startTls && sslContext == null) sslContext = SelfSignedTls.serverContext(hostname);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        children.add(ch);
                        ch.pipeline()
                                .addLast("session", new SinkSession(SmtpSink.this, connectionIds.incrementAndGet()));
                    }
                });
        try {
            serverChannel = bootstrap
                    .bind(new InetSocketAddress(bindAddress, port))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            group = null;
            throw new IllegalStateException("cannot bind " + bindAddress.getHostAddress() + ":" + port, e);
        }
        port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        return this;
    }

    /** Closes the listening socket and all connections, and waits until they are closed. */
    public synchronized void stop() {
        if (serverChannel == null) return;
        serverChannel.close().syncUninterruptibly();
        children.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        serverChannel = null;
        group = null;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return serverChannel != null;
    }

    /** The bound port (stays the same across stop/start). */
    public synchronized int port() {
        return port;
    }

    /** The address and port to connect to. */
    public synchronized InetSocketAddress address() {
        return new InetSocketAddress(bindAddress, port);
    }

    /** The host name used in the banner and in EHLO replies. */
    public String hostname() {
        return hostname;
    }

    // ---- scripting ----------------------------------------------------------------------------

    /** Sets a script consulted first for every command (including CONNECT and DATA_END); null replies fall through. */
    public SmtpSink onCommand(Script script) {
        this.commandScript = script;
        return this;
    }

    /** Sets the script for one phase (null removes it). */
    public SmtpSink on(Phase phase, Script script) {
        if (script == null) phaseScripts.remove(phase);
        else phaseScripts.put(phase, script);
        return this;
    }

    /** Replies with {@code reply} instead of the banner (e.g. "421 4.7.0 Try later"); null restores the default. */
    public SmtpSink onBanner(String reply) {
        return on(Phase.CONNECT, reply == null ? null : c -> reply);
    }

    /** Decides the reply to EHLO from the client's name (null = default). */
    public SmtpSink onEhlo(Function<String, String> reply) {
        return on(Phase.EHLO, reply == null ? null : c -> reply.apply(c.argument()));
    }

    /** Decides the reply to MAIL from the reverse path (null = default). */
    public SmtpSink onMail(Function<String, String> reply) {
        return on(Phase.MAIL, reply == null ? null : c -> reply.apply(c.argument()));
    }

    /** Decides the reply to RCPT from the recipient address (null = default). */
    public SmtpSink onRcpt(Function<String, String> reply) {
        return on(Phase.RCPT, reply == null ? null : c -> reply.apply(c.argument()));
    }

    /**
     * Decides the final reply after DATA from the received message (null = default 250). A message is
     * recorded in {@link #messages()} only when the final reply is 2xx.
     */
    public SmtpSink onData(Function<ReceivedMessage, String> reply) {
        this.dataScript = reply;
        return this;
    }

    /**
     * Delays the reply for a phase (for {@link Phase#DATA_BODY}: stops reading the body for that long
     * once it starts); null or zero removes the delay.
     */
    public SmtpSink delay(Phase phase, Duration delay) {
        if (delay == null || delay.isZero()) delays.remove(phase);
        else delays.put(phase, delay);
        return this;
    }

    /** Closes or resets the connection when a phase is reached, instead of replying; null removes it. */
    public SmtpSink disconnectAt(Phase phase, Disconnect how) {
        if (how == null) disconnects.remove(phase);
        else disconnects.put(phase, how);
        return this;
    }

    /** Removes all scripts, delays and disconnects. */
    public SmtpSink resetScript() {
        commandScript = null;
        dataScript = null;
        phaseScripts.clear();
        delays.clear();
        disconnects.clear();
        return this;
    }

    // ---- what was received ----------------------------------------------------------------------

    /** A snapshot of the accepted messages, in order of acceptance. */
    public List<ReceivedMessage> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /**
     * Waits until at least {@code n} messages were accepted and returns a snapshot of them all.
     *
     * @throws AssertionError if fewer arrived within the timeout
     */
    public List<ReceivedMessage> awaitMessages(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (messages) {
            while (messages.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(
                            "expected " + n + " messages at the sink within " + timeout + ", got " + messages.size());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(messages, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
            return List.copyOf(messages);
        }
    }

    /**
     * Messages accepted so far, including those not kept (see {@link Builder#keepMessages}); not reset by
     * {@link #clearMessages()}.
     */
    public int messageCount() {
        synchronized (messages) {
            return accepted;
        }
    }

    /**
     * Waits until at least {@code n} messages were accepted in total (for sinks that do not keep them).
     *
     * @throws AssertionError if fewer arrived within the timeout
     */
    public void awaitMessageCount(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (messages) {
            while (accepted < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(
                            "expected " + n + " messages at the sink within " + timeout + ", got " + accepted);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(messages, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Forgets recorded messages and commands (counters and connection statistics stay). */
    public void clearMessages() {
        synchronized (messages) {
            messages.clear();
        }
        synchronized (commands) {
            commands.clear();
        }
    }

    /** A snapshot of every command received, in order of arrival. */
    public List<Command> commands() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    public int connectionsAccepted() {
        return connectionIds.get();
    }

    public int currentConnections() {
        return current.get();
    }

    public int maxConcurrentConnections() {
        return maxConcurrent.get();
    }

    /** Statistics of every connection seen, by connection id. */
    public List<ConnectionStats> connectionStats() {
        return sessions.values().stream()
                .map(SinkSession::stats)
                .sorted(Comparator.comparingInt(ConnectionStats::connectionId))
                .toList();
    }

    /** Messages accepted on one connection (0 if unknown). */
    public int messagesOnConnection(int connectionId) {
        SinkSession s = sessions.get(connectionId);
        return s == null ? 0 : s.stats().messages();
    }

    // ---- called by sessions -------------------------------------------------------------------

    SslContext sslContext() {
        return sslContext;
    }

    void opened(SinkSession session) {
        sessions.put(session.id, session);
        maxConcurrent.accumulateAndGet(current.incrementAndGet(), Math::max);
    }

    void closed(SinkSession session) {
        current.decrementAndGet();
    }

    void record(Command command) {
        if (!keep) return;
        synchronized (commands) {
            commands.add(command);
        }
    }

    void accepted(ReceivedMessage message) {
        synchronized (messages) {
            accepted++;
            if (keep) messages.add(message);
            messages.notifyAll();
        }
    }

    int nextMessageId() {
        return messageIds.incrementAndGet();
    }

    public static final class Builder {
        private InetAddress address = loopback("127.0.0.1");
        private int port;
        private String hostname = "sink.test";
        private boolean pipelining = true;
        private boolean startTls;
        private boolean smtpUtf8 = true;
        private boolean eightBitMime = true;
        private long maxSize = 50L * 1024 * 1024;
        private boolean keep = true;
        private SslContext sslContext;

        private Builder() {}

        /**
         * Offers STARTTLS with this server context (a certificate from a test CA, an expired one ...)
         * instead of the self-signed certificate.
         */
        public Builder tls(SslContext context) {
            this.sslContext = Objects.requireNonNull(context);
            this.startTls = true;
            return this;
        }

        /**
         * Whether to keep every message and command in memory (default); turn off for load runs and
         * use {@link #messageCount()}, the counters and {@link #connectionStats()}.
         */
        public Builder keepMessages(boolean keep) {
            this.keep = keep;
            return this;
        }

        /** A loopback address such as "127.0.0.2" or "::1". */
        public Builder address(String address) {
            this.address = loopback(address);
            return this;
        }

        /** The port; 0 (default) picks an ephemeral one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder hostname(String hostname) {
            this.hostname = Objects.requireNonNull(hostname);
            return this;
        }

        public Builder pipelining(boolean on) {
            this.pipelining = on;
            return this;
        }

        /** Offers STARTTLS with a self-signed certificate for the host name. */
        public Builder startTls(boolean on) {
            this.startTls = on;
            return this;
        }

        public Builder smtpUtf8(boolean on) {
            this.smtpUtf8 = on;
            return this;
        }

        public Builder eightBitMime(boolean on) {
            this.eightBitMime = on;
            return this;
        }

        /** The advertised and enforced SIZE limit in bytes; 0 advertises SIZE without a limit, negative omits SIZE. */
        public Builder maxSize(long bytes) {
            this.maxSize = bytes;
            return this;
        }

        public SmtpSink start() {
            return new SmtpSink(this).start();
        }

        private static InetAddress loopback(String address) {
            try {
                InetAddress a = InetAddress.getByName(address);
                if (!a.isLoopbackAddress()) throw new IllegalArgumentException("not a loopback address: " + address);
                return a;
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad address: " + address, e);
            }
        }
    }
}
