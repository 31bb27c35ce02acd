package dev.tern.core.fuzz;

import dev.tern.core.delivery.smtp.SmtpClient;
import dev.tern.core.delivery.smtp.SmtpClientSettings;
import dev.tern.core.delivery.smtp.SmtpConnection;
import dev.tern.core.delivery.smtp.SmtpException;
import dev.tern.core.delivery.smtp.SmtpReply;
import dev.tern.core.delivery.smtp.SmtpTransaction;
import dev.tern.core.delivery.smtp.TransactionResult;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fuzz target for the outbound client's reply handling (line decoder, {@code ReplyDecoder},
 * {@link SmtpReply} parsing, EHLO extension parsing, the conversation state machine) on a real loopback
 * connection: a server on 127.0.0.1 sends the input as its whole side of the conversation, then closes.
 * Property: connecting and sending one transaction end, within a bounded time, either normally with
 * well-formed replies or with the documented {@link SmtpException}; nothing else is thrown.
 */
public final class SmtpClientFuzzTarget {
    /**
     * A loopback server and Netty threads run beside the fuzzed code, so libFuzzer's coverage feedback
     * depends on their timing: the suite's bounded campaign is feedback-free (seeded mutations, same inputs
     * every run); {@code bin/tern test --fuzz-long} fuzzes it coverage-guided.
     */
    static final boolean THREADED = true;

    /**
     * Loopback connections are the point of this target: Jazzer's SSRF detector would report them. Jazzer
     * 0.28.0's Unsafe sanitizer breaks Netty's JCTools queues on JDK 25 (NullPointerException in its hook).
     */
    static final String[] JAZZER_ARGS = {
        "--disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery"
                + ":com.code_intelligence.jazzer.sanitizers.UnsafeSanitizer"
    };

    private static MultiThreadIoEventLoopGroup group;
    private static SmtpClient client;
    private static ServerSocket server;
    private static final byte[] MESSAGE =
            "From: a@x.example\r\nSubject: fuzz\r\n\r\nbody\r\n.leading dot\r\n".getBytes(StandardCharsets.US_ASCII);

    private SmtpClientFuzzTarget() {}

    public static void fuzzerInitialize() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        client = new SmtpClient(
                group,
                SmtpClientSettings.defaults()
                        .withAllTimeouts(Duration.ofSeconds(5))
                        .withStartTls(false));
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        server.setSoTimeout(10_000);
    }

    public static void fuzzerTearDown() throws IOException {
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        server.close();
    }

    public static void fuzzerTestOneInput(byte[] serverSide) throws Exception {
        if (client == null) {
            fuzzerInitialize();
        }
        CompletableFuture<SmtpConnection> connecting =
                client.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), null, "fuzz.example", null);
        try (Socket s = server.accept()) {
            s.getOutputStream().write(serverSide);
            s.shutdownOutput();
            SmtpConnection c = await(connecting, "connect");
            if (c != null) {
                check(c.banner());
                TransactionResult r = await(
                        c.send(SmtpTransaction.of("a@x.example", List.of("b@y.example", "c@y.example"), MESSAGE)),
                        "send");
                if (r != null) {
                    check(r.mailReply());
                    r.recipientReplies().forEach(SmtpClientFuzzTarget::check);
                    check(r.dataReply());
                }
                c.close();
            }
            drain(s.getInputStream());
        }
    }

    /** The result, or null for the documented failure; anything else fails the target. */
    private static <T> T await(CompletableFuture<T> f, String what) throws InterruptedException {
        try {
            return f.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not complete in 20 s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SmtpException) {
                return null;
            }
            throw new IllegalStateException(what + " failed with an undocumented exception", e.getCause());
        }
    }

    private static void check(SmtpReply r) {
        if (r != null && (r.code() < 100 || r.code() > 599 || r.lines() == null || r.enhancedCode() == null)) {
            throw new IllegalStateException("malformed reply " + r);
        }
    }

    private static void drain(InputStream in) {
        try {
            byte[] buf = new byte[8192];
            while (in.read(buf) >= 0) {
                // the client's commands; the client has closed when this ends
            }
        } catch (IOException e) {
            if (!(e instanceof java.net.SocketException)) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
