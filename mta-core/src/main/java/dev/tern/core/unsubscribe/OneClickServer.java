package dev.tern.core.unsubscribe;

import dev.tern.core.config.Unsubscribe;
import dev.tern.core.eventloop.EventLoops;
import dev.tern.core.feedback.Unsubscribes;
import dev.tern.core.inject.tls.KeyMaterial;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public one-click unsubscribe listener ({@code unsubscribe.listen}, HTTPS with
 * {@code unsubscribe.certificate}): {@code POST /u/TOKEN} with {@code List-Unsubscribe=One-Click}
 * (RFC 8058; form-urlencoded or multipart) unsubscribes and answers 200, also for a replay;
 * {@code GET /u/TOKEN} shows a page with a confirm button and changes nothing (mail scanners
 * follow links); a forged, garbled, expired or retired-key token gets 404 and changes nothing.
 * Each client address gets {@code rate_per_address} requests (then 429); a request is at most
 * {@code max_request_size} and must arrive within {@code request_timeout}. Token checks and
 * writes run off the event loop.
 */
public final class OneClickServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OneClickServer.class);
    static final String PREFIX = "/u/";

    private final Channel channel;
    private final boolean tls;
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tern-unsubscribe-", 0).factory());

    public OneClickServer(EventLoopGroup group, Unsubscribe config, Unsubscribes unsubscribes, Clock clock) {
        SslContext ssl = config.certificate() == null ? null : sslContext(config);
        this.tls = ssl != null;
        AddressRateLimiter limiter = new AddressRateLimiter(config.ratePerAddress(), clock);
        int max = (int) config.maxRequestSize().bytes();
        long timeoutMs = config.requestTimeout().toMillis();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EventLoops.serverSocketChannel(group))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        ch.pipeline()
                                .addLast(
                                        new HttpServerCodec(Math.min(4096, max), max, 8192),
                                        new HttpObjectAggregator(max),
                                        new Handler(unsubscribes, limiter, executor, timeoutMs));
                    }
                });
        channel =
                b.bind(config.listen().toSocketAddress()).syncUninterruptibly().channel();
        log.info(
                "one-click unsubscribe on {}://{}:{}",
                tls ? "https" : "http",
                address().getHostString(),
                address().getPort());
    }

    private static SslContext sslContext(Unsubscribe config) {
        KeyMaterial m = KeyMaterial.read(config.certificate(), config.privateKey());
        try {
            return SslContextBuilder.forServer(m.key(), m.chain().toArray(X509Certificate[]::new))
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("unsubscribe.certificate: " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** True when the listener speaks HTTPS. */
    public boolean tls() {
        return tls;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        executor.shutdownNow();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Unsubscribes unsubscribes;
        private final AddressRateLimiter limiter;
        private final ExecutorService executor;
        private final long timeoutMs;
        private ScheduledFuture<?> deadline;

        Handler(Unsubscribes unsubscribes, AddressRateLimiter limiter, ExecutorService executor, long timeoutMs) {
            this.unsubscribes = unsubscribes;
            this.limiter = limiter;
            this.executor = executor;
            this.timeoutMs = timeoutMs;
        }

        /** The next request (or the first) must be complete within the timeout, else the connection closes. */
        private void arm(ChannelHandlerContext ctx) {
            disarm();
            deadline = ctx.executor().schedule(() -> ctx.close(), timeoutMs, TimeUnit.MILLISECONDS);
        }

        private void disarm() {
            if (deadline != null) deadline.cancel(false);
            deadline = null;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            arm(ctx);
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            disarm();
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException)) log.info("unsubscribe listener: {}", cause.toString());
            ctx.close();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            disarm();
            if (req.decoderResult().isFailure()) {
                Throwable cause = req.decoderResult().cause();
                HttpResponseStatus status = cause instanceof TooLongHttpLineException
                        ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : cause instanceof TooLongHttpHeaderException
                                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                                : cause instanceof TooLongFrameException
                                        ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                                        : HttpResponseStatus.BAD_REQUEST;
                reply(ctx, false, page(status, "Bad request", "The request could not be read."));
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
            if (!limiter.tryAcquire(client)) {
                FullHttpResponse r = page(
                        HttpResponseStatus.TOO_MANY_REQUESTS, "Too many requests", "Too many requests; try later.");
                r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(limiter.retryAfterSeconds()));
                reply(ctx, false, r);
                return;
            }
            String path = new QueryStringDecoder(req.uri()).path();
            String token = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : null;
            if (token == null || token.isEmpty() || token.length() > 100 || token.contains("/")) {
                reply(ctx, keepAlive, notFound());
                return;
            }
            HttpMethod method = req.method();
            String clientText = client.getHostAddress();
            if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
                boolean head = method.equals(HttpMethod.HEAD);
                run(ctx, keepAlive, () -> {
                    FullHttpResponse r = confirmation(token, unsubscribes.resolve(token));
                    if (head) r = DefaultHeadless.of(r);
                    return r;
                });
            } else if (method.equals(HttpMethod.POST)) {
                if (!oneClick(req)) {
                    reply(
                            ctx,
                            keepAlive,
                            page(
                                    HttpResponseStatus.BAD_REQUEST,
                                    "Bad request",
                                    "POST the form field List-Unsubscribe=One-Click to unsubscribe."));
                    return;
                }
                run(ctx, keepAlive, () -> switch (unsubscribes.unsubscribe(
                        token, Unsubscribes.Via.ONE_CLICK, clientText)) {
                    case UNSUBSCRIBED, ALREADY ->
                        page(
                                HttpResponseStatus.OK,
                                "Unsubscribed",
                                "You are unsubscribed. You will not get this mail again.");
                    case INVALID -> notFound();
                });
            } else {
                FullHttpResponse r =
                        page(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed", "Use GET or POST.");
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, POST");
                reply(ctx, keepAlive, r);
            }
        }

        private interface Answer {
            FullHttpResponse get();
        }

        private void run(ChannelHandlerContext ctx, boolean keepAlive, Answer answer) {
            try {
                executor.execute(() -> {
                    FullHttpResponse r;
                    try {
                        r = answer.get();
                    } catch (RuntimeException e) {
                        log.warn("unsubscribe request failed: {}", e.toString());
                        r = page(
                                HttpResponseStatus.SERVICE_UNAVAILABLE,
                                "Try again later",
                                "Temporary failure; try again later.");
                    }
                    FullHttpResponse response = r;
                    ctx.executor().execute(() -> reply(ctx, keepAlive, response));
                });
            } catch (RejectedExecutionException stopping) {
                reply(ctx, false, page(HttpResponseStatus.SERVICE_UNAVAILABLE, "Stopping", "Shutting down."));
            }
        }

        /** Whether the body carries {@code List-Unsubscribe=One-Click} (urlencoded or multipart form). */
        static boolean oneClick(FullHttpRequest req) {
            String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
            if (type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
                HttpPostRequestDecoder d = null;
                try {
                    d = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), req);
                    for (InterfaceHttpData data : d.getBodyHttpDatas("List-Unsubscribe") == null
                            ? List.<InterfaceHttpData>of()
                            : d.getBodyHttpDatas("List-Unsubscribe")) {
                        if (data instanceof Attribute a && a.getValue().strip().equals("One-Click")) return true;
                    }
                    return false;
                } catch (IOException | RuntimeException e) {
                    return false;
                } finally {
                    if (d != null) d.destroy();
                }
            }
            String body = req.content().toString(StandardCharsets.UTF_8);
            List<String> v = new QueryStringDecoder(body.strip(), StandardCharsets.UTF_8, false)
                    .parameters()
                    .get("List-Unsubscribe");
            return v != null && v.contains("One-Click");
        }

        private void reply(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
            if (!ctx.channel().isActive()) {
                res.release();
                return;
            }
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
            else arm(ctx);
        }
    }

    /** A response to HEAD: the headers of the GET answer, no body. */
    private static final class DefaultHeadless {
        static FullHttpResponse of(FullHttpResponse get) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, get.status(), Unpooled.EMPTY_BUFFER);
            r.headers().set(get.headers());
            get.release();
            return r;
        }
    }

    static FullHttpResponse confirmation(String token, Optional<Unsubscribes.Target> target) {
        if (target.isEmpty()) return notFound();
        String form = "<p>Unsubscribe <b>" + escape(target.get().recipient()) + "</b> from this mail?</p>"
                + "<form method=\"post\" action=\"" + PREFIX + escape(token) + "\">"
                + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                + "<button type=\"submit\">Unsubscribe</button></form>";
        return html(HttpResponseStatus.OK, "Unsubscribe", form);
    }

    static FullHttpResponse notFound() {
        return page(
                HttpResponseStatus.NOT_FOUND, "Not found", "This unsubscribe link is not valid (or no longer valid).");
    }

    static FullHttpResponse page(HttpResponseStatus status, String title, String text) {
        return html(status, title, "<p>" + escape(text) + "</p>");
    }

    private static FullHttpResponse html(HttpResponseStatus status, String title, String bodyHtml) {
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title></head><body><h1>" + escape(title) + "</h1>" + bodyHtml + "</body></html>\n";
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer")
                .set("Content-Security-Policy", "default-src 'none'; form-action 'self'");
        return r;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
