package dev.tern.core.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.admin.AdminServer;
import dev.tern.core.eventloop.EventLoops.Transport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EventLoopsTest {

    @Test
    void nativeEpollLoadsOnLinuxX86() {
        boolean linuxX86 = System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64")
                && !Boolean.getBoolean("io.netty.transport.noNative");
        org.junit.jupiter.api.Assumptions.assumeTrue(linuxX86, "native epoll ships for Linux x86-64 only");
        assertThat(EventLoops.preferred())
                .as("unavailable because %s", EventLoops.unavailabilityCause())
                .isEqualTo(Transport.EPOLL);
        assertThat(EventLoops.unavailabilityCause()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void channelTypesFitTheGroup(Transport transport) {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                transport == Transport.NIO || EventLoops.preferred() == Transport.EPOLL, "epoll not available");
        EventLoopGroup group = EventLoops.newGroup(transport, 1);
        try {
            assertThat(EventLoops.transportOf(group)).isEqualTo(transport);
            assertThat(EventLoops.socketChannel(group))
                    .isEqualTo(transport == Transport.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class);
            assertThat(EventLoops.serverSocketChannel(group))
                    .isEqualTo(
                            transport == Transport.EPOLL
                                    ? EpollServerSocketChannel.class
                                    : NioServerSocketChannel.class);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aServerOnEitherTransportAnswersOverLoopback(Transport transport) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                transport == Transport.NIO || EventLoops.preferred() == Transport.EPOLL, "epoll not available");
        EventLoopGroup group = EventLoops.newGroup(transport, 1);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("tern_event_loop_probe").increment();
        AdminServer admin = new AdminServer(group, new InetSocketAddress("127.0.0.1", 0), registry);
        try {
            HttpResponse<String> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + admin.address().getPort() + "/metrics"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("tern_event_loop_probe");
        } finally {
            admin.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
