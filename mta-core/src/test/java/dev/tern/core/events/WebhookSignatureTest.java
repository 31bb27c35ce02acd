package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhook requests carry an HMAC-SHA256 signature a receiver can check; a tampered body fails. */
class WebhookSignatureTest {
    static final String SECRET = "a-webhook-secret-of-32-characters";

    @TempDir
    Path dir;

    record Request(String signature, byte[] body) {}

    @Test
    void aReceiverVerifiesTheSignatureAndATamperedBodyFails() throws Exception {
        List<Request> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            received.add(new Request(
                    ex.getRequestHeaders().getFirst("X-Tern-Signature"),
                    ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(TestConfig.of(dir, false, """
                routes: { "*": 127.0.0.1:%d }
                events:
                  log: "%s"
                  webhook: { url: "http://127.0.0.1:%d/hook", secret: "%s", batch_interval: 100ms }
                """.formatted(
                                sink.port(),
                                TestConfig.eventLog(dir),
                                receiver.getAddress().getPort(),
                                SECRET)))) {
            inject(tern);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> received.stream()
                            .anyMatch(r -> new String(r.body(), StandardCharsets.UTF_8).contains("\"delivery\"")));
        } finally {
            receiver.stop(0);
        }
        Instant now = Instant.now();
        for (Request r : received) {
            assertThat(r.signature()).matches("t=\\d+,v1=[0-9a-f]{64}");
            assertThat(receiverAccepts(r.signature(), r.body(), SECRET, now)).isTrue();
            assertThat(WebhookSignature.verify(
                            r.signature(),
                            r.body(),
                            SECRET.getBytes(StandardCharsets.UTF_8),
                            now,
                            Duration.ofMinutes(5)))
                    .isTrue();
            byte[] tampered = r.body().clone();
            tampered[tampered.length / 2] ^= 1;
            assertThat(receiverAccepts(r.signature(), tampered, SECRET, now)).isFalse();
            assertThat(WebhookSignature.verify(
                            r.signature(),
                            tampered,
                            SECRET.getBytes(StandardCharsets.UTF_8),
                            now,
                            Duration.ofMinutes(5)))
                    .isFalse();
            assertThat(receiverAccepts(r.signature(), r.body(), SECRET + "x", now))
                    .isFalse();
            // an old request replayed later is refused by its timestamp
            assertThat(WebhookSignature.verify(
                            r.signature(),
                            r.body(),
                            SECRET.getBytes(StandardCharsets.UTF_8),
                            now.plus(Duration.ofHours(1)),
                            Duration.ofMinutes(5)))
                    .isFalse();
        }
    }

    /** What the README tells a receiver to do, written independently of Tern's code. */
    static boolean receiverAccepts(String header, byte[] body, String secret, Instant now) throws Exception {
        String t = null, v1 = null;
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) t = part.substring(2);
            if (part.startsWith("v1=")) v1 = part.substring(3);
        }
        if (t == null || v1 == null) return false;
        if (Math.abs(now.getEpochSecond() - Long.parseLong(t)) > 300) return false;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
        byte[] expected = mac.doFinal(body);
        return MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1));
    }

    private static void inject(TernServer tern) throws IOException {
        try (InjectClient c = new InjectClient(tern.injectionAddress())) {
            assertThat(c.send("s@t.test", List.of("r@dest.test"), "Subject: x\r\n\r\nhello\r\n"))
                    .startsWith("250 ");
        }
    }
}
