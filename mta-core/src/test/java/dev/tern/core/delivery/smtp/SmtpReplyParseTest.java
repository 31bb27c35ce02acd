package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** {@link SmtpReply#parse} against the regular-expression rule it replaced, on reply texts near the edges. */
class SmtpReplyParseTest {
    private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    /** The rule as it was written before (regex and streams). */
    static SmtpReply reference(int code, List<String> texts) {
        String enhanced = "";
        if (!texts.isEmpty()) {
            String first = texts.get(0);
            int sp = first.indexOf(' ');
            String candidate = sp < 0 ? first : first.substring(0, sp);
            if (ENHANCED.matcher(candidate).matches() && candidate.charAt(0) == (char) ('0' + code / 100)) {
                enhanced = candidate;
            }
        }
        if (enhanced.isEmpty()) return new SmtpReply(code, "", texts);
        String prefix = enhanced;
        List<String> stripped = texts.stream()
                .map(t -> t.equals(prefix) ? "" : t.startsWith(prefix + " ") ? t.substring(prefix.length() + 1) : t)
                .toList();
        return new SmtpReply(code, enhanced, stripped);
    }

    @Provide
    Arbitrary<String> texts() {
        // the characters an enhanced code is made of, its neighbours, and a non-ASCII digit
        Arbitrary<String> near = Arbitraries.strings()
                .withChars('2', '4', '5', '1', '3', '0', '9', '.', ' ', 'x', '\u0663')
                .ofMaxLength(12);
        Arbitrary<String> code = Arbitraries.of("2.1.0", "4.7.0", "5.1.1", "5.7.123", "2.0.0", "5.1234.1", "4..1")
                .flatMap(c -> Arbitraries.of(c, c + " ok", c + "  two", c + "x", "x " + c, c + "."));
        return Arbitraries.oneOf(near, code);
    }

    @Property(tries = 3000)
    void sameAsTheRegularExpression(
            @ForAll @IntRange(min = 100, max = 599) int code,
            @ForAll @Size(max = 3) List<@net.jqwik.api.From("texts") String> texts) {
        SmtpReply expected = reference(code, texts);
        SmtpReply actual = SmtpReply.parse(code, texts);
        assertThat(actual).isEqualTo(expected);
    }
}
