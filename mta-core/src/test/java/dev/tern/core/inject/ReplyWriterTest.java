package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The session's reply writer gives the stream below it what the JDK's {@code PrintWriter} over the
 * stream gave (BufferedWriter + OutputStreamWriter, default charset): the same bytes, and at each
 * flush everything written before it.
 */
class ReplyWriterTest {

    /** Records the bytes, and at each flush how many bytes had arrived. */
    private static final class Recorder extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> atFlush = new ArrayList<>();

        @Override
        public void write(int b) {
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {
            atFlush.add(bytes.size());
        }
    }

    private static Recorder run(List<String> replies, boolean lean) {
        Recorder r = new Recorder();
        PrintWriter w = lean ? new PrintWriter(new ReplyWriter(r)) : new PrintWriter(r);
        for (String reply : replies) {
            w.print(reply + "\r\n"); // as Session.sendResponse
            w.flush();
        }
        w.close();
        return r;
    }

    @Property(tries = 300)
    void sameBytesAndFlushesAsTheJdkWriters(@ForAll("replies") List<String> replies) {
        Recorder jdk = run(replies, false);
        Recorder lean = run(replies, true);
        assertThat(lean.bytes.toByteArray()).isEqualTo(jdk.bytes.toByteArray());
        assertThat(lean.atFlush).isEqualTo(jdk.atFlush);
    }

    @Provide
    Arbitrary<List<String>> replies() {
        Arbitrary<String> reply = Arbitraries.oneOf(
                Arbitraries.of("250 2.1.0 Ok", "354 End data with <CR><LF>.<CR><LF>", "250-PIPELINING\r\n250 SIZE 1"),
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars("ab\u00e9\u20ac\ud83d\ude00").ofMaxLength(20),
                Arbitraries.integers().between(8180, 8200).map("x"::repeat));
        return reply.list().ofMaxSize(6);
    }

    @Test
    void aSurrogatePairAcrossTheLimitStaysWhole() {
        String split = "x".repeat(ReplyWriter.LIMIT - 1) + "\ud83d\ude00 tail";
        assertThat(run(List.of(split), true).bytes.toByteArray())
                .isEqualTo(run(List.of(split), false).bytes.toByteArray());
        String lone = "250 x\ud83d"; // a lone high surrogate: the charset's replacement, as the JDK's
        assertThat(run(List.of(lone), true).bytes.toByteArray())
                .isEqualTo(run(List.of(lone), false).bytes.toByteArray());
    }
}
