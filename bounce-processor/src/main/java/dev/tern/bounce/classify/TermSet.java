package dev.tern.bounce.classify;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A list of regular expressions, any of which may match (a vocabulary, or a rule's {@code text}), tested
 * against lower-cased text. Each term is compiled on its own with the literal text that every match of it
 * must contain ({@link LiteralAnchors}); a term whose literal is absent from the text is not run at all.
 * This gives the same answer as one {@code (?:a)|(?:b)|...} alternation, whose {@code find} tries every
 * term at every position of the text and made classifying a few kilobytes take milliseconds.
 */
final class TermSet {
    private final Pattern[] patterns;
    private final String[][] anchors; // per term: one of these literals is in every match, or null

    private TermSet(Pattern[] patterns, String[][] anchors) {
        this.patterns = patterns;
        this.anchors = anchors;
    }

    /** Terms compiled case-insensitively, as valid regular expressions (the caller checked them). */
    static TermSet of(List<String> terms) {
        List<Pattern> patterns = new ArrayList<>();
        List<String[]> anchors = new ArrayList<>();
        for (String t : terms) {
            patterns.add(Pattern.compile(t, Pattern.CASE_INSENSITIVE));
            List<String> a = LiteralAnchors.of(t);
            anchors.add(a == null ? null : a.toArray(String[]::new));
        }
        return new TermSet(patterns.toArray(Pattern[]::new), anchors.toArray(String[][]::new));
    }

    /**
     * True when some term is found in {@code lowerText}, text with no upper-case ASCII letter (as
     * {@link RuleSet#normalize} makes it).
     */
    boolean find(String lowerText) {
        for (int i = 0; i < patterns.length; i++) {
            if (mayMatch(anchors[i], lowerText)
                    && patterns[i].matcher(lowerText).find()) {
                return true;
            }
        }
        return false;
    }

    private static boolean mayMatch(String[] anchors, String text) {
        if (anchors == null) {
            return true;
        }
        for (String a : anchors) {
            if (text.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
