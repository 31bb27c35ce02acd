package dev.tern.bench.tls;

import dev.tern.core.inject.tls.SelfSignedCertificate;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * TLS cost with the JDK's engine vs Netty's OpenSSL engine (netty-tcnative-boringssl-static),
 * both ends in memory (no sockets), Tern's self-signed certificate on the server side as on the
 * injection listener: full handshakes per second (TLS 1.3, as STARTTLS to the listener or to
 * a receiving MX) and one 5 KB message (as a relay sends it) encrypted and decrypted per operation.
 *
 * <pre>
 * bin/tern bench jmh TlsEngine -f 1 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class TlsEngineBenchmark {
    @Param({"JDK", "OPENSSL"})
    public String provider;

    private SslContext server;
    private SslContext client;
    private SSLEngine clientEngine;
    private SSLEngine serverEngine;
    private final ByteBuffer message = ByteBuffer.allocate(5120);
    private ByteBuffer net;
    private ByteBuffer app;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        SslProvider p = SslProvider.valueOf(provider);
        if (p == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("OpenSSL engine not available: " + OpenSsl.unavailabilityCause());
        }
        Path dir = Files.createTempDirectory("tls-bench");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SelfSignedCertificate.write(cert, key, "tern.bench.localdomain");
        server = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .sslProvider(p)
                .protocols("TLSv1.3")
                .build();
        client = SslContextBuilder.forClient()
                .sslProvider(p)
                .protocols("TLSv1.3")
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();
        for (int i = 0; i < message.capacity(); i++) message.put(i, (byte) ('a' + i % 26));
        newPair();
        handshake(clientEngine, serverEngine);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        release(clientEngine);
        release(serverEngine);
    }

    private void newPair() {
        clientEngine = client.newEngine(ByteBufAllocator.DEFAULT, "tern.bench.localdomain", 25);
        serverEngine = server.newEngine(ByteBufAllocator.DEFAULT);
        int size = Math.max(
                clientEngine.getSession().getPacketBufferSize(),
                serverEngine.getSession().getPacketBufferSize());
        net = ByteBuffer.allocate(4 * size + 8192);
        app = ByteBuffer.allocate(4 * size + 8192);
    }

    private static void release(SSLEngine e) {
        if (e instanceof io.netty.util.ReferenceCounted rc) rc.release();
    }

    /** One full TLS 1.3 handshake between fresh engines. */
    @Benchmark
    public boolean handshake() throws SSLException {
        SSLEngine c = client.newEngine(ByteBufAllocator.DEFAULT, "tern.bench.localdomain", 25);
        SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
        try {
            return handshake(c, s);
        } finally {
            release(c);
            release(s);
        }
    }

    /** A 5 KB message encrypted by the client and decrypted by the server on an established session. */
    @Benchmark
    public int transfer5k() throws SSLException {
        net.clear();
        message.clear();
        while (message.hasRemaining()) clientEngine.wrap(message, net);
        net.flip();
        app.clear();
        while (net.hasRemaining()) {
            SSLEngineResult r = serverEngine.unwrap(net, app);
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) break;
        }
        return app.position();
    }

    private boolean handshake(SSLEngine c, SSLEngine s) throws SSLException {
        c.setUseClientMode(true);
        s.setUseClientMode(false);
        c.beginHandshake();
        s.beginHandshake();
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer c2s = ByteBuffer.allocate(net.capacity());
        ByteBuffer s2c = ByteBuffer.allocate(net.capacity());
        ByteBuffer sink = ByteBuffer.allocate(app.capacity());
        for (int round = 0; round < 64; round++) {
            boolean progress = step(c, empty, c2s, s2c, sink) | step(s, empty, s2c, c2s, sink);
            if (done(c) && done(s)) return true;
            if (!progress) break;
        }
        throw new IllegalStateException(
                "handshake did not finish: " + c.getHandshakeStatus() + " / " + s.getHandshakeStatus());
    }

    private static boolean done(SSLEngine e) {
        HandshakeStatus h = e.getHandshakeStatus();
        return h == HandshakeStatus.NOT_HANDSHAKING || h == HandshakeStatus.FINISHED;
    }

    /** Lets {@code e} write into {@code out} and read from {@code in}; true if anything moved. */
    private static boolean step(SSLEngine e, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer sink)
            throws SSLException {
        boolean moved = false;
        while (true) {
            HandshakeStatus h = e.getHandshakeStatus();
            if (h == HandshakeStatus.NEED_TASK) {
                Runnable t;
                while ((t = e.getDelegatedTask()) != null) t.run();
                moved = true;
            } else if (h == HandshakeStatus.NEED_WRAP) {
                SSLEngineResult r = e.wrap(empty, out);
                if (r.bytesProduced() == 0 && r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) break;
                moved |= r.bytesProduced() > 0;
            } else if (h == HandshakeStatus.NEED_UNWRAP || h == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                in.flip();
                SSLEngineResult r = e.unwrap(in, sink);
                in.compact();
                sink.clear();
                if (r.bytesConsumed() == 0 && r.getHandshakeStatus() != HandshakeStatus.NEED_TASK) break;
                moved = true;
            } else {
                // finished: drain any post-handshake data (TLS 1.3 tickets) the peer sent
                if (in.position() > 0) {
                    in.flip();
                    SSLEngineResult r = e.unwrap(in, sink);
                    in.compact();
                    sink.clear();
                    if (r.bytesConsumed() == 0) break;
                    moved = true;
                    continue;
                }
                break;
            }
        }
        return moved;
    }
}
