package dev.tern.bounce.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.arf.ArfParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random and mutated input never makes the parsers throw, and they finish quickly. */
class ParserFuzzPropertiesTest {
    private static final List<byte[]> SAMPLES = load();
    private static final byte[][] TOKENS = {
        "\n--".getBytes(),
        "boundary=\"x\"".getBytes(),
        "Content-Type: multipart/report; boundary=".getBytes(),
        "Content-Transfer-Encoding: base64\n".getBytes(),
        "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=".getBytes(),
        "Final-Recipient: rfc822; ".getBytes(),
        "\n\n".getBytes(),
        "=\n".getBytes(),
        "Content-Type: message/rfc822\n\n".getBytes(),
        "\u001b$B".getBytes(),
        "=?".getBytes(),
        "?=".getBytes(),
        "{\"notificationType\":".getBytes()
    };

    private static List<byte[]> load() {
        try {
            Path root = Path.of(ParserFuzzPropertiesTest.class
                            .getResource("/corpora/bounces/expected.jsonl")
                            .toURI())
                    .getParent();
            Path arf = root.resolveSibling("arf");
            try (Stream<Path> b = Files.walk(root.resolve("emails/maildir/bsd"));
                    Stream<Path> a = Files.walk(arf)) {
                return Stream.concat(b, a)
                        .filter(p -> p.toString().endsWith(".eml"))
                        .sorted()
                        .map(p -> {
                            try {
                                return Files.readAllBytes(p);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        })
                        .toList();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Provide
    Arbitrary<byte[]> mutatedSamples() {
        return Arbitraries.integers()
                .between(0, SAMPLES.size() - 1)
                .flatMap(i -> Arbitraries.longs().map(seed -> mutate(SAMPLES.get(i), new Random(seed))));
    }

    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int ops = 1 + r.nextInt(8);
        for (int k = 0; k < ops && b.length > 0; k++) {
            int pos = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[pos] = (byte) r.nextInt(256);
                case 1 -> b = java.util.Arrays.copyOf(b, pos); // truncate
                case 2 -> { // delete a slice
                    int len = Math.min(b.length - pos, r.nextInt(200));
                    byte[] c = new byte[b.length - len];
                    System.arraycopy(b, 0, c, 0, pos);
                    System.arraycopy(b, pos + len, c, pos, b.length - pos - len);
                    b = c;
                }
                case 3 -> { // insert a MIME-ish token
                    byte[] t = TOKENS[r.nextInt(TOKENS.length)];
                    byte[] c = new byte[b.length + t.length];
                    System.arraycopy(b, 0, c, 0, pos);
                    System.arraycopy(t, 0, c, pos, t.length);
                    System.arraycopy(b, pos, c, pos + t.length, b.length - pos);
                    b = c;
                }
                default -> { // duplicate a slice (nesting, repeated boundaries)
                    int len = Math.min(b.length - pos, r.nextInt(400));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, pos + len);
                    System.arraycopy(b, pos, c, pos + len, b.length - pos);
                    b = c;
                }
            }
        }
        return b;
    }

    @Property(tries = 400)
    void mutatedSamplesNeverThrow(@ForAll("mutatedSamples") byte[] mail) {
        BounceReport report = BounceParser.shipped().parse(mail);
        assertThat(report).isNotNull();
        assertThat(report.recipients()).allSatisfy(r -> assertThat(r.reason()).isNotNull());
        assertThat(new ArfParser().parse(mail)).isNotNull();
    }

    @Property(tries = 200)
    void randomBytesNeverThrow(@ForAll byte[] mail) {
        assertThat(BounceParser.shipped().parse(mail)).isNotNull();
        assertThat(new ArfParser().parse(mail)).isNotNull();
    }

    @Property(tries = 5)
    void deeplyNestedMultipartsTerminate(@ForAll("depths") int depth) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=\"b")
                    .append(i)
                    .append("\"\n\n--b")
                    .append(i)
                    .append('\n');
        }
        sb.append("Content-Type: text/plain\n\n550 5.1.1 <a@b.example>: user unknown\n");
        assertThat(BounceParser.shipped().parse(sb.toString().getBytes())).isNotNull();
    }

    @Provide
    Arbitrary<Integer> depths() {
        return Arbitraries.integers().between(100, 5000);
    }
}
