package dev.tern.bounce.classify;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tern.bounce.Classification;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Classifies SMTP replies into a {@link Classification} using rules that are data: the shipped
 * {@code dev/tern/bounce/rules.yaml} plus optional operator rules files, which are loaded first (so
 * their rules win) and can be reloaded at run time. Thread-safe; {@link #reload()} swaps the rules
 * atomically and keeps the old ones when the new files are invalid.
 */
public final class ReplyClassifier {
    /** Classpath location of the shipped rules. */
    public static final String SHIPPED_RULES = "/dev/tern/bounce/rules.yaml";

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final RulesFile SHIPPED = loadShipped();
    private static final ReplyClassifier DEFAULT = new ReplyClassifier(List.of());

    private final List<Path> operatorFiles;
    private final boolean fixed;
    private volatile RuleSet rules;

    private ReplyClassifier(List<Path> operatorFiles) {
        this.operatorFiles = List.copyOf(operatorFiles);
        this.fixed = false;
        this.rules = build();
    }

    private ReplyClassifier(RuleSet fixed) {
        this.operatorFiles = List.of();
        this.fixed = true;
        this.rules = fixed;
    }

    /**
     * A fixed copy of this classifier without the ordered rules named in {@code ruleIds}: what the
     * classifier would say had those rules never been written (the scorer's leave-one-family-out check).
     */
    public ReplyClassifier withoutRules(java.util.Set<String> ruleIds) {
        return new ReplyClassifier(rules.without(ruleIds));
    }

    /** The classifier with the shipped rules only (shared instance). */
    public static ReplyClassifier shipped() {
        return DEFAULT;
    }

    /**
     * A classifier with operator rules files (highest priority first) ahead of the shipped rules.
     *
     * @throws RuleLoadException naming the file and key when a file is unreadable or invalid
     */
    public static ReplyClassifier withOperatorRules(List<Path> operatorFiles) {
        return new ReplyClassifier(operatorFiles);
    }

    /** Re-reads the operator files; on error the current rules stay in force and the error is thrown. */
    public void reload() {
        if (fixed) {
            return; // a fixed copy (withoutRules) has nothing to re-read
        }
        this.rules = build();
    }

    /** The rules in force. */
    public RuleSet rules() {
        return rules;
    }

    /** Classifies one reply. */
    public Classification classify(SmtpReply reply) {
        return rules.classify(reply);
    }

    /** Convenience: classifies {@code code enhanced text} answering {@code command} (each may be null). */
    public Classification classify(int code, String enhancedStatus, String text, String command) {
        return rules.classify(new SmtpReply(code, enhancedStatus, text, command));
    }

    private RuleSet build() {
        List<RulesFile> files = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Path p : operatorFiles) {
            files.add(read(p));
            labels.add(p.toString());
        }
        files.add(SHIPPED);
        labels.add("shipped rules.yaml");
        return RuleSet.compile(files, labels);
    }

    /** Parses one rules file. */
    public static RulesFile read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new RuleLoadException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static RulesFile parse(InputStream in, String label) {
        try {
            RulesFile f = YAML.readValue(in, RulesFile.class);
            return f == null ? new RulesFile(null, null, null, null, null, null) : f;
        } catch (IOException e) {
            throw new RuleLoadException(label + ": " + e.getMessage(), e);
        }
    }

    private static RulesFile loadShipped() {
        try (InputStream in = ReplyClassifier.class.getResourceAsStream(SHIPPED_RULES)) {
            if (in == null) {
                throw new IllegalStateException("missing " + SHIPPED_RULES);
            }
            return parse(in, SHIPPED_RULES);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
