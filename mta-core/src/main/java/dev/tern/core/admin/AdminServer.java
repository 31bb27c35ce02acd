package dev.tern.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tern.core.eventloop.EventLoops;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The admin HTTP server: {@code GET /health} (open), {@code GET /metrics} (Prometheus text
 * format; needs the admin token when one is set, see {@link AdminApi#refuseScrape}) and the
 * JSON {@link AdminApi} under {@code /api/v1/}, and optional HTML {@link WebPages} (the web
 * console) under their prefix. Requests are answered on an executor,
 * never on the event loop (scrapes and spool scans can take a while). Binds to loopback by default.
 */
public final class AdminServer implements AutoCloseable {
    private static final String JSON = "application/json";
    private final Channel channel;
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tern-admin-", 0).factory());

    /**
     * @param beforeScrape run before each scrape (updates gauges computed on demand)
     * @param api          the admin API, or null to serve only /health and /metrics
     * @param pages        HTML pages (the web console), or null
     */
    public AdminServer(
            EventLoopGroup group,
            InetSocketAddress bind,
            PrometheusMeterRegistry registry,
            Runnable beforeScrape,
            AdminApi api,
            WebPages pages) {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EventLoops.serverSocketChannel(group))
                // Netty's default too, stated: a response is never held back by Nagle
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpServerCodec(),
                                        new HttpObjectAggregator(1 << 20),
                                        new Handler(registry, beforeScrape, api, pages, executor));
                    }
                });
        channel = b.bind(bind).syncUninterruptibly().channel();
    }

    public AdminServer(
            EventLoopGroup group,
            InetSocketAddress bind,
            PrometheusMeterRegistry registry,
            Runnable beforeScrape,
            AdminApi api) {
        this(group, bind, registry, beforeScrape, api, null);
    }

    public AdminServer(EventLoopGroup group, InetSocketAddress bind, PrometheusMeterRegistry registry) {
        this(group, bind, registry, () -> {}, null, null);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        executor.shutdownNow();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final PrometheusMeterRegistry registry;
        private final Runnable beforeScrape;
        private final AdminApi api;
        private final WebPages pages;
        private final ExecutorService executor;

        Handler(
                PrometheusMeterRegistry registry,
                Runnable beforeScrape,
                AdminApi api,
                WebPages pages,
                ExecutorService executor) {
            this.registry = registry;
            this.beforeScrape = beforeScrape;
            this.api = api;
            this.pages = pages;
            this.executor = executor;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            QueryStringDecoder qs = new QueryStringDecoder(req.uri());
            String path = qs.path();
            if (path.equals("/health")) {
                reply(ctx, keepAlive, text(HttpResponseStatus.OK, JSON, "{\"status\":\"ok\"}\n"));
                return;
            }
            if (pages != null && (path.equals(pages.prefix()) || path.startsWith(pages.prefix() + "/"))) {
                WebPages.Request pageReq = new WebPages.Request(
                        req.method().name(), path, qs.parameters(), ByteBufUtil.getBytes(req.content()), headers(req));
                try {
                    executor.execute(() -> reply(ctx, keepAlive, page(pages.handle(pageReq))));
                } catch (RejectedExecutionException stopping) {
                    reply(ctx, false, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain", "shutting down\n"));
                }
                return;
            }
            // copy what the handlers need: the request buffers are released when this method returns
            ApiRequest apiReq = new ApiRequest(
                    req.method().name(),
                    path,
                    qs.parameters(),
                    ByteBufUtil.getBytes(req.content()),
                    req.headers().get(HttpHeaderNames.AUTHORIZATION));
            try {
                executor.execute(() -> reply(ctx, keepAlive, answer(apiReq)));
            } catch (RejectedExecutionException stopping) {
                reply(ctx, false, json(ApiResponse.error(503, "shutting down")));
            }
        }

        private FullHttpResponse answer(ApiRequest req) {
            if (req.path().equals("/metrics")) {
                if (!req.method().equals("GET"))
                    return json(ApiResponse.error(405, "method " + req.method() + " not allowed on /metrics"));
                ApiResponse refused = api == null ? null : api.refuseScrape(req);
                if (refused != null) return json(refused);
                beforeScrape.run();
                return text(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
            }
            if (api != null && req.path().startsWith(AdminApi.PREFIX)) {
                return json(api.handle(req));
            }
            return json(ApiResponse.error(404, "no such endpoint: " + req.path()));
        }

        private static java.util.Map<String, String> headers(FullHttpRequest req) {
            java.util.Map<String, String> h = new java.util.HashMap<>();
            for (var e : req.headers()) {
                h.putIfAbsent(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue());
            }
            return h;
        }

        private static FullHttpResponse page(WebPages.Response p) {
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(p.status()), Unpooled.wrappedBuffer(p.body()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, p.contentType());
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, p.body().length);
            for (var h : p.headers()) r.headers().add(h.getKey(), h.getValue());
            return r;
        }

        private static void reply(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        }

        private static FullHttpResponse json(ApiResponse r) {
            String body;
            try {
                body = AdminJson.MAPPER.writeValueAsString(r.body()) + "\n";
            } catch (JsonProcessingException e) {
                return text(
                        HttpResponseStatus.INTERNAL_SERVER_ERROR, JSON, "{\"error\":\"cannot write the answer\"}\n");
            }
            FullHttpResponse res = text(HttpResponseStatus.valueOf(r.status()), JSON, body);
            if (r.status() == 401) res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tern\"");
            return res;
        }

        private static FullHttpResponse text(HttpResponseStatus status, String type, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            return r;
        }
    }
}
