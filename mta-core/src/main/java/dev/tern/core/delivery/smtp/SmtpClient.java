package dev.tern.core.delivery.smtp;

import dev.tern.core.eventloop.EventLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;

/**
 * Opens SMTP connections on a caller-owned Netty event loop group (NIO or epoll). Each connection gets
 * the pipeline [tls after STARTTLS] - line decoder - {@link ReplyDecoder} - {@link SmtpClientHandler}.
 * {@link #close()} closes the connections it opened, not the event loop group.
 */
public final class SmtpClient implements AutoCloseable {
    /** Longest reply line accepted (RFC 5321 allows 512; real servers send longer ones). */
    static final int MAX_REPLY_LINE = 16 * 1024;

    private final EventLoopGroup group;
    private final SmtpClientSettings defaults;
    private final Class<? extends SocketChannel> channelClass;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private SslContext trustingContext;
    private SslContext verifyingContext;
    private volatile javax.net.ssl.X509TrustManager trust;

    public SmtpClient(EventLoopGroup group, SmtpClientSettings defaults) {
        this.group = Objects.requireNonNull(group, "group");
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.channelClass = EventLoops.socketChannel(group);
    }

    /**
     * Connects, reads the banner, says EHLO (HELO if EHLO gets a 5xx), does STARTTLS when offered and
     * enabled, and completes with the greeted connection, or exceptionally with an {@link SmtpException}.
     *
     * @param remote        the server; its host string names the server for TLS (SNI, verification)
     * @param localBind     the local address to bind (an egress source), or null for any
     * @param ehloName      the name to announce in EHLO/HELO
     * @param settings      the settings for this connection, or null for the client's defaults
     */
    public CompletableFuture<SmtpConnection> connect(
            InetSocketAddress remote, InetAddress localBind, String ehloName, SmtpClientSettings settings) {
        return connect(remote, localBind, ehloName, settings, TlsPolicy.OPPORTUNISTIC);
    }

    /**
     * Like {@link #connect(InetSocketAddress, InetAddress, String, SmtpClientSettings)}, with the TLS
     * policy of this host: when it {@linkplain TlsPolicy#requiresTls() requires TLS}, a server that
     * does not offer STARTTLS, refuses it or fails the policy's certificate check ends the connection
     * with an {@link SmtpException} whose {@link SmtpException#tlsPolicyFailure()} names the reason
     * (no clear text); otherwise the check's result is kept in {@link SmtpConnection#tlsCheck()}.
     */
    public CompletableFuture<SmtpConnection> connect(
            InetSocketAddress remote,
            InetAddress localBind,
            String ehloName,
            SmtpClientSettings settings,
            TlsPolicy policy) {
        return connect(remote, localBind, ehloName, settings, policy, null);
    }

    /**
     * Like {@link #connect(InetSocketAddress, InetAddress, String, SmtpClientSettings, TlsPolicy)};
     * before STARTTLS the {@code gate} (null: none) may end the connection when nothing the session
     * holds could be sent ({@link StartTlsGate}).
     */
    public CompletableFuture<SmtpConnection> connect(
            InetSocketAddress remote,
            InetAddress localBind,
            String ehloName,
            SmtpClientSettings settings,
            TlsPolicy policy,
            StartTlsGate gate) {
        SmtpClientSettings s = settings == null ? defaults : settings;
        SmtpClientHandler handler = new SmtpClientHandler(
                this, s, ehloName, remote, policy == null ? TlsPolicy.OPPORTUNISTIC : policy, gate);
        if (remote.isUnresolved()) {
            handler.connected.completeExceptionally(
                    SmtpException.ofTransient(SmtpException.Phase.CONNECT, "unresolved address " + remote, null));
            return handler.connected;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, s.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 512 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("lines", new LineBasedFrameDecoder(MAX_REPLY_LINE, true, true))
                                .addLast("replies", new ReplyDecoder())
                                .addLast("smtp", handler);
                    }
                });
        ChannelFuture cf = localBind == null
                ? bootstrap.connect(remote)
                : bootstrap.connect(remote, new InetSocketAddress(localBind, 0));
        Channel channel = cf.channel();
        channels.add(channel);
        cf.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Throwable c = f.cause();
                String what = c instanceof ConnectTimeoutException ? "connect timeout" : "cannot connect";
                handler.connected.completeExceptionally(SmtpException.ofTransient(
                        SmtpException.Phase.CONNECT,
                        what + " to " + remote + (localBind == null ? "" : " from " + localBind.getHostAddress()) + ": "
                                + c.getMessage(),
                        c));
            }
        });
        return handler.connected;
    }

    /** The client's default settings. */
    public SmtpClientSettings defaults() {
        return defaults;
    }

    /** Open connections. */
    public int openConnections() {
        return channels.size();
    }

    /**
     * The CAs that {@code verify} and {@code mta-sts} policies trust (the JDK's by default; tests and
     * operators with a private CA set their own).
     */
    public void trust(javax.net.ssl.X509TrustManager trustManager) {
        this.trust = Objects.requireNonNull(trustManager, "trustManager");
    }

    /** The trust manager of WebPKI checks. */
    javax.net.ssl.X509TrustManager trust() {
        javax.net.ssl.X509TrustManager t = trust;
        if (t == null) {
            t = defaultTrust();
            trust = t;
        }
        return t;
    }

    /** The JDK's default trust manager (its cacerts). */
    public static javax.net.ssl.X509TrustManager defaultTrust() {
        try {
            javax.net.ssl.TrustManagerFactory f = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            f.init((java.security.KeyStore) null);
            for (javax.net.ssl.TrustManager tm : f.getTrustManagers())
                if (tm instanceof javax.net.ssl.X509TrustManager x) return x;
            throw new IllegalStateException("no X509 trust manager in the JDK");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the JDK's trust store", e);
        }
    }

    /** A context whose trust manager runs {@code tm}'s policy check (one per policy connection). */
    SslContext policyContext(CertificateChecks.PolicyTrustManager tm) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(TlsEngines.provider())
                    .trustManager(tm)
                    .endpointIdentificationAlgorithm(null)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot create the TLS client context", e);
        }
    }

    synchronized SslContext sslContext(boolean verify) {
        try {
            if (verify) {
                if (verifyingContext == null) {
                    verifyingContext = SslContextBuilder.forClient()
                            .sslProvider(TlsEngines.provider())
                            .endpointIdentificationAlgorithm("HTTPS")
                            .build();
                }
                return verifyingContext;
            }
            if (trustingContext == null) {
                trustingContext = SslContextBuilder.forClient()
                        .sslProvider(TlsEngines.provider())
                        .trustManager(InsecureTrustManagerFactory.INSTANCE)
                        .endpointIdentificationAlgorithm(null)
                        .build();
            }
            return trustingContext;
        } catch (SSLException e) {
            throw new IllegalStateException("cannot create the TLS client context", e);
        }
    }

    /** Closes every connection this client opened (without QUIT). */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly();
    }
}
