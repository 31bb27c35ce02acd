package dev.tern.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bench.load.SmtpLoad;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** The soak sink's replies by recipient, driven by the load generator over real loopback sockets. */
class SoakSinkTest {

    @Test
    void defersOnceBouncesAndCountsDistinctDeliveries() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SoakSink sink = new SoakSink(port)) {
            // 100 messages: 0-4 defer-, 5-6 bounce-, the rest rcpt-; then the 5 deferred ones again
            SmtpLoad first = new SmtpLoad(new SmtpLoad.Settings(
                    new InetSocketAddress("127.0.0.1", port),
                    4,
                    0,
                    2048,
                    100,
                    null,
                    "sender@bench.localdomain",
                    i -> (i < 5 ? "defer-" : i < 7 ? "bounce-" : "rcpt-") + i + "@example.test"));
            SmtpLoad.Result r = first.run();
            assertThat(r.accepted()).isEqualTo(93);
            assertThat(r.refused()).isEqualTo(7);
            assertThat(r.errors()).isZero();
            SmtpLoad retry = new SmtpLoad(new SmtpLoad.Settings(
                    new InetSocketAddress("127.0.0.1", port),
                    2,
                    0,
                    2048,
                    6,
                    null,
                    "sender@bench.localdomain",
                    i -> i < 5 ? "defer-" + i + "@example.test" : "rcpt-7@example.test"));
            SmtpLoad.Result again = retry.run();
            assertThat(again.accepted()).isEqualTo(6);
            assertThat(sink.delivered()).isEqualTo(98);
            assertThat(sink.duplicates()).isEqualTo(1); // rcpt-7 twice
            assertThat(sink.deferReplies()).isEqualTo(5);
            assertThat(sink.bounceReplies()).isEqualTo(2);
            assertThat(sink.unsigned()).isEqualTo(99); // nothing here signs
        }
    }
}
