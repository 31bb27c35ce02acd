package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class QmailLhostTest {
    private static final String REPORT = """
            From: MAILER-DAEMON@mail.example.org
            To: sender@example.org
            Subject: failure notice

            Hi. This is the qmail-send program at mail.example.org.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <sender-refused@example.com>:
            Connected to 192.0.2.3 but sender was rejected.
            Remote host said: 553 sorry, your envelope sender is in my badmailfrom list

            <nohost@nowhere.example>:
            Sorry, I couldn't find any host named nowhere.example. (#5.1.2)

            --- Below this line is a copy of the message.
            """;

    @Test
    void recognizesQmail() {
        assertThat(new QmailLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new QmailLhost().recognizes(Samples.mail(REPORT.replace("failure notice", "Undeliverable"))))
                .isFalse();
    }

    @Test
    void readsTheCommandFromQmailRemotesSentencesAndItsOwnMessages() {
        List<Decoded> out = new QmailLhost().decode(Samples.mail(REPORT));
        assertThat(out)
                .extracting(Decoded::recipient)
                .containsExactly("sender-refused@example.com", "nohost@nowhere.example");
        assertThat(out.get(0).command()).isEqualTo("MAIL");
        assertThat(out.get(0).remoteHost()).isEqualTo("192.0.2.3");
        assertThat(out.get(1).reason()).isEqualTo(Reason.HOSTUNKNOWN);
        BounceReport r = Samples.parse(REPORT);
        assertThat(r.recipients()).extracting(x -> x.reason()).containsExactly(Reason.REJECTED, Reason.HOSTUNKNOWN);
    }

    @Test
    void theRemoteReplyOutweighsDoesNotLikeRecipient() {
        BounceReport r = Samples.corpus("lhost-qmail-25.eml");
        assertThat(r.decoder()).isEqualTo("qmail");
        assertThat(r.recipients()).extracting(x -> x.reason()).containsExactly(Reason.MAILBOXFULL, Reason.USERUNKNOWN);
    }
}
