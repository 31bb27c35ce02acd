package dev.tern.bounce.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.classify.ReplyClassifier;
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
            boolean recipientOk,
            String family,
            String rule,
            String decoder) {}

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

        /** Rows classified {@code onhold} (nothing in the code, command or text said anything). */
        public long onhold() {
            return rows.stream().filter(r -> r.actualReason().equals("onhold")).count();
        }

        /** Rows per MTA/provider family. */
        public Map<String, Result> byFamily() {
            Map<String, List<Row>> by = new TreeMap<>();
            for (Row r : rows) {
                by.computeIfAbsent(r.family(), k -> new ArrayList<>()).add(r);
            }
            Map<String, Result> out = new LinkedHashMap<>();
            by.forEach((k, v) -> out.put(k, new Result(v)));
            return out;
        }

        /** One line per family: rows, reason, hard/soft and recipient agreement, onhold rows. */
        public String familyReport() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(
                    Locale.ROOT, "%-18s %5s %8s %8s %8s %6s%n", "family", "rows", "reason", "hard", "rcpt", "onhold"));
            byFamily()
                    .forEach((family, r) -> sb.append(String.format(
                            Locale.ROOT,
                            "%-18s %5d %7.1f%% %7.1f%% %7.1f%% %6d%n",
                            family,
                            r.size(),
                            r.reasonAgreement(),
                            r.hardAgreement(),
                            r.recipientAgreement(),
                            r.onhold())));
            return sb.toString();
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
                                "  %s#%d expected %s/%s/%s got %s/%s/%s (%s)%n",
                                r.file(),
                                r.index(),
                                r.expectedReason(),
                                r.expectedHard(),
                                r.expectedRecipient(),
                                r.actualReason(),
                                r.actualHard(),
                                r.actualRecipient(),
                                r.rule()));
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
            sb.append(String.format(Locale.ROOT, "onhold: %d of %d rows%n", onhold(), size()));
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
        return score(dir, family -> true);
    }

    /** Like {@link #score(Path)}, for the rows whose family {@code families} accepts. */
    public Result score(Path dir, java.util.function.Predicate<String> families) {
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
            String family = family(e.getKey(), e.getValue().getFirst());
            if (!families.test(family)) {
                continue;
            }
            Path file = dir.resolve("emails").resolve(e.getKey());
            List<BouncedRecipient> got = new ArrayList<>();
            String decoder = "";
            try {
                for (BounceReport report : parser.parseAll(Files.readAllBytes(file))) {
                    got.addAll(report.recipients());
                    decoder = decoder.isEmpty() ? report.decoder() : decoder;
                }
            } catch (IOException ex) {
                got = List.of();
            }
            for (JsonNode expected : e.getValue()) {
                rows.add(compare(e.getKey(), expected, got, family, decoder));
            }
        }
        return new Result(rows);
    }

    /**
     * The MTA/provider family of a sample: the row's {@code engine} (what produced the bounce) when
     * the corpus gives it, else the file name without its number ({@code lhost-postfix-01.eml} ->
     * {@code postfix}).
     */
    static String family(String file, JsonNode row) {
        String engine = row.path("engine").asText("");
        if (!engine.isBlank()) {
            return engine.toLowerCase(Locale.ROOT);
        }
        String name = file.substring(file.lastIndexOf('/') + 1).replaceFirst("\\.[a-z]+$", "");
        name = name.replaceFirst("-\\d+$", "").replaceFirst("^lhost-", "");
        return name.toLowerCase(Locale.ROOT);
    }

    /**
     * Leave-one-family-out: for each family, the rules that decided rows of that family and of no other,
     * and the decoders that read its reports, are switched off and the family is scored again (the
     * generic RFC 3464 / text reading takes its reports). A family that loses much depends on rules
     * that only its own samples exercise, which is what a rule fitted to samples looks like, or on its
     * decoder, which is what an MTA without one would get.
     *
     * @param classifier the classifier to check (its {@link ReplyClassifier#withoutRules} copies are used)
     */
    public static LeaveOneOut leaveOneFamilyOut(Path dir, ReplyClassifier classifier) {
        Result full = new CorpusScorer(new BounceParser(classifier, new ArfParser())).score(dir);
        Map<String, java.util.Set<String>> familiesOfRule = new java.util.HashMap<>();
        for (Row r : full.rows()) {
            if (isOrderedRule(r.rule())) {
                familiesOfRule
                        .computeIfAbsent(r.rule(), k -> new java.util.TreeSet<>())
                        .add(r.family());
            }
        }
        List<Row> heldOut = new ArrayList<>();
        Map<String, String> lines = new LinkedHashMap<>();
        for (Map.Entry<String, Result> e : full.byFamily().entrySet()) {
            String family = e.getKey();
            java.util.Set<String> own = new java.util.TreeSet<>();
            familiesOfRule.forEach((rule, fams) -> {
                if (fams.size() == 1 && fams.contains(family)) {
                    own.add(rule);
                }
            });
            // the family's decoders too: as if no decoder had been written for this MTA
            java.util.Set<String> decoders = new java.util.TreeSet<>();
            for (Row r : e.getValue().rows()) {
                if (!r.decoder().isEmpty()) {
                    decoders.add(r.decoder());
                }
            }
            Result without = own.isEmpty() && decoders.isEmpty()
                    ? e.getValue()
                    : new CorpusScorer(new BounceParser(classifier.withoutRules(own), new ArfParser())
                                    .withoutDecoders(decoders))
                            .score(dir, family::equals);
            if (!decoders.isEmpty()) {
                own.add("decoders:" + String.join("+", decoders));
            }
            heldOut.addAll(without.rows());
            lines.put(
                    family,
                    String.format(
                            Locale.ROOT,
                            "%-18s %5d reason %5.1f%% -> %5.1f%%  hard %5.1f%% -> %5.1f%%  own rules %s",
                            family,
                            e.getValue().size(),
                            e.getValue().reasonAgreement(),
                            without.reasonAgreement(),
                            e.getValue().hardAgreement(),
                            without.hardAgreement(),
                            own.isEmpty() ? "-" : String.join(",", own)));
        }
        return new LeaveOneOut(full, new Result(heldOut), lines);
    }

    private static boolean isOrderedRule(String rule) {
        return !rule.isEmpty()
                && !rule.equals("fallback")
                && !rule.contains(":")
                && !rule.equals("arf")
                && !rule.equals("auto-reply")
                && !rule.equals("ses-complaint");
    }

    /**
     * The leave-one-family-out result.
     *
     * @param full    the normal score
     * @param heldOut every family scored without the rules only it exercises
     * @param lines   one line per family
     */
    public record LeaveOneOut(Result full, Result heldOut, Map<String, String> lines) {
        /** Per-family lines, then {@code lofo reason=..% hardbounce=..% recipient=..% rows=N}. */
        public String report() {
            StringBuilder sb = new StringBuilder();
            lines.values().forEach(l -> sb.append(l).append('\n'));
            sb.append(String.format(
                    Locale.ROOT,
                    "lofo reason=%.1f%% hardbounce=%.1f%% recipient=%.1f%% rows=%d (full: reason=%.1f%%)",
                    heldOut.reasonAgreement(),
                    heldOut.hardAgreement(),
                    heldOut.recipientAgreement(),
                    heldOut.size(),
                    full.reasonAgreement()));
            return sb.toString();
        }
    }

    private static Row compare(String file, JsonNode exp, List<BouncedRecipient> got, String family, String decoder) {
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
                recipientOk,
                family,
                match == null ? "" : match.rule(),
                decoder);
    }

    private static boolean same(String expected, String actual) {
        String e = expected.equals("emailtoolarge") ? "mesgtoobig" : expected;
        String a = actual.equals("emailtoolarge") ? "mesgtoobig" : actual;
        return e.equals(a);
    }
}
