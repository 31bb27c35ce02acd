package dev.tern.bounce.dsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bounces come from anyone: parsing must take time roughly linear in their size. Each shape below was
 * quadratic or worse (minutes to hours at 1 MB); a generous bound of seconds catches that without
 * measuring speed.
 */
class HostileInputTimeTest {
    private static final BounceParser PARSER = BounceParser.shipped();
    private static final int MB = 1 << 20;
    private static final String HEAD = "Subject: Undelivered Mail\nFrom: MAILER-DAEMON@mx.example.net\n\n";
    private static final String DSN =
            "Subject: x\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
                    + "--B\nContent-Type: text/plain\n\nfailed\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
                    + "Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 x\n";
    private static final String HTML = "Subject: x\nContent-Type: text/html\n\n";

    @Test
    void theSlowFuzzInputIsFast() throws Exception {
        byte[] mail;
        try (InputStream in = getClass().getResourceAsStream("/fuzz/DsnFuzzTarget/slow-unit-arf-json-1s")) {
            mail = in.readAllBytes();
        }
        BounceReport report = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> PARSER.parse(mail));
        assertThat(report.recipients())
                .extracting(BouncedRecipient::recipient)
                .contains("info@interpublication.org", "address@myotherdomain.name");
    }

    static Stream<Arguments> shapes() throws Exception {
        String seed;
        try (InputStream in =
                HostileInputTimeTest.class.getResourceAsStream("/fuzz/DsnFuzzTarget/slow-unit-arf-json-1s")) {
            seed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return Stream.of(
                shape("the slow input repeated", n -> fill("", seed, "", n)),
                shape(
                        "one line naming an address every 20 bytes",
                        n -> fill(HEAD + "\"headers\": \"", "for <u#@example.org>; ", "\"\n", n)),
                shape("comma-separated addresses", n -> fill(HEAD + "To: ", "u#@example.org,", "\n", n)),
                shape("a line per address", n -> fill(HEAD, "<u#@example.org>: user unknown\n", "", n)),
                shape(
                        "one address, long text",
                        n -> fill(HEAD + "failed: a@example.org\n", "mailbox is not there 550 5.1.1\n", "", n)),
                shape("blanks before addresses", n -> fill(HEAD + "x\n", " ", "x a@example.org b@example.org\n", n)),
                shape(
                        "a long link before an address",
                        n -> fill(HEAD + "see https://example.org/", "a", " a@example.org\n", n)),
                shape("a folded Diagnostic-Code", n -> fill(DSN, " more text\n", "\n--B--\n", n)),
                shape(
                        "many DSN recipients",
                        n -> fill(
                                DSN + "\n",
                                "Final-Recipient: rfc822; u#@example.org\nStatus: 5.1.1\n\n",
                                "\n--B--\n",
                                n)),
                shape("unclosed <script", n -> fill(HTML, "<script", "", n)),
                shape("unclosed <style>", n -> fill(HTML, "<style>", "", n)),
                shape("unclosed <", n -> fill(HTML, "<", "", n)),
                shape("unclosed <br", n -> fill(HTML, "<br", "", n)),
                shape("blank lines", n -> fill(HEAD + "failed: a@example.org\n", "\n", "x\n", n)),
                shape("blank lines with spaces", n -> fill(HEAD + "failed: a@example.org\n", " \t\n", "x\n", n)),
                shape("one line of dashes", n -> fill(HEAD + "failed: a@example.org\n", "-", " x\n", n)),
                shape(
                        "lines of dashes and stars",
                        n -> fill(HEAD + "failed: a@example.org\n", "---***---\n", "x\n", n)),
                shape("enhanced-code fragments", n -> fill(HEAD + "failed: a@example.org\n", "5.1.", "\n", n)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void aMegabyteParsesInSeconds(String name, IntFunction<String> shape) {
        byte[] mail = shape.apply(MB).getBytes(StandardCharsets.UTF_8);
        BounceReport report = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> PARSER.parse(mail), name);
        assertThat(report.recipients()).hasSizeLessThanOrEqualTo(BounceParser.MAX_RECIPIENTS);
        assertThat(report.recipients())
                .allSatisfy(r ->
                        assertThat(r.diagnosticCode()).hasSizeLessThanOrEqualTo(BounceParser.MAX_DIAGNOSTIC_CHARS));
    }

    private static Arguments shape(String name, IntFunction<String> shape) {
        return Arguments.of(name, shape);
    }

    /** {@code head}, then {@code unit} ({@code #} numbered) until {@code size} characters, then {@code tail}. */
    private static String fill(String head, String unit, String tail, int size) {
        StringBuilder sb = new StringBuilder(head);
        for (int i = 0; sb.length() < size; i++) {
            sb.append(unit.replace("#", Integer.toString(i)));
        }
        return sb.append(tail).toString();
    }
}
