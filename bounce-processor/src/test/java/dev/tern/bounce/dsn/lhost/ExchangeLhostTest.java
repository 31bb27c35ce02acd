package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExchangeLhostTest {
    private static final String REPORT = """
            From: Microsoft Outlook <postmaster@contoso.onmicrosoft.com>
            To: sender@example.org
            Subject: Undeliverable: hello
            X-MS-Exchange-Message-Is-Ndr:

            Delivery has failed to these recipients or groups:

            someone@example.com<mailto:someone@example.com>
            Your message couldn't be delivered.

            Diagnostic information for administrators:

            Generating server: AM0PR01MB1234.eurprd01.prod.outlook.com

            someone@example.com
            Remote Server returned '550 5.7.606 Access denied, banned sending IP [192.0.2.1]'

            Original message headers:
            """;

    @Test
    void recognizesExchangeReports() {
        assertThat(new ExchangeLhost().recognizes(Samples.mail(REPORT))).isTrue();
        assertThat(new ExchangeLhost()
                        .recognizes(Samples.mail(REPORT.replace("X-MS-Exchange-Message-Is-Ndr:\n", "")
                                .replace("Diagnostic information for administrators:", "Details:"))))
                .isFalse();
    }

    @Test
    void readsTheRecipientAndTheRemoteReplyAndUsesExchangeOnlineCodes() {
        List<Decoded> out = new ExchangeLhost().decode(Samples.mail(REPORT));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().recipient()).isEqualTo("someone@example.com");
        assertThat(out.getFirst().status()).isEqualTo("5.7.606");
        assertThat(out.getFirst().reason()).isEqualTo(Reason.BLOCKED);
    }

    @Test
    void aMessageExpiredCodeIsExpiryNotABlock() {
        BounceReport r = Samples.corpus("lhost-office365-08.eml");
        assertThat(r.decoder()).isEqualTo("exchange");
        BouncedRecipient b = Samples.only(r);
        assertThat(b.status()).isEqualTo("5.4.316");
    }
}
