package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A slow sink makes the client hit each per-phase timeout (200 ms here, the sink waits 3 s). */
class SmtpClientTimeoutTest {
    static EventLoopGroup group;
    static SmtpClient client;
    static final Duration SHORT = Duration.ofMillis(200);
    static final Duration SLOW = Duration.ofSeconds(3);
    SmtpSink sink;

    @BeforeAll
    static void startClient() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        client = new SmtpClient(group, SmtpClientSettings.defaults());
    }

    @AfterAll
    static void stopClient() {
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void stopSink() {
        if (sink != null) sink.stop();
    }

    /** Long timeouts everywhere except the one phase under test. */
    static SmtpClientSettings shortIn(SmtpException.Phase phase) {
        Duration l = Duration.ofSeconds(10);
        return new SmtpClientSettings(
                l,
                phase == SmtpException.Phase.BANNER ? SHORT : l,
                phase == SmtpException.Phase.EHLO || phase == SmtpException.Phase.STARTTLS ? SHORT : l,
                phase == SmtpException.Phase.MAIL ? SHORT : l,
                phase == SmtpException.Phase.RCPT ? SHORT : l,
                phase == SmtpException.Phase.DATA ? SHORT : l,
                phase == SmtpException.Phase.DATA_BLOCK ? SHORT : l,
                phase == SmtpException.Phase.DATA_END ? SHORT : l,
                phase == SmtpException.Phase.QUIT ? SHORT : l,
                true,
                false);
    }

    static SmtpException failure(CompletableFuture<?> f) {
        return SmtpClientTest.failure(f);
    }

    @ParameterizedTest(name = "slow {0} -> timeout in {1}")
    @CsvSource({"CONNECT, BANNER", "EHLO, EHLO", "STARTTLS, STARTTLS"})
    void sessionSetupTimeouts(Phase slow, SmtpException.Phase expected) {
        sink = SmtpSink.builder()
                .address("127.0.0.20")
                .startTls(slow == Phase.STARTTLS)
                .start();
        sink.delay(slow, SLOW);
        long t0 = System.nanoTime();
        SmtpException e = failure(client.connect(sink.address(), null, "client.test", shortIn(expected)));
        assertThat(e.phase()).isEqualTo(expected);
        assertThat(e.isTransient()).isTrue();
        assertThat(e.getMessage()).contains("timeout").contains("200 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(SLOW);
    }

    @ParameterizedTest(name = "slow {0} -> timeout in {1}, pipelining={2}")
    @CsvSource({
        "MAIL, MAIL, true",
        "RCPT, RCPT, true",
        "DATA, DATA, true",
        "DATA_END, DATA_END, true",
        "MAIL, MAIL, false",
        "RCPT, RCPT, false",
        "DATA, DATA, false",
        "DATA_END, DATA_END, false"
    })
    void transactionTimeouts(Phase slow, SmtpException.Phase expected, boolean pipelining) throws Exception {
        sink = SmtpSink.builder().address("127.0.0.21").pipelining(pipelining).start();
        sink.delay(slow, SLOW);
        SmtpConnection c = client.connect(sink.address(), null, "client.test", shortIn(expected))
                .get(5, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        SmtpException e = failure(c.send(SmtpTransaction.of(
                "a@sender.test",
                List.of("r@x.test"),
                "Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertThat(e.phase()).isEqualTo(expected);
        assertThat(e.isTransient()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(SLOW);
        assertThat(c.isOpen()).isFalse();
    }

    @Test
    void dataBlockTimeoutWhenTheServerStopsReading() throws Exception {
        sink = SmtpSink.builder().address("127.0.0.22").start();
        sink.delay(Phase.DATA_BODY, Duration.ofSeconds(5));
        SmtpConnection c = client.connect(sink.address(), null, "client.test", shortIn(SmtpException.Phase.DATA_BLOCK))
                .get(5, TimeUnit.SECONDS);
        byte[] big = new byte[48 * 1024 * 1024]; // more than the socket buffers hold
        Arrays.fill(big, (byte) 'x');
        for (int i = 998; i < big.length; i += 1000) {
            big[i] = '\r';
            big[i + 1] = '\n';
        }
        SmtpException e = failure(c.send(SmtpTransaction.of("a@sender.test", List.of("r@x.test"), big)));
        assertThat(e.phase()).isEqualTo(SmtpException.Phase.DATA_BLOCK);
        assertThat(e.getMessage()).contains("timeout");
    }

    @Test
    void quitTimeoutStillCloses() throws Exception {
        sink = SmtpSink.builder().address("127.0.0.23").start();
        sink.delay(Phase.QUIT, SLOW);
        SmtpConnection c = client.connect(sink.address(), null, "client.test", shortIn(SmtpException.Phase.QUIT))
                .get(5, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        c.quit().get(2, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(SLOW);
        assertThat(c.isOpen()).isFalse();
    }
}
