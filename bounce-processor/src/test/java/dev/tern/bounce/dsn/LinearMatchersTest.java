package dev.tern.bounce.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.text.Addresses;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The linear rewrites give what the regular expressions they replaced gave, on random text built from their parts. */
class LinearMatchersTest {
    private static final Pattern OLD_NOT_RECIPIENT = Pattern.compile(
            "(?i)(mail from:?\\s*<?$|from:?\\s*<?$|envelope-from\\s*<?$|sender:?\\s*<?$|generated from\\s*$|reply-to:?\\s*<?$|mailto:$|https?://\\S*$|return-path:?\\s*<?$)");
    private static final Pattern OLD_SCRIPT = Pattern.compile("(?is)<(script|style)[^>]*>.*?</\\1>");
    private static final Pattern OLD_BREAKS =
            Pattern.compile("(?i)<\\s*(br|/p|/div|/tr|/li|/h\\d|p|div|tr|li)\\b[^>]*>");
    private static final Pattern OLD_TAGS = Pattern.compile("<[^>]{0,2000}>");
    private static final Pattern OLD_ADDRESS = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-][A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]*@[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?)+");

    private static String random(Random rnd, String[] parts, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(parts[rnd.nextInt(parts.length)]);
        }
        return sb.toString();
    }

    @Test
    void beforeAnAddressAgreesWithTheOldExpression() {
        String[] parts = {
            "from",
            "FROM",
            "mail ",
            "sender",
            "Reply-To",
            "return-path",
            "mailto",
            ":",
            " ",
            "\t",
            "\n",
            "<",
            "http://",
            "HTTPS://",
            "x",
            "a@b.c",
            "-",
            "generated ",
            "envelope-",
            "/",
            "\u212a",
            "\u017f",
            "\r",
            "\u2028",
            "\u0085"
        };
        Random rnd = new Random(42);
        for (int t = 0; t < 3000; t++) {
            String line = random(rnd, parts, rnd.nextInt(12));
            TextRecipients.Before before = new TextRecipients.Before(line);
            for (int p = 0; p <= line.length(); p++) {
                assertThat(before.namesNonRecipient(p))
                        .as("%s at %d", line, p)
                        .isEqualTo(
                                OLD_NOT_RECIPIENT.matcher(line.substring(0, p)).find());
            }
        }
    }

    @Test
    void addressesAreTheOldMatches() {
        String[] parts = {"a", "B", "0", ".", "-", "+", "@", "x.org", " ", ",", "<", ">", "example", "_", "é"};
        Random rnd = new Random(7);
        for (int t = 0; t < 5000; t++) {
            String s = random(rnd, parts, rnd.nextInt(16));
            assertThat(Addresses.ADDRESS
                            .matcher(s)
                            .results()
                            .map(r -> r.start() + ":" + r.group())
                            .toList())
                    .as(s)
                    .isEqualTo(OLD_ADDRESS
                            .matcher(s)
                            .results()
                            .map(r -> r.start() + ":" + r.group())
                            .toList());
        }
    }

    @Test
    void htmlToTextIsTheOldReplacement() {
        String[] parts = {
            "<",
            ">",
            "script",
            "STYLE",
            "</script>",
            "</Style>",
            "<br",
            "<p",
            "<pre",
            " ",
            "/",
            "x",
            "\n",
            "<li>",
            "div"
        };
        Random rnd = new Random(3);
        for (int t = 0; t < 5000; t++) {
            String s = random(rnd, parts, rnd.nextInt(16));
            String old = OLD_SCRIPT.matcher(s).replaceAll(" ");
            old = OLD_BREAKS.matcher(old).replaceAll("\n");
            old = OLD_TAGS.matcher(old).replaceAll(" ");
            assertThat(Html.toText(s)).as(s).isEqualTo(old);
        }
        String longTag = "<" + "x".repeat(2000) + "> <" + "x".repeat(2001) + ">";
        assertThat(Html.toText(longTag)).isEqualTo(OLD_TAGS.matcher(longTag).replaceAll(" "));
    }
}
