package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostfixLhostTest {
    private static final String REPORT = """
            From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
            To: sender@example.org
            Subject: Undelivered Mail Returned to Sender

            This is the mail system at host mail.example.org.

            I'm sorry to have to inform you that your message could not
            be delivered to one or more recipients.

            <full@example.com>: host mx.example.com[192.0.2.9] said: 552 5.2.2
                <full@example.com>: Recipient address rejected: Mailbox full (in reply to
                RCPT TO command)

            <other@example.net>: host mx.example.net[192.0.2.10] said: 550 5.7.1
                Message rejected as spam (in reply to end of DATA command)
            """;

    @Test
    void recognizesPostfixBySubjectOrGreeting() {
        assertThat(new PostfixLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new PostfixLhost()
                        .recognizes(Samples.mail(REPORT.replace("Undelivered Mail Returned to Sender", "x"))))
                .isTrue();
        assertThat(new PostfixLhost()
                        .recognizes(Samples.mail(REPORT.replace("Undelivered Mail Returned to Sender", "x")
                                .replace("This is the mail system at host", "Hello from"))))
                .isFalse();
    }

    @Test
    void readsEachParagraphsCommandAndHost() {
        List<Decoded> out = new PostfixLhost().decode(Samples.mail(REPORT));
        assertThat(out).extracting(Decoded::recipient).containsExactly("full@example.com", "other@example.net");
        assertThat(out).extracting(Decoded::command).containsExactly("RCPT", "DATA");
        assertThat(out).extracting(Decoded::remoteHost).containsExactly("mx.example.com", "mx.example.net");
    }

    @Test
    void classifiedWithTheCommand() {
        BounceReport r = Samples.parse(REPORT);
        assertThat(r.decoder()).isEqualTo("postfix");
        assertThat(r.recipients()).extracting(x -> x.reason()).containsExactly(Reason.MAILBOXFULL, Reason.SPAMDETECTED);
    }
}
