package dev.tern.bounce.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.bounce.dsn.BounceParser;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CorpusScoreTest {

    static Path corpus(String name) throws URISyntaxException {
        return Path.of(CorpusScoreTest.class
                        .getResource("/corpora/" + name + "/expected.jsonl")
                        .toURI())
                .getParent();
    }

    @Test
    void bounceCorpusAgreesWithSisimai() throws Exception {
        CorpusScorer.Result result = new CorpusScorer(BounceParser.shipped()).score(corpus("bounces"));
        System.out.println(result.report(Boolean.getBoolean("tern.score.verbose")));
        assertThat(result.size()).isEqualTo(559);
        assertThat(result.reasonAgreement()).as("exact-reason agreement").isGreaterThanOrEqualTo(90.0);
        assertThat(result.hardAgreement()).as("hard/soft agreement").isGreaterThanOrEqualTo(95.0);
        assertThat(result.recipientAgreement()).as("recipient agreement").isGreaterThanOrEqualTo(95.0);
    }
}
