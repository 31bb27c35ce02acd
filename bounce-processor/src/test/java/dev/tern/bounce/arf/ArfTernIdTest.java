package dev.tern.bounce.arf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.verp.VerpCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArfTernIdTest {
    private static final String REPORT = """
            From: fbl@isp.example
            To: fbl@bounces.tern.example
            Subject: complaint
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="b1"

            --b1
            Content-Type: text/plain

            This is an abuse report.
            --b1
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: Test/1.0
            Version: 1
            Original-Mail-From: <%s@bounces.tern.example>
            Source-IP: 192.0.2.7
            Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT

            --b1
            Content-Type: text/rfc822-headers

            From: news@sender.example
            To: user@isp.example
            Subject: Deals
            %s
            --b1--
            """;

    @Test
    void ternIdComesFromTheXTernIdHeader() {
        String mail = REPORT.formatted("b-whatever", "X-Tern-Id: 01HXYZ");
        FeedbackReport r =
                new ArfParser().parse(mail.getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(r.ternId()).isEqualTo("01HXYZ");
        assertThat(r.recipients()).containsExactly("user@isp.example");
        assertThat(r.sourceIp()).isEqualTo("192.0.2.7");
    }

    @Test
    void ternIdComesFromAVerifiedVerpToken() {
        VerpCodec codec = new VerpCodec(Map.of('a', "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8)), 'a');
        String local = codec.encode("01J0000000000000000000TERN", 2);
        String mail = REPORT.formatted(local, "X-Other: 1");
        FeedbackReport r = new ArfParser(codec)
                .parse(mail.getBytes(StandardCharsets.UTF_8))
                .orElseThrow();
        assertThat(r.verpLocalPart()).isEqualTo(local);
        assertThat(r.ternId()).isEqualTo("01J0000000000000000000TERN");
        String forged = REPORT.formatted(
                local.substring(0, local.length() - 1) + (local.endsWith("a") ? "b" : "a"), "X-Other: 1");
        assertThat(new ArfParser(codec)
                        .parse(forged.getBytes(StandardCharsets.UTF_8))
                        .orElseThrow()
                        .ternId())
                .isNull();
    }
}
