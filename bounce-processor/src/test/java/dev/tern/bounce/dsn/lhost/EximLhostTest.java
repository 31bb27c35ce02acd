package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BouncedRecipient;
import java.util.List;
import org.junit.jupiter.api.Test;

class EximLhostTest {
    private static final String REPORT = """
            From: Mail Delivery System <Mailer-Daemon@mail.example.net>
            To: sender@example.org
            Subject: Mail delivery failed: returning message to sender
            Message-Id: <E1abcde-000123-AB@mail.example.net>
            X-Failed-Recipients: one@example.com, two@nowhere.example

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              one@example.com
                SMTP error from remote mail server after RCPT TO:<one@example.com>:
                host mx.example.com [192.0.2.7]: 550 5.2.2 Mailbox quota exceeded
              two@nowhere.example
                Unrouteable address

            ------ This is a copy of the message, including all the headers. ------
            """;

    @Test
    void recognizesExim() {
        assertThat(new EximLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new EximLhost()
                        .recognizes(Samples.mail(REPORT.replace("Mail Delivery System", "Postmaster")
                                .replace("Message-Id: <E1abcde-000123-AB@", "Message-Id: <x@"))))
                .isFalse();
    }

    @Test
    void readsEachAddressWithItsCommandHostAndEximsOwnMessage() {
        List<Decoded> out = new EximLhost().decode(Samples.mail(REPORT));
        assertThat(out).extracting(Decoded::recipient).containsExactly("one@example.com", "two@nowhere.example");
        assertThat(out.get(0).command()).isEqualTo("RCPT");
        assertThat(out.get(0).remoteHost()).isEqualTo("mx.example.com");
        assertThat(out.get(0).reason()).isNull();
        assertThat(out.get(1).reason()).isEqualTo(Reason.HOSTUNKNOWN); // route.c "Unrouteable address"
    }

    @Test
    void aMalformedAddressNamesTheBracketedRecipient() {
        BouncedRecipient r = Samples.only(Samples.corpus("lhost-exim-52.eml"));
        assertThat(r.recipient()).isEqualTo("neko@example.net");
        assertThat(r.reason()).isEqualTo(Reason.SYNTAXERROR);
    }

    @Test
    void anAddressWithoutDomainTakesTheFailedRecipientsHeader() {
        BouncedRecipient r = Samples.only(Samples.corpus("lhost-exim-04.eml"));
        assertThat(r.recipient()).isEqualTo("kijitora@example.ed.jp");
        assertThat(r.command()).isEqualTo("MAIL");
    }
}
