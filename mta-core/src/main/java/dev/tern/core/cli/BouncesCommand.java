package dev.tern.core.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.mime.MimeParser;
import dev.tern.bounce.mime.MimePart;
import dev.tern.bounce.score.CorpusScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tern bounces}: score the bounce parser on a corpus, or show what it makes of one mail. */
@Command(
        name = "bounces",
        description = "Bounce and feedback-loop mail tools.",
        subcommands = {BouncesCommand.Score.class, BouncesCommand.Parse.class})
public class BouncesCommand implements Callable<Integer> {

    public BouncesCommand() {}

    @Override
    public Integer call() {
        System.out.println("usage: tern bounces (score DIR | parse FILE)");
        return 2;
    }

    /** {@code tern bounces score DIR}: agreement with a corpus' expected.jsonl. */
    @Command(
            name = "score",
            description = "Parse every sample of DIR/emails and compare with DIR/expected.jsonl; "
                    + "the last line is 'reason=P% hardbounce=P% recipient=P% rows=N'; the line before it counts "
                    + "the rows left 'onhold'.")
    public static class Score implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "directory with emails/ and expected.jsonl")
        Path dir;

        @Option(
                names = {"-v", "--mismatches"},
                description = "also list every row that disagrees")
        boolean mismatches;

        @Option(
                names = "--by",
                paramLabel = "family",
                description = "also print the score per group; the only group is 'family' (MTA/provider)")
        String by;

        @Option(
                names = "--leave-one-family-out",
                description = "also score each family without the rules that only its own samples exercise")
        boolean leaveOneOut;

        public Score() {}

        @Override
        public Integer call() {
            if (!Files.isRegularFile(dir.resolve("expected.jsonl")) || !Files.isDirectory(dir.resolve("emails"))) {
                System.err.println("tern bounces score: " + dir + " must contain emails/ and expected.jsonl");
                return 2;
            }
            if (by != null && !by.equals("family")) {
                System.err.println("tern bounces score: --by accepts only 'family', not '" + by + "'");
                return 2;
            }
            CorpusScorer.Result result = new CorpusScorer(BounceParser.shipped()).score(dir);
            if (by != null) {
                System.out.print(result.familyReport());
            }
            if (leaveOneOut) {
                System.out.println(CorpusScorer.leaveOneFamilyOut(dir, ReplyClassifier.shipped())
                        .report());
            }
            System.out.println(result.report(mismatches));
            return 0;
        }
    }

    /** {@code tern bounces parse FILE}: the parse result of one mail, as JSON. */
    @Command(name = "parse", description = "Print what Tern makes of one bounce or feedback mail (JSON).")
    public static class Parse implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the mail (RFC 5322 message, any line endings)")
        Path file;

        public Parse() {}

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                System.err.println("tern bounces parse: no such file: " + file);
                return 2;
            }
            byte[] mail = Files.readAllBytes(file);
            MimePart root = MimeParser.parse(mail);
            List<BounceReport> reports = BounceParser.shipped().parseAll(mail);
            BounceReport report = reports.getFirst();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("file", file.toString());
            out.put("kind", report.kind());
            out.put("recipients", report.recipients());
            out.put("ternId", report.ternId());
            out.put("feedbackType", report.feedbackType());
            out.put("decoder", report.decoder());
            new ArfParser().parse(root).ifPresent(f -> out.put("feedbackReport", f));
            out.put("originalHeaders", report.originalHeaders());
            if (reports.size() > 1) {
                // an mbox-style file: the first message above, every message's recipients here
                out.put(
                        "messages",
                        reports.stream().map(BounceReport::recipients).toList());
            }
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            System.out.println(json.writeValueAsString(out));
            return 0;
        }
    }
}
