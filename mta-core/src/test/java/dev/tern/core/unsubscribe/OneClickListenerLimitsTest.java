package dev.tern.core.unsubscribe;

import static dev.tern.core.unsubscribe.UnsubFixture.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.inject.tls.SelfSignedCertificate;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public one-click listener is bounded: requests per client address (429, refilled on
 * virtual time), request size (413/414), request time (a dripping client is cut off), methods
 * (405); HTTPS from PEM files. Links keep working with {@code enabled: false} (keys kept).
 */
class OneClickListenerLimitsTest {
    @TempDir
    Path dir;

    @Test
    void rateSizeTimeAndMethodAreBoundedAndTlsWorks() throws Exception {
        Path cert = dir.resolve("cert.pem"), key = dir.resolve("key.pem");
        SelfSignedCertificate.write(cert, key, "localhost");
        MutableClock clock = new MutableClock(Instant.now());
        try (TernServer tern = TernServer.start(TestConfig.of(dir, false, """
                        injection: { listen: 127.0.0.1:0, tls: { starttls: false } }
                        unsubscribe:
                          keys: { a: "%s" }
                          listen: 127.0.0.1:0
                          rate_per_address: 3/min
                          max_request_size: 1KiB
                          request_timeout: 1s
                        """.formatted(KEY_A)), clock)) {
            InetSocketAddress http = tern.unsubscribeAddress();
            // too large (not counted against the rate: refused before it is read)
            assertThat(UnsubFixture.post(http, "/u/abc", "List-Unsubscribe=One-Click&pad=" + "x".repeat(2000))
                            .statusCode())
                    .isEqualTo(413);
            assertThat(UnsubFixture.get(http, "/u/" + "a".repeat(1100)).statusCode())
                    .isEqualTo(414);
            // three requests a minute per address, then 429 with Retry-After until the bucket refills
            for (int i = 0; i < 3; i++)
                assertThat(UnsubFixture.get(http, "/u/abc").statusCode()).isEqualTo(404);
            HttpResponse<String> limited = UnsubFixture.get(http, "/u/abc");
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).hasValue("20");
            assertThat(UnsubFixture.post(http, "/u/abc", "List-Unsubscribe=One-Click")
                            .statusCode())
                    .isEqualTo(429);
            clock.advance(Duration.ofSeconds(21));
            assertThat(UnsubFixture.get(http, "/u/abc").statusCode()).isEqualTo(404);
            assertThat(UnsubFixture.get(http, "/u/abc").statusCode()).isEqualTo(429);
            clock.advance(Duration.ofMinutes(1));
            HttpResponse<String> delete = UnsubFixture.HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getPort() + "/u/abc"))
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(delete.statusCode()).isEqualTo(405);
            // a request dripping in is cut off after request_timeout (the server closes: end of stream)
            try (Socket s = new Socket(http.getAddress(), http.getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /u/abc HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                assertThat(s.getInputStream().read()).isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            }
        }
        // HTTPS with the PEM certificate and key
        Path tlsDir = Files.createDirectories(dir.resolve("tls"));
        try (TernServer tern = TernServer.start(TestConfig.of(tlsDir, false, """
                injection: { listen: 127.0.0.1:0, tls: { starttls: false } }
                unsubscribe:
                  keys: { a: "%s" }
                  listen: 127.0.0.1:0
                  certificate: "%s"
                  private_key: "%s"
                """.formatted(KEY_A, cert, key)))) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(cert))) {
                trust.setCertificateEntry(
                        "tern", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            InetSocketAddress https = tern.unsubscribeAddress();
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(https.getAddress(), https.getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream()
                        .write("GET /u/abc HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(response).startsWith("HTTP/1.1 404").contains("not valid");
            }
        }
    }
}
