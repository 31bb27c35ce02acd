package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.tern.testkit.smtp.Command;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gate before STARTTLS: asked with the extensions of the first EHLO; a refusal ends the session
 * with QUIT in clear text (no STARTTLS) and the connection fails with that local refusal; no
 * refusal lets STARTTLS go on.
 */
class StartTlsGateTest {
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

    @Test
    void aRefusalQuitsInClearTextBeforeStartTls() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().startTls(true).smtpUtf8(false).start()) {
            AtomicReference<Map<String, String>> seen = new AtomicReference<>();
            StartTlsGate gate = ext -> {
                seen.set(ext);
                return LocalRefusal.of(true, true, 10, ext, sink.address());
            };
            Throwable t = catchThrowable(
                    () -> client.connect(sink.address(), null, "tern.test", null, TlsPolicy.OPPORTUNISTIC, gate)
                            .get(10, TimeUnit.SECONDS));
            assertThat(t).isInstanceOf(ExecutionException.class);
            SmtpException e = (SmtpException) t.getCause();
            assertThat(e.localRefusal()).isNotNull();
            assertThat(e.localRefusal().toString()).startsWith("553 5.6.7");
            assertThat(e.isTransient()).isFalse();
            assertThat(e.reply()).as("not a server's reply").isNull();
            assertThat(seen.get()).containsKey("STARTTLS").doesNotContainKey("SMTPUTF8");
            await().atMost(Duration.ofSeconds(5)).until(() -> sink.currentConnections() == 0);
            assertThat(sink.commands().stream().map(Command::phase).filter(p -> p != Phase.CONNECT))
                    .containsExactly(Phase.EHLO, Phase.QUIT);
        }
    }

    @Test
    void noRefusalGoesOnWithTls() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().startTls(true).smtpUtf8(false).start()) {
            StartTlsGate gate = ext -> LocalRefusal.of(false, false, 10, ext, sink.address());
            SmtpConnection c = client.connect(sink.address(), null, "tern.test", null, TlsPolicy.OPPORTUNISTIC, gate)
                    .get(10, TimeUnit.SECONDS);
            assertThat(c.tlsActive()).isTrue();
            assertThat(c.send(SmtpTransaction.of("a@tern.test", List.of("b@sink.test"), "x\r\n".getBytes()))
                            .get(10, TimeUnit.SECONDS)
                            .delivered())
                    .isTrue();
            c.quit().get(10, TimeUnit.SECONDS);
            assertThat(sink.messages())
                    .singleElement()
                    .satisfies(m -> assertThat(m.tls()).isTrue());
        }
    }

    @Test
    void refusalsFollowTheExtensions() {
        Map<String, String> none = Map.of("SIZE", "100");
        assertThat(LocalRefusal.of(true, false, 10, none, "h").toString()).startsWith("553 5.6.7");
        assertThat(LocalRefusal.of(false, true, 10, none, "h").toString()).startsWith("554 5.6.3");
        assertThat(LocalRefusal.of(false, false, 101, none, "h").toString()).startsWith("552 5.3.4");
        assertThat(LocalRefusal.of(false, false, 100, none, "h")).isNull();
        Map<String, String> all = Map.of("SMTPUTF8", "", "8BITMIME", "", "SIZE", "0");
        assertThat(LocalRefusal.of(true, true, 1L << 40, all, "h")).isNull();
    }
}
