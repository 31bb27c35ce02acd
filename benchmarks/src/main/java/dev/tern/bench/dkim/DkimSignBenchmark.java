package dev.tern.bench.dkim;

import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimSigner;
import dev.tern.dkim.SignerSettings;
import dev.tern.dkim.SigningSession;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * DKIM signatures per second on one thread (= per core): streaming body hash (relaxed/relaxed, 8 KiB
 * chunks as they would arrive from the SMTP listener) plus header hash and the private-key operation.
 * Run: {@code benchmarks/bin/bench jmh DkimSign -f 1 -wi 2 -i 3 -w 2s -r 2s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class DkimSignBenchmark {
    private static final int CHUNK = 8192;

    @Param({"RSA_2048", "ED25519"})
    public String key;

    /** Signing engine: NATIVE (AWS-LC, where it loads) or JAVA (the JDK's RSA, Bouncy Castle's Ed25519). */
    @Param({"NATIVE", "JAVA"})
    public String engine;

    @Param({"2048", "5120", "20480", "204800"})
    public int messageBytes;

    private DkimSigner signer;
    private byte[] message;

    @Setup
    public void setup() {
        DkimKey k = (key.equals("RSA_2048") ? DkimKey.generateRsa(2048) : DkimKey.generateEd25519())
                .withEngine(dev.tern.dkim.SigningEngine.valueOf(engine));
        signer = new DkimSigner(SignerSettings.of("bench.example", "s1", k));
        message = message(messageBytes);
    }

    /** A typical marketing message: the usual headers, then 76-character text lines up to the size. */
    static byte[] message(int size) {
        StringBuilder sb = new StringBuilder(size + 200);
        sb.append("From: Newsletter <news@bench.example>\r\n")
                .append("To: someone@example.net\r\n")
                .append("Subject: Our monthly news, with a subject of usual length\r\n")
                .append("Date: Thu, 23 Nov 2026 10:00:00 +0000\r\n")
                .append("Message-ID: <20261123100000.1234@bench.example>\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: text/plain; charset=UTF-8\r\n")
                .append("List-Unsubscribe: <https://bench.example/u/abc>\r\n")
                .append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n");
        String line = "Lorem ipsum dolor sit amet,  consectetur adipiscing elit, sed do eiusmod te\r\n";
        while (sb.length() < size) {
            sb.append(line);
        }
        sb.setLength(size);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public String sign() {
        SigningSession s = signer.start();
        for (int off = 0; off < message.length; off += CHUNK) {
            s.update(message, off, Math.min(CHUNK, message.length - off));
        }
        return s.finish();
    }

    /**
     * The relay's path (mta-core's injection): the message streamed in, the body finished once, then
     * the signature of the header-section variant Tern stores (nothing added on top, nothing left out).
     */
    @Benchmark
    public String signVariant() {
        SigningSession s = signer.start();
        for (int off = 0; off < message.length; off += CHUNK) {
            s.update(message, off, Math.min(CHUNK, message.length - off));
        }
        return s.finishBody().sign("", name -> false);
    }
}
