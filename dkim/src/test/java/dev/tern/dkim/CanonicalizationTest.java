package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6376 section 3.4 canonicalization, including the section 3.4.5 examples. */
class CanonicalizationTest {
    private static final String EXAMPLE_HEADER = "A: X\r\nB : Y\t\r\n\tZ  \r\n";
    private static final String EXAMPLE_BODY = " C \r\nD \t E\r\n\r\n\r\n";

    static String canonicalHeaders(String block, Canonicalization c) {
        StringBuilder sb = new StringBuilder();
        for (HeaderField f : HeaderField.parseBlock(block.getBytes(StandardCharsets.ISO_8859_1), block.length())) {
            sb.append(f.canonical(c));
        }
        return sb.toString();
    }

    static byte[] bodyHash(String body, Canonicalization c) {
        BodyHasher h = new BodyHasher(c);
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        h.update(b, 0, b.length);
        return h.finish();
    }

    static byte[] sha256(String s) {
        return Hashing.sha256(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void rfcExampleRelaxed() {
        assertThat(canonicalHeaders(EXAMPLE_HEADER, Canonicalization.RELAXED)).isEqualTo("a:X\r\nb:Y Z\r\n");
        assertThat(bodyHash(EXAMPLE_BODY, Canonicalization.RELAXED)).isEqualTo(sha256(" C\r\nD E\r\n"));
    }

    @Test
    void rfcExampleSimple() {
        assertThat(canonicalHeaders(EXAMPLE_HEADER, Canonicalization.SIMPLE)).isEqualTo("A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assertThat(bodyHash(EXAMPLE_BODY, Canonicalization.SIMPLE)).isEqualTo(sha256(" C \r\nD \t E\r\n"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> simple {1} / relaxed {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''             | '\r\n'          | ''",
                "'\r\n'         | '\r\n'          | ''",
                "'\r\n\r\n\r\n' | '\r\n'          | ''",
                "' \t\r\n'      | ' \t\r\n'       | ''",
                "'abc'          | 'abc\r\n'       | 'abc\r\n'",
                "'abc  '        | 'abc  \r\n'     | 'abc\r\n'",
                "'a\r\n\r\nb'   | 'a\r\n\r\nb\r\n' | 'a\r\n\r\nb\r\n'",
                "'a\r\n \r\n'   | 'a\r\n \r\n'    | 'a\r\n'",
                "'a\rb\nc\r\n'  | 'a\rb\nc\r\n'   | 'a\rb\nc\r\n'",
                "'x\t \ty \r\n' | 'x\t \ty \r\n'  | 'x y\r\n'"
            })
    void bodyEdgeCases(String body, String simple, String relaxed) {
        assertThat(bodyHash(body, Canonicalization.SIMPLE)).as("simple").isEqualTo(sha256(simple));
        assertThat(bodyHash(body, Canonicalization.RELAXED)).as("relaxed").isEqualTo(sha256(relaxed));
    }

    @Test
    void relaxedEmptyBodyHashIsTheWellKnownValue() {
        // sha256("") and sha256("\r\n"): the bh= values every DKIM implementation emits for empty bodies
        assertThat(java.util.Base64.getEncoder().encodeToString(bodyHash("", Canonicalization.RELAXED)))
                .isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertThat(java.util.Base64.getEncoder().encodeToString(bodyHash("", Canonicalization.SIMPLE)))
                .isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    }

    @Test
    void relaxedHeaderUnfoldsAndLowercasesName() {
        assertThat(HeaderField.canonical("SUBJect :\t Hello \r\n\t  World\t", Canonicalization.RELAXED))
                .isEqualTo("subject:Hello World");
        assertThat(HeaderField.canonical("X-Empty:   ", Canonicalization.RELAXED))
                .isEqualTo("x-empty:");
    }

    @Test
    void headerSelectionIsBottomUpAndOverSigningAddsNothing() {
        String block = "Received: 1\r\nFrom: a\r\nReceived: 2\r\nSubject: s\r\n";
        List<HeaderField> fields = HeaderField.parseBlock(block.getBytes(StandardCharsets.ISO_8859_1), block.length());
        List<HeaderField> picked =
                HeaderField.select(fields, List.of("received", "from", "received", "received", "from"));
        assertThat(picked).extracting(HeaderField::raw).containsExactly("Received: 2", "From: a", "Received: 1");
    }

    @Test
    void signatureFieldBValueRemoval() {
        String field = "DKIM-Signature: v=1; bh=abc=; b=Zm9v\r\n YmFy; s=x";
        assertThat(TagList.withEmptyB(field)).isEqualTo("DKIM-Signature: v=1; bh=abc=; b=; s=x");
        assertThat(TagList.withEmptyB("DKIM-Signature: a=1; b = xyz")).isEqualTo("DKIM-Signature: a=1; b =");
    }
}
