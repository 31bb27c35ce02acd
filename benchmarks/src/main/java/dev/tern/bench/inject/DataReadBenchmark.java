package dev.tern.bench.inject;

import dev.tern.core.inject.DataReader;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.subethamail.smtp.internal.io.DotTerminatedInputStream;
import org.subethamail.smtp.internal.io.DotUnstuffingInputStream;

/**
 * Reading the text of one DATA command from the session's input, in memory: SubEthaSMTP 7.2.2's
 * stream chain (a byte at a time through {@code DotTerminatedInputStream} and
 * {@code DotUnstuffingInputStream}, collected into a {@code ByteArrayOutputStream} as Tern's
 * injection session did) against Tern's {@link DataReader} (8 KiB chunks, one state machine,
 * limits checked). Both read from the same kind of 8 KiB {@code BufferedInputStream} the
 * session uses, and both end with the message in a byte array.
 * Run: {@code benchmarks/bin/bench jmh DataRead -f 1 -wi 2 -i 3}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class DataReadBenchmark {
    @Param({"5120", "102400"})
    public int messageBytes;

    private byte[] wire;
    private DataReader.Limits limits;

    @Setup
    public void setup() throws IOException {
        wire = stuffedMessage(messageBytes);
        limits = new DataReader.Limits(50L << 20, 65_536, 1 << 20, false);
        DataReader.Result r = dataReader();
        if (!java.util.Arrays.equals(subethaStreams(), java.util.Arrays.copyOf(r.buffer(), r.length()))) {
            throw new IllegalStateException("the two readers disagree on the message text");
        }
    }

    /** Typical marketing mail on the wire: headers, 76-character lines, some stuffed leading dots. */
    static byte[] stuffedMessage(int size) {
        StringBuilder sb = new StringBuilder(size + 200);
        sb.append("From: Newsletter <news@bench.example>\r\n")
                .append("To: someone@example.net\r\n")
                .append("Subject: Our weekly offers\r\n")
                .append("Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n")
                .append("Message-ID: <bench-1@bench.example>\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        int line = 0;
        while (sb.length() < size) {
            // every 40th line starts with a dot, stuffed by the client
            if (++line % 40 == 0) sb.append("..");
            sb.append("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod t\r\n");
        }
        sb.append(".\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private InputStream sessionInput() {
        return new BufferedInputStream(new ByteArrayInputStream(wire), 8192);
    }

    @Benchmark
    public byte[] subethaStreams() throws IOException {
        InputStream in = new DotUnstuffingInputStream(new DotTerminatedInputStream(sessionInput()));
        ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
        byte[] chunk = new byte[16384];
        int n;
        while ((n = in.read(chunk)) > 0) buf.write(chunk, 0, n);
        return buf.toByteArray();
    }

    @Benchmark
    public DataReader.Result dataReader() throws IOException {
        return DataReader.readData(sessionInput(), limits, 0);
    }
}
