package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BouncedRecipient;
import java.util.List;
import org.junit.jupiter.api.Test;

class GmailLhostTest {
    private static final String REPORT = """
            From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
            To: sender@gmail.com
            Subject: Delivery Status Notification (Failure)

            Delivery to the following recipient failed permanently:

                 someone@example.com

            Technical details of permanent failure:
            Google tried to deliver your message, but it was rejected by the server for the recipient domain example.com by mx.example.com. [192.0.2.5].

            The error that the other server returned was:
            550 550 No such person at this address (state 14).
            """;

    @Test
    void recognizesGmailsOwnReports() {
        assertThat(new GmailLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new GmailLhost().recognizes(Samples.mail(REPORT.replace("googlemail.com", "example.com"))))
                .isFalse();
    }

    @Test
    void theClientStateNamesTheCommand() {
        List<Decoded> out = new GmailLhost().decode(Samples.mail(REPORT));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().recipient()).isEqualTo("someone@example.com");
        assertThat(out.getFirst().command()).isEqualTo("RCPT");
        assertThat(out.getFirst().remoteHost()).isEqualTo("mx.example.com");
        assertThat(out.getFirst().reason()).isEqualTo(Reason.USERUNKNOWN);
    }

    @Test
    void aRefusalAfterDataIsAFilter() {
        BouncedRecipient r = Samples.only(Samples.corpus("lhost-gmail-03.eml"));
        assertThat(r.command()).isEqualTo("DATA");
        assertThat(r.reason()).isEqualTo(Reason.FILTERED);
    }
}
