package dev.tern.bench.sink;

import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.SmtpSink;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * The relay benchmark's TLS-capable sink: the testkit {@link SmtpSink} (Netty, one event loop
 * thread, like Postfix's single-process {@code smtp-sink}) that accepts every message, keeps none,
 * and counts sessions, STARTTLS commands, messages and messages received over TLS. With STARTTLS
 * on it offers a self-signed certificate (EC P-256, made at start) on Netty's default server engine
 * (OpenSSL/BoringSSL where netty-tcnative loads, as on the benchmarks class path, else the JDK's).
 */
final class CountingSink implements AutoCloseable {
    private final SmtpSink sink;
    private final LongAdder startTls = new LongAdder();
    private final LongAdder tlsMessages = new LongAdder();

    CountingSink(InetSocketAddress listen, boolean offerStartTls) {
        sink = SmtpSink.builder()
                .address(listen.getAddress().getHostAddress())
                .port(listen.getPort())
                .hostname("sink.bench.localdomain")
                .startTls(offerStartTls)
                .keepMessages(false)
                .start();
        sink.onCommand(c -> {
            if (c.phase() == Phase.STARTTLS) startTls.increment();
            return null;
        });
        sink.onData(m -> {
            if (m.tls()) tlsMessages.increment();
            return null;
        });
    }

    int port() {
        return sink.port();
    }

    /** The engine STARTTLS runs on ({@code OPENSSL} or {@code JDK}). */
    static String engine() {
        return SslContext.defaultServerProvider().name();
    }

    /**
     * The counters in the form of {@code smtp-sink -c} ({@code sess=N ... mesg=N}), the total
     * message count last so that the relay scripts' {@code sink_count} reads it:
     * {@code sess=N tls_sess=N tls_mesg=N mesg=N}.
     */
    String counters() {
        // a message is counted as TLS just before it is counted: read both once the sink is idle
        return "sess=" + sink.connectionsAccepted() + " tls_sess=" + startTls.sum() + " tls_mesg=" + tlsMessages.sum()
                + " mesg=" + sink.messageCount();
    }

    @Override
    public void close() {
        sink.close();
    }
}
