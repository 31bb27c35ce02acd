package dev.tern.bounce.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The separators between a bounce's report and the copy of the original message. */
class TextRegionTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "---- Original message ----", "----- original message -----", "-- Original Message --",
                "--- start of returned message", "------ Begin of original message ---",
                        "--- begin of forwarded message",
                "*** original message", "***** Original message", "> ---Original message follows",
                "  === This is a copy of the original message", "| Returned message",
                        "_ Below this line is a copy of the message."
            })
    void separatorsSplitTheReportFromTheOriginal(String separator) {
        String text = "Delivery failed for a@example.org\n550 5.1.1 unknown\n" + separator + "\nSubject: hello\n";
        assertThat(TextRegion.errorPart(text)).contains("550 5.1.1").doesNotContain("Subject: hello");
        assertThat(TextRegion.originalPart(text)).isEqualTo("Subject: hello\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-- start of returned message", "** original message", "original message ---"})
    void nearMissesAreNotSeparators(String line) {
        String text = "Delivery failed for a@example.org\n" + line + "\nmore text\n";
        assertThat(TextRegion.originalPart(text)).isEmpty();
    }
}
