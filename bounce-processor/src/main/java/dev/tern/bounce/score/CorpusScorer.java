package dev.tern.bounce.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Scores the bounce parser against a corpus laid out like sisimai's set-of-emails export: a
 * directory with {@code emails/} and {@code expected.jsonl} (one line per file and recipient with
 * {@code file}, {@code index}, {@code recipient}, {@code reason}, {@code hardbounce}).
 *
 * <p>Tolerances, all general: a row's {@code p5_table_differs} values (where sisimai versions
 * disagree) are accepted as alternatives; {@code mesgtoobig} and its newer name {@code emailtoolarge}
 * are equal; {@code recipient_alternatives} are accepted; an expected placeholder address in the
 * {@code .invalid} TLD (sisimai's "no recipient in the headers") matches "no recipient found".
 */
public final class CorpusScorer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BounceParser parser;

    public CorpusScorer(BounceParser parser) {
        this.parser = Objects.requireNonNull(parser);
    }

    /** One compared row. */
    public record Row(
            String file,
            int index,
            String expectedReason,
            String actualReason,
            boolean reasonOk,
            boolean expectedHard,
            boolean actualHard,
            boolean hardOk,
            String expectedRecipient,
            String actualRecipient,
            boolean recipientOk) {}

    /** All compared rows, with summary figures. */
    public record Result(List<Row> rows) {
        public int size() {
            return rows.size();
        }

        public double reasonAgreement() {
            return pct(rows.stream().filter(Row::reasonOk).count(), rows.size());
        }

        public double hardAgreement() {
            return pct(rows.stream().filter(Row::hardOk).count(), rows.size());
        }

        public double recipientAgreement() {
            return pct(rows.stream().filter(Row::recipientOk).count(), rows.size());
        }

        /** The report: per-reason lines, optional mismatches, and the summary line last. */
        public String report(boolean listMismatches) {
            StringBuilder sb = new StringBuilder();
            Map<String, List<Row>> byReason = new TreeMap<>();
            for (Row r : rows) {
                byReason.computeIfAbsent(r.expectedReason(), k -> new ArrayList<>())
                        .add(r);
            }
            sb.append(
                    String.format(Locale.ROOT, "%-16s %5s %8s %8s %8s%n", "reason", "rows", "reason", "hard", "rcpt"));
            byReason.forEach((reason, list) -> sb.append(String.format(
                    Locale.ROOT,
                    "%-16s %5d %7.1f%% %7.1f%% %7.1f%%%n",
                    reason,
                    list.size(),
                    new Result(list).reasonAgreement(),
                    new Result(list).hardAgreement(),
                    new Result(list).recipientAgreement())));
            if (listMismatches) {
                sb.append("mismatches:\n");
                for (Row r : rows) {
                    if (!r.reasonOk() || !r.hardOk() || !r.recipientOk()) {
                        sb.append(String.format(
                                Locale.ROOT,
                                "  %s#%d expected %s/%s/%s got %s/%s/%s%n",
                                r.file(),
                                r.index(),
                                r.expectedReason(),
                                r.expectedHard(),
                                r.expectedRecipient(),
                                r.actualReason(),
                                r.actualHard(),
                                r.actualRecipient()));
                    }
                }
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "overall: exact reason %.1f%%, hard/soft %.1f%%, recipient %.1f%% over %d rows%n",
                    reasonAgreement(),
                    hardAgreement(),
                    recipientAgreement(),
                    size()));
            sb.append(String.format(
                    Locale.ROOT,
                    "reason=%.1f%% hardbounce=%.1f%% recipient=%.1f%% rows=%d",
                    reasonAgreement(),
                    hardAgreement(),
                    recipientAgreement(),
                    size()));
            return sb.toString();
        }

        private static double pct(long ok, int total) {
            return total == 0 ? 0.0 : 100.0 * ok / total;
        }
    }

    /** Parses every sample named in {@code dir/expected.jsonl} and compares. */
    public Result score(Path dir) {
        Map<String, List<JsonNode>> byFile = new LinkedHashMap<>();
        try (BufferedReader in = Files.newBufferedReader(dir.resolve("expected.jsonl"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row = JSON.readTree(line);
                byFile.computeIfAbsent(row.path("file").asText(), k -> new ArrayList<>())
                        .add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("expected.jsonl"), e);
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<JsonNode>> e : byFile.entrySet()) {
            Path file = dir.resolve("emails").resolve(e.getKey());
            List<BouncedRecipient> got;
            try {
                BounceReport report = parser.parse(Files.readAllBytes(file));
                got = report.recipients();
            } catch (IOException ex) {
                got = List.of();
            }
            for (JsonNode expected : e.getValue()) {
                rows.add(compare(e.getKey(), expected, got));
            }
        }
        return new Result(rows);
    }

    private static Row compare(String file, JsonNode exp, List<BouncedRecipient> got) {
        int index = exp.path("index").asInt(1);
        String expRecipient = exp.path("recipient").asText("");
        List<String> recipients = new ArrayList<>();
        recipients.add(expRecipient);
        exp.path("recipient_alternatives").forEach(n -> recipients.add(n.asText()));
        BouncedRecipient match = null;
        for (BouncedRecipient b : got) {
            for (String r : recipients) {
                if (b.recipient().equalsIgnoreCase(r)) {
                    match = b;
                    break;
                }
            }
            if (match != null) {
                break;
            }
        }
        boolean recipientOk = match != null;
        if (match == null && index - 1 < got.size()) {
            match = got.get(index - 1);
        }
        if (!recipientOk && expRecipient.toLowerCase(Locale.ROOT).endsWith(".invalid")) {
            recipientOk = match == null || match.recipient().isBlank();
        }
        List<String> reasons = new ArrayList<>(List.of(exp.path("reason").asText("")));
        List<Boolean> hards = new ArrayList<>(List.of(exp.path("hardbounce").asBoolean(false)));
        JsonNode differs = exp.path("p5_table_differs");
        if (differs.has("reason")) {
            reasons.add(differs.path("reason").asText());
        }
        if (differs.has("hardbounce")) {
            hards.add(differs.path("hardbounce").asBoolean());
        }
        String actualReason = match == null ? "" : match.reason().id();
        boolean reasonOk = false;
        for (String r : reasons) {
            reasonOk |= same(r, actualReason);
        }
        boolean actualHard = match != null && match.hard();
        boolean hardOk =
                match != null ? hards.contains(actualHard) : hards.contains(false) && reasons.contains("undefined");
        return new Row(
                file,
                index,
                reasons.getFirst(),
                actualReason,
                reasonOk,
                hards.getFirst(),
                actualHard,
                hardOk,
                expRecipient,
                match == null ? "" : match.recipient(),
                recipientOk);
    }

    private static boolean same(String expected, String actual) {
        String e = expected.equals("emailtoolarge") ? "mesgtoobig" : expected;
        String a = actual.equals("emailtoolarge") ? "mesgtoobig" : actual;
        return e.equals(a);
    }
}
