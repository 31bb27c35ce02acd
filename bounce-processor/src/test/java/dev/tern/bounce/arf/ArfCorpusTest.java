package dev.tern.bounce.arf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ArfCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path dir() throws Exception {
        return Path.of(ArfCorpusTest.class
                        .getResource("/corpora/arf/expected.jsonl")
                        .toURI())
                .getParent();
    }

    static Stream<JsonNode> samples() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir().resolve("expected.jsonl"))) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void parsesToExpectedFields(JsonNode expected) throws Exception {
        byte[] mail = Files.readAllBytes(dir().resolve(expected.path("file").asText()));
        FeedbackReport report = new ArfParser().parse(mail).orElseThrow();
        assertThat(report.arf()).isEqualTo(expected.path("arf").asBoolean());
        JsonNode fields = expected.path("fields");
        if (report.arf()) {
            assertThat(report.feedbackType())
                    .isEqualTo(fields.path("Feedback-Type").asText().toLowerCase(Locale.ROOT));
            assertThat(report.userAgent()).isEqualTo(text(fields, "User-Agent"));
            assertThat(report.version()).isEqualTo(text(fields, "Version"));
            assertThat(report.originalMailFrom()).isEqualTo(text(fields, "Original-Mail-From"));
            assertThat(report.sourceIp()).isEqualTo(text(fields, "Source-IP"));
            assertThat(report.reportingMta()).isEqualTo(text(fields, "Reporting-MTA"));
            assertThat(report.originalEnvelopeId()).isEqualTo(text(fields, "Original-Envelope-Id"));
            String arrival = fields.has("Arrival-Date") ? text(fields, "Arrival-Date") : text(fields, "Received-Date");
            assertThat(report.arrivalDate()).isEqualTo(arrival);
            List<String> rcpt = new ArrayList<>();
            fields.path("Original-Rcpt-To").forEach(n -> rcpt.add(n.asText()));
            assertThat(report.originalRcptTo()).containsExactlyElementsOf(rcpt);
            List<String> domains = new ArrayList<>();
            fields.path("Reported-Domain").forEach(n -> domains.add(n.asText()));
            assertThat(report.reportedDomains()).containsExactlyElementsOf(domains);
        }
        JsonNode original = expected.path("original");
        if (original.has("Subject")) {
            assertThat(report.originalHeaders().get("subject"))
                    .isEqualTo(original.path("Subject").asText().trim());
        }
        JsonNode stalwart = expected.path("stalwart_expected");
        if (stalwart.isObject()) {
            assertThat(report.incidents()).isEqualTo(stalwart.path("incidents").asInt(1));
            assertThat(report.authenticationResults())
                    .hasSize(stalwart.path("authentication_results").size());
        }
        JsonNode sisimai = expected.path("sisimai_expected");
        if (sisimai.isArray() && !sisimai.isEmpty()) {
            List<String> want = new ArrayList<>();
            for (JsonNode r : sisimai) {
                assertThat(report.feedbackType())
                        .isEqualTo(r.path("feedbacktype").asText());
                String recipient = r.path("recipient").asText();
                if (!recipient.endsWith(".invalid")) { // sisimai's placeholder for "no recipient in the headers"
                    want.add(recipient.toLowerCase(Locale.ROOT));
                }
            }
            assertThat(report.recipients().stream()
                            .map(s -> s.toLowerCase(Locale.ROOT))
                            .toList())
                    .containsExactlyElementsOf(want);
            BounceReport bounce = BounceParser.shipped().parse(mail);
            assertThat(bounce.kind()).isEqualTo(BounceReport.Kind.FEEDBACK);
            assertThat(bounce.recipients())
                    .hasSize(want.size())
                    .allSatisfy(r -> assertThat(r.reason()).isEqualTo(Reason.FEEDBACK));
        }
    }

    private static String text(JsonNode fields, String name) {
        JsonNode n = fields.get(name);
        if (n == null) {
            return null;
        }
        return n.isArray() ? n.get(0).asText() : n.asText();
    }
}
