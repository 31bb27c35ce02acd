package dev.tern.bench.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tern.core.delivery.smtp.SmtpClient;
import dev.tern.core.delivery.smtp.SmtpClientSettings;
import dev.tern.core.delivery.smtp.SmtpConnection;
import dev.tern.core.delivery.smtp.SmtpTransaction;
import dev.tern.core.delivery.smtp.TlsPolicy;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The relay benchmark's sink counts what the scripts check: every message, and those that came
 * over STARTTLS, in the {@code smtp-sink -c} form the scripts read (the total last).
 */
class CountingSinkTest {
    static EventLoopGroup group;
    static SmtpClient client;

    @BeforeAll
    static void startClient() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        client = new SmtpClient(group, SmtpClientSettings.defaults().withAllTimeouts(Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stopClient() {
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static void sendTwo(CountingSink sink) throws Exception {
        SmtpConnection c = client.connect(
                        new InetSocketAddress("127.0.0.1", sink.port()),
                        null,
                        "tern.test",
                        client.defaults(),
                        TlsPolicy.OPPORTUNISTIC)
                .get(10, TimeUnit.SECONDS);
        byte[] msg = "Subject: x\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 2; i++) {
            assertThat(c.send(SmtpTransaction.of("a@bench.localdomain", List.of("r@example.test"), msg))
                            .get(10, TimeUnit.SECONDS)
                            .dataReply()
                            .code())
                    .isEqualTo(250);
        }
        c.quit().get(10, TimeUnit.SECONDS);
    }

    @Test
    void startTlsSessionsAndTheirMessagesAreCounted() throws Exception {
        try (CountingSink sink = new CountingSink(new InetSocketAddress("127.0.0.1", 0), true)) {
            assertThat(sink.counters()).isEqualTo("sess=0 tls_sess=0 tls_mesg=0 mesg=0");
            sendTwo(sink);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(sink.counters()).isEqualTo("sess=1 tls_sess=1 tls_mesg=2 mesg=2"));
        }
    }

    @Test
    void withoutStartTlsNothingCountsAsTls() throws Exception {
        try (CountingSink sink = new CountingSink(new InetSocketAddress("127.0.0.1", 0), false)) {
            sendTwo(sink);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(sink.counters()).isEqualTo("sess=1 tls_sess=0 tls_mesg=0 mesg=2"));
        }
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThatThrownBy(() -> SinkMain.loopback("192.0.2.1:25"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> SinkMain.yes("maybe")).hasMessageContaining("--starttls");
    }
}
