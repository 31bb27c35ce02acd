package dev.tern.bounce.dsn.lhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrendMicroLhostTest {
    private static final String TRANSCRIPT = """
            From: "InterScan MSS" <postmaster@example.net>
            To: sender@example.net
            Subject: Mail could not be delivered

            ****** Message from InterScan Messaging Security Suite ******

            Sent <<< RCPT TO:<someone@example.com>
            Received >>> 550 5.1.1 <someone@example.com>... Mailbox not present

            ************************ End of message **********************
            """;
    private static final String UNABLE = """
            From: "InterScan MSS" <postmaster@example.net>
            To: sender@example.net
            Subject: Mail could not be delivered

            The following mail could not be delivered.
            Reason: Unable to deliver message to <someone@example.com> (and other recipients in the same domain).
            """;

    @Test
    void recognizesInterScan() {
        assertThat(new TrendMicroLhost().recognizes(Samples.mail(TRANSCRIPT))).isTrue();
        assertThat(new TrendMicroLhost()
                        .recognizes(Samples.mail(TRANSCRIPT
                                .replace("\"InterScan MSS\"", "Postmaster")
                                .replace("Mail could not be delivered", "Undeliverable"))))
                .isFalse();
    }

    @Test
    void readsTheTranscriptsCommandAndReply() {
        List<Decoded> out = new TrendMicroLhost().decode(Samples.mail(TRANSCRIPT));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().recipient()).isEqualTo("someone@example.com");
        assertThat(out.getFirst().command()).isEqualTo("RCPT");
        assertThat(out.getFirst().status()).isEqualTo("5.1.1");
        assertThat(out.getFirst().reason()).isNull();
    }

    @Test
    void unableToDeliverIsInterScansWordForAnUnknownUser() {
        List<Decoded> out = new TrendMicroLhost().decode(Samples.mail(UNABLE));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(Samples.only(Samples.parse(UNABLE)).reason()).isEqualTo(Reason.USERUNKNOWN);
    }
}
