package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class V5SendmailLhostTest {
    private static final String REPORT = """
            From: Mail Delivery Subsystem <MAILER-DAEMON@example.net>
            To: sender@example.net
            Subject: Returned mail: User unknown

               ----- Transcript of session follows -----
            While talking to mx.example.com:
            >>> RCPT To:<gone@example.com>
            <<< 550 <gone@example.com>... No such user
            550 <gone@example.com>... User unknown
            550 nowhere.example (smtp)... 550 Host unknown
            554 <lost@nowhere.example>... 550 Host unknown (Authoritative answer from name server)

               ----- Unsent message follows -----
            Subject: hello
            """;

    @Test
    void recognizesOnlyTranscriptOnlyReports() {
        assertThat(new V5SendmailLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new V5SendmailLhost().recognizes(Samples.mail(REPORT.replace("Unsent message follows", "x"))))
                .isFalse();
    }

    @Test
    void theSessionsReplyAndCommandBelongToTheFirstRecipientAfterThem() {
        List<Decoded> out = new V5SendmailLhost().decode(Samples.mail(REPORT));
        assertThat(out).extracting(Decoded::recipient).containsExactly("gone@example.com", "lost@nowhere.example");
        assertThat(out).extracting(Decoded::command).containsExactly("RCPT", null);
        assertThat(out.getFirst().remoteHost()).isEqualTo("mx.example.com");
        BounceReport r = Samples.parse(REPORT);
        assertThat(r.recipients()).extracting(x -> x.reason()).containsExactly(Reason.USERUNKNOWN, Reason.HOSTUNKNOWN);
    }
}
