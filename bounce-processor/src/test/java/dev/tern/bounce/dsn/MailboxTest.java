package dev.tern.bounce.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MailboxTest {
    private static final Path BSD = Path.of("src/test/resources/corpora/bounces/emails/maildir/bsd");

    /** A corpus sample without its own envelope line, so that the test controls the mbox framing. */
    private static byte[] sample(String name) throws Exception {
        String text = Files.readString(BSD.resolve(name), StandardCharsets.ISO_8859_1);
        if (text.startsWith("From ")) {
            text = text.substring(text.indexOf('\n') + 1);
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void anMboxOfThreeBouncesGivesEachMessagesRecipients() throws Exception {
        String[] files = {"lhost-postfix-01.eml", "lhost-exim-01.eml", "lhost-qmail-01.eml"};
        ByteArrayOutputStream mbox = new ByteArrayOutputStream();
        List<List<String>> alone = new java.util.ArrayList<>();
        for (String f : files) {
            byte[] mail = sample(f);
            alone.add(BounceParser.shipped().parse(mail).recipients().stream()
                    .map(BouncedRecipient::recipient)
                    .toList());
            mbox.write("From MAILER-DAEMON  Thu Apr 29 23:34:45 2021\n".getBytes(StandardCharsets.US_ASCII));
            mbox.write(mail);
            mbox.write('\n');
        }
        List<BounceReport> reports = BounceParser.shipped().parseAll(mbox.toByteArray());

        assertThat(reports).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(alone.get(i)).as(files[i]).isNotEmpty();
            assertThat(reports.get(i).recipients().stream()
                            .map(BouncedRecipient::recipient)
                            .toList())
                    .as("message %d (%s)", i + 1, files[i])
                    .isEqualTo(alone.get(i));
        }
        // the three messages are about different recipients: nothing of the first leaks into the others
        assertThat(alone.get(0)).doesNotContainAnyElementsOf(alone.get(1));
    }

    @Test
    void onlyEnvelopeLinesAfterABlankLineSplit() {
        String text = "From MAILER-DAEMON Thu Apr 29 23:34:45 2021\nSubject: one\n\nbody\nFrom here on, words\n\n"
                + "From someone Thu Apr 29 23:34:45 without a year is still an envelope\n\n"
                + "From: not an envelope line\n\n"
                + "From <> Fri May  7 01:02:03 2021\r\nSubject: two\r\n\r\nbody\r\n";
        List<byte[]> parts = Mailbox.split(text.getBytes(StandardCharsets.US_ASCII));
        assertThat(parts).hasSize(3);
        assertThat(new String(parts.get(2), StandardCharsets.US_ASCII)).startsWith("From <> Fri May  7");
    }

    @Test
    void aSingleMessageIsReturnedAsIs() {
        byte[] one = "Subject: x\n\nFrom the start\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(Mailbox.split(one)).containsExactly(one);
    }
}
