package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Chunked streaming equals one-shot, for bodies rich in CR, LF and whitespace, split anywhere. */
class StreamingPropertiesTest {

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<Character> c = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.of('\r')),
                net.jqwik.api.Tuple.of(4, Arbitraries.of('\n')),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(' ')),
                net.jqwik.api.Tuple.of(2, Arbitraries.of('\t')),
                net.jqwik.api.Tuple.of(4, Arbitraries.chars().range('a', 'c')),
                net.jqwik.api.Tuple.of(1, Arbitraries.chars().range((char) 0x80, (char) 0xff)));
        return c.list().ofMaxSize(300).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (char) l.get(i);
            }
            return b;
        });
    }

    /** Text-like bodies: long runs of plain bytes (the 8-byte word path) broken by the cases that need a decision. */
    @Provide
    Arbitrary<byte[]> textBodies() {
        Arbitrary<String> word =
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(40);
        Arbitrary<String> gap = Arbitraries.of(
                " ",
                " ",
                " ",
                " ",
                "  ",
                "\t",
                " \t",
                "\r\n",
                "\r\n",
                " \r\n",
                "\r\n ",
                "\r\n\r\n",
                "\r",
                "\n",
                "\u00e9");
        return net.jqwik.api.Combinators.combine(word, gap)
                .as((w, g) -> w + g)
                .list()
                .ofMaxSize(60)
                .map(parts -> String.join("", parts).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Property(tries = 400)
    void textBodiesMatchTheReferenceWholeAndChunked(
            @ForAll("textBodies") byte[] body, @ForAll("cuts") List<Integer> cuts) {
        String s = new String(body, StandardCharsets.ISO_8859_1);
        List<Integer> scaled = cuts.stream().map(x -> x * 7).toList();
        assertThat(hashOneShot(Canonicalization.SIMPLE, body))
                .isEqualTo(hashChunked(Canonicalization.SIMPLE, body, scaled))
                .isEqualTo(CanonicalizationTest.sha256(referenceSimple(s)));
        assertThat(hashOneShot(Canonicalization.RELAXED, body))
                .isEqualTo(hashChunked(Canonicalization.RELAXED, body, scaled))
                .isEqualTo(CanonicalizationTest.sha256(referenceRelaxed(s)));
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 300).list().ofMaxSize(12);
    }

    private static byte[] hashChunked(Canonicalization c, byte[] body, List<Integer> cuts) {
        BodyHasher h = new BodyHasher(c);
        List<Integer> points = new ArrayList<>(
                cuts.stream().map(x -> Math.min(x, body.length)).sorted().toList());
        points.add(body.length);
        int prev = 0;
        for (int p : points) {
            h.update(body, prev, p - prev); // zero-length chunks included
            prev = p;
        }
        return h.finish();
    }

    private static byte[] hashOneShot(Canonicalization c, byte[] body) {
        BodyHasher h = new BodyHasher(c);
        h.update(body, 0, body.length);
        return h.finish();
    }

    @Property(tries = 400)
    void chunkedEqualsOneShot(@ForAll("bodies") byte[] body, @ForAll("cuts") List<Integer> cuts) {
        for (Canonicalization c : Canonicalization.values()) {
            assertThat(hashChunked(c, body, cuts)).isEqualTo(hashOneShot(c, body));
        }
    }

    @Property(tries = 400)
    void matchesStringReferenceImplementation(@ForAll("bodies") byte[] body) {
        String s = new String(body, StandardCharsets.ISO_8859_1);
        assertThat(hashOneShot(Canonicalization.SIMPLE, body))
                .isEqualTo(CanonicalizationTest.sha256(referenceSimple(s)));
        assertThat(hashOneShot(Canonicalization.RELAXED, body))
                .isEqualTo(CanonicalizationTest.sha256(referenceRelaxed(s)));
    }

    @Property(tries = 300)
    void neverThrowsOnArbitraryBytes(
            @ForAll @Size(max = 2000) byte[] body, @ForAll @IntRange(min = 1, max = 64) int chunk) {
        for (Canonicalization c : Canonicalization.values()) {
            BodyHasher h = new BodyHasher(c);
            for (int i = 0; i < body.length; i += chunk) {
                h.update(body, i, Math.min(chunk, body.length - i));
            }
            assertThat(h.finish()).hasSize(32);
        }
    }

    @Property(tries = 200)
    void signingSessionSplitsMessagesAnywhere(@ForAll("bodies") byte[] body, @ForAll("cuts") List<Integer> cuts) {
        byte[] header = "From: a@example.com\r\nSubject: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] message = new byte[header.length + body.length];
        System.arraycopy(header, 0, message, 0, header.length);
        System.arraycopy(body, 0, message, header.length, body.length);
        DkimSigner signer = new DkimSigner(SignerSettings.of("example.com", "s", KEY)
                .withClock(java.time.Clock.fixed(java.time.Instant.EPOCH, java.time.ZoneOffset.UTC)));
        SigningSession s = signer.start();
        int prev = 0;
        for (int p :
                cuts.stream().map(x -> Math.min(x * 2, message.length)).sorted().toList()) {
            s.update(message, prev, p - prev);
            prev = p;
        }
        s.update(message, prev, message.length - prev);
        assertThat(s.finish()).isEqualTo(signer.sign(message));
    }

    private static final DkimKey KEY = DkimKey.generateEd25519();

    /** Straightforward string version of RFC 6376 section 3.4.3 (only CRLF ends a line). */
    static String referenceSimple(String body) {
        String s = body;
        while (s.endsWith("\r\n")) {
            s = s.substring(0, s.length() - 2);
        }
        return s + "\r\n";
    }

    /** Straightforward string version of RFC 6376 section 3.4.4. */
    static String referenceRelaxed(String body) {
        String[] lines = body.split("\r\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                sb.append("\r\n");
            }
            sb.append(lines[i].replaceAll("[ \t]+", " ").replaceAll(" \\z", ""));
        }
        String s = sb.toString();
        while (s.endsWith("\r\n")) {
            s = s.substring(0, s.length() - 2);
        }
        return s.isEmpty() ? "" : s + "\r\n";
    }

    @Provide
    Arbitrary<String> headerTexts() {
        Arbitrary<Character> c = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of('\r', '\n', ':')),
                net.jqwik.api.Tuple.of(4, Arbitraries.of(' ', '\t')),
                net.jqwik.api.Tuple.of(6, Arbitraries.chars().range('A', 'c')),
                net.jqwik.api.Tuple.of(1, Arbitraries.chars().range((char) 0x80, (char) 0xff)),
                net.jqwik.api.Tuple.of(1, Arbitraries.chars().range((char) 0x100, (char) 0x2ff)));
        return c.list().ofMaxSize(120).map(l -> {
            StringBuilder sb = new StringBuilder();
            l.forEach(sb::append);
            return sb.toString();
        });
    }

    /** The signer's byte canonicalization equals the String one the verifier uses, byte for byte. */
    @Property(tries = 500)
    void headerCanonicalBytesEqualTheStringForm(@ForAll("headerTexts") String raw) {
        for (Canonicalization c : Canonicalization.values()) {
            ByteSink out = new ByteSink(4);
            out.write('x'); // appends after what is there
            HeaderField.canonicalTo(new StringBuilder(raw), c, out);
            byte[] expected = ("x" + HeaderField.canonical(raw, c)).getBytes(StandardCharsets.ISO_8859_1);
            assertThat(java.util.Arrays.copyOf(out.array(), out.length()))
                    .as(c + " %s", raw)
                    .isEqualTo(expected);
        }
    }
}
