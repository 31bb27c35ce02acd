package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class YahooLhostTest {
    private static final String REPORT = """
            From: MAILER-DAEMON@yahoo.com
            To: sender@yahoo.com
            Subject: Failure Notice

            Sorry, we were unable to deliver your message to the following address.

            <someone@example.com>:
            Remote host said: 552 Requested mail action aborted, mailbox not found [RCPT_TO]

            --- Below this line is a copy of the message.
            """;

    @Test
    void recognizesYahoo() {
        assertThat(new YahooLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new YahooLhost().recognizes(Samples.mail(REPORT.replace("Failure Notice", "Undeliverable"))))
                .isFalse();
    }

    @Test
    void theBracketedCommandIsRead() {
        List<Decoded> out = new YahooLhost().decode(Samples.mail(REPORT));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().recipient()).isEqualTo("someone@example.com");
        assertThat(out.getFirst().command()).isEqualTo("RCPT");
        BounceReport r = Samples.corpus("lhost-yahoo-01.eml");
        assertThat(r.decoder()).isEqualTo("yahoo");
        assertThat(Samples.only(r).reason()).isEqualTo(Reason.USERUNKNOWN);
    }
}
