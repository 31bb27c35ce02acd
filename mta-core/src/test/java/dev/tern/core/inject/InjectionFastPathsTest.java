package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.subethamail.smtp.internal.util.SMTPResponseHelper;

/** Fast paths of the injection side give what the general forms gave. */
class InjectionFastPathsTest {

    @Test
    void repliesEqualTheLibrarysAtEveryLengthAroundOneLine() {
        for (int n = 0; n <= TernDataCommand.ONE_LINE + 600; n++) {
            String text = "x".repeat(n);
            assertThat(TernDataCommand.reply("250", text))
                    .as("length %d", n)
                    .isEqualTo(SMTPResponseHelper.buildResponse("250", text));
        }
        assertThat(TernDataCommand.reply("250", "2.0.0 Ok: queued as 0123456789abcdef01234567"))
                .isEqualTo("250 2.0.0 Ok: queued as 0123456789abcdef01234567");
    }

    @Test
    void repliesEqualTheLibrarysForRandomTextsWithLineBreaks() {
        SplittableRandom r = new SplittableRandom(5);
        String alphabet = "ab \r\n.:";
        for (int i = 0; i < 5000; i++) {
            int n = r.nextInt(4) == 0 ? r.nextInt(1200) : r.nextInt(12);
            StringBuilder b = new StringBuilder(n);
            for (int k = 0; k < n; k++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            String text = b.toString();
            assertThat(TernDataCommand.reply("250", text))
                    .as("%s", text.replace("\r", "\\r").replace("\n", "\\n"))
                    .isEqualTo(SMTPResponseHelper.buildResponse("250", text));
        }
    }

    @Test
    void spooledTopIsTheJoinedPartsInAscii() {
        SplittableRandom r = new SplittableRandom(9);
        String[] pieces = {
            "", "Received: from x ([127.0.0.1])\r\n", "\tby h.example (Tern)", "\u00e9t\u00e9", "\ud83d\ude00", "a"
        };
        for (int i = 0; i < 2000; i++) {
            String[] parts = new String[4];
            for (int k = 0; k < parts.length; k++) parts[k] = pieces[r.nextInt(pieces.length)];
            int rest = r.nextInt(50);
            byte[] top = String.join("", parts).getBytes(StandardCharsets.US_ASCII);
            byte[] body = InjectionSession.Injector.withTop(rest, parts);
            assertThat(body).hasSize(top.length + rest);
            assertThat(Arrays.copyOf(body, top.length)).isEqualTo(top);
            assertThat(Arrays.copyOfRange(body, top.length, body.length)).isEqualTo(new byte[rest]);
        }
    }
}
