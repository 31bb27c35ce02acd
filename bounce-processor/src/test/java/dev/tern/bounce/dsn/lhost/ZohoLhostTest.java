package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BouncedRecipient;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZohoLhostTest {
    private static final String REPORT = """
            From: mailer-daemon@mail.zoho.com
            To: sender@zoho.example
            Subject: Undelivered Mail Returned to Sender
            X-ZohoMail: Si

            This message was created automatically by mail delivery software.
            A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.

            someone@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <someone@example.com>... User Unknown
            """;

    @Test
    void recognizesZohoByItsHeader() {
        assertThat(new ZohoLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new ZohoLhost().recognizes(Samples.mail(REPORT.replace("X-ZohoMail: Si\n", ""))))
                .isFalse();
    }

    @Test
    void readsTheErrorCodeLine() {
        List<Decoded> out = new ZohoLhost().decode(Samples.mail(REPORT));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().recipient()).isEqualTo("someone@example.com");
        assertThat(out.getFirst().status()).isEqualTo("5.1.1");
    }

    @Test
    void aDelayNoticeIsExpiring() {
        BouncedRecipient r = Samples.only(Samples.corpus("lhost-zoho-04.eml"));
        assertThat(r.recipient()).isEqualTo("kijitora@6kaku.example.co.jp");
        assertThat(r.reason()).isEqualTo(Reason.EXPIRED);
        assertThat(r.hard()).isFalse();
    }
}
