package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendmailLhostTest {
    private static final String REPORT = """
            From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>
            To: <sender@example.org>
            Subject: Returned mail: see transcript for details

            The original message was received at Mon, 1 Jun 2026 10:00:00 +0000
            from localhost [127.0.0.1]

               ----- The following addresses had permanent fatal errors -----
            <gone@example.com>
                (reason: 550 5.1.1 <gone@example.com>... No such user here)

               ----- Transcript of session follows -----
            ... while talking to mx.example.com.:
            >>> MAIL From:<sender@example.org> SIZE=1200
            <<< 250 2.1.0 Sender ok
            >>> RCPT To:<gone@example.com>
            <<< 550 5.1.1 <gone@example.com>... No such user here
            550 5.1.1 <gone@example.com>... User unknown
            """;

    @Test
    void recognizesSendmailReportsAndForwardedOnes() {
        SendmailLhost l = new SendmailLhost();
        assertThat(l.recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(l.recognizes(Samples.mail(REPORT.replace("Subject: Returned", "Subject: Fwd: Returned")
                        .replace("Mail Delivery Subsystem", "A Person"))))
                .isTrue();
        assertThat(l.recognizes(Samples.mail(REPORT.replace("see transcript for details", "failure notice"))))
                .isFalse();
    }

    @Test
    void readsTheRecipientListAndTheTranscriptsCommand() {
        List<Decoded> out = new SendmailLhost().decode(Samples.mail(REPORT));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().recipient()).isEqualTo("gone@example.com");
        assertThat(out.getFirst().command()).isEqualTo("RCPT");
        assertThat(out.getFirst().status()).isEqualTo("5.1.1");
        assertThat(out.getFirst().diagnostic()).contains("No such user here");
    }

    @Test
    void deliveryStatusFieldsLeftAsPlainTextAreRead() {
        // a relay dropped the MIME headers: the RFC 3464 fields are in the body text
        BouncedRecipient r = Samples.only(Samples.corpus("lhost-sendmail-53.eml"));
        assertThat(r.recipient()).isEqualTo("sironeko@example.com");
        assertThat(r.command()).isEqualTo("MAIL");
        assertThat(r.reason()).isEqualTo(Reason.SECURITYERROR);
    }

    @Test
    void aForwardedReportIsUnquoted() {
        BounceReport report = Samples.corpus("lhost-sendmail-14.eml");
        assertThat(report.decoder()).isEqualTo("sendmail");
        BouncedRecipient r = Samples.only(report);
        assertThat(r.recipient()).isEqualTo("kijitora@example.com");
        assertThat(r.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(r.hard()).isTrue();
    }
}
