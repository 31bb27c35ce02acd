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
        assertThat(result.reasonAgreement()).as("exact-reason agreement").isGreaterThanOrEqualTo(95.0);
        assertThat(result.hardAgreement()).as("hard/soft agreement").isGreaterThanOrEqualTo(98.0);
        assertThat(result.recipientAgreement()).as("recipient agreement").isGreaterThanOrEqualTo(98.0);
        assertThat(result.onhold()).as("rows left onhold").isLessThanOrEqualTo(8);
        assertThat(result.byFamily()).containsKeys("postfix", "exim", "sendmail", "qmail", "gmail");
    }

    /**
     * Generalisation: each family scored without the rules that only its own samples exercise and
     * without the decoders that read its reports. The held-out score must stay close to the full one (a
     * rule fitted to one family's samples would show as a drop here) and above the targets for bounces
     * the classifier has never seen.
     */
    @Test
    void leaveOneFamilyOutStaysCloseToTheFullScore() throws Exception {
        CorpusScorer.LeaveOneOut lofo =
                CorpusScorer.leaveOneFamilyOut(corpus("bounces"), dev.tern.bounce.classify.ReplyClassifier.shipped());
        System.out.println(lofo.report());
        assertThat(lofo.heldOut().size()).isEqualTo(559);
        assertThat(lofo.full().reasonAgreement() - lofo.heldOut().reasonAgreement())
                .as("reason agreement lost when each family's own rules and decoders are left out")
                .isLessThanOrEqualTo(4.5);
        assertThat(lofo.heldOut().reasonAgreement())
                .as("held-out reason agreement")
                .isGreaterThanOrEqualTo(92.0);
        assertThat(lofo.heldOut().hardAgreement())
                .as("held-out hard/soft agreement")
                .isGreaterThanOrEqualTo(96.5);
    }
}
