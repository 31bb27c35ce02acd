package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import java.util.List;
import org.junit.jupiter.api.Test;

class AolLhostTest {
    private static final String REPORT = """
            From: MAILER-DAEMON@aol.com (Mail Delivery System)
            To: sender@aol.com
            Subject: Undelivered Mail Returned to Sender
            X-AOL-IP: 192.0.2.1

            This is the mail system at host omr-m01.mx.aol.com.

            <someone@nowhere.example>: Host or domain name not found. Name service error
                for name=nowhere.example type=A: Host not found
            """;

    @Test
    void recognizesAolByItsHeaderAndReadsItsResolverMessages() {
        assertThat(new AolLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new AolLhost().recognizes(Samples.mail(REPORT.replace("X-AOL-IP: 192.0.2.1\n", ""))))
                .isFalse();
        List<Decoded> out = new AolLhost().decode(Samples.mail(REPORT));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().reason()).isEqualTo(Reason.HOSTUNKNOWN);
    }

    @Test
    void anUnusableMxAnswerIsNotAccept() {
        BounceReport r = Samples.corpus("rhost-aol-06.eml");
        assertThat(r.decoder()).isEqualTo("aol");
        BouncedRecipient b = Samples.only(r);
        assertThat(b.reason()).isEqualTo(Reason.NOTACCEPT);
        assertThat(b.hard()).isTrue();
    }
}
