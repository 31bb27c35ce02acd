package dev.tern.bounce.classify;

import java.util.ArrayList;
import java.util.List;

/**
 * The literal text a regular expression cannot match without: for each top-level branch, its longest run
 * of consecutive mandatory literal characters (ASCII letters lower-cased, for patterns compiled with
 * {@code CASE_INSENSITIVE} and matched against lower-cased text). Every match of the expression contains
 * one of the returned strings, so text containing none of them cannot match. Anything this reader is not
 * sure about (inline flags, {@code \Q}, unusual escapes, a branch without a literal) gives {@code null}:
 * no anchor, always run the expression.
 */
final class LiteralAnchors {
    private static final String CLASS_ESCAPES = "sSdDwWbBhHvV";

    private LiteralAnchors() {}

    /** One literal per top-level branch of {@code regex}, or null when it cannot tell. */
    static List<String> of(String regex) {
        if (regex.contains("\\Q") || hasInlineFlags(regex)) {
            return null;
        }
        List<String> branches = branches(regex);
        if (branches == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String b : branches) {
            String a = longestRun(b);
            if (a == null || a.isEmpty()) {
                return null;
            }
            out.add(a);
        }
        return out;
    }

    private static boolean hasInlineFlags(String regex) {
        for (int i = regex.indexOf("(?"); i >= 0; i = regex.indexOf("(?", i + 1)) {
            char next = i + 2 < regex.length() ? regex.charAt(i + 2) : ':';
            if (Character.isLetter(next)
                    || next == '-'
                    || next == '<' && i + 3 < regex.length() && Character.isLetter(regex.charAt(i + 3))) {
                return true; // (?i), (?-i), (?x:...), or a named group (?<name>...)
            }
        }
        return false;
    }

    private static List<String> branches(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '[') {
                i = closeClass(s, i);
            } else if (c == '(') {
                i = closeGroup(s, i);
            } else {
                if (c == '|') {
                    out.add(s.substring(start, i));
                    start = i + 1;
                }
                i++;
            }
            if (i < 0) {
                return null;
            }
        }
        if (i > s.length()) {
            return null; // a trailing backslash
        }
        out.add(s.substring(start));
        return out;
    }

    private static String longestRun(String s) {
        String best = "";
        StringBuilder run = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            char literal;
            switch (c) {
                case '\\' -> {
                    if (i + 1 >= s.length()) {
                        return null;
                    }
                    char d = s.charAt(i + 1);
                    if (Character.isLetterOrDigit(d)) {
                        if (CLASS_ESCAPES.indexOf(d) < 0) {
                            return null; // \x41, \u00e9, \0, \p{..}, \k<..>, back-references: not worth reading
                        }
                        best = longer(best, run);
                        i = skipQuantifier(s, i + 2);
                        if (i < 0) {
                            return null;
                        }
                        continue;
                    }
                    literal = d;
                    i += 2;
                }
                case '(', '[', '.', '^', '$' -> {
                    best = longer(best, run);
                    i = c == '(' ? closeGroup(s, i) : c == '[' ? closeClass(s, i) : i + 1;
                    i = i < 0 ? -1 : skipQuantifier(s, i);
                    if (i < 0) {
                        return null;
                    }
                    continue;
                }
                case '?', '*', '+', '{', ')', ']', '}', '|' -> {
                    return null; // a dangling quantifier or bracket: leave it to the regex engine
                }
                default -> {
                    literal = c;
                    i++;
                }
            }
            char lower = literal < 128 ? Character.toLowerCase(literal) : literal;
            char q = i < s.length() ? s.charAt(i) : 0;
            if (q == '?' || q == '*' || q == '{') { // optional or counted: not a mandatory part of the run
                best = longer(best, run);
                i = skipQuantifier(s, i);
                if (i < 0) {
                    return null;
                }
            } else if (q == '+') { // once for sure, but what follows is not adjacent to it
                run.append(lower);
                best = longer(best, run);
                i = skipQuantifier(s, i);
            } else {
                run.append(lower);
            }
        }
        return longer(best, run);
    }

    private static String longer(String best, StringBuilder run) {
        String r = run.toString();
        run.setLength(0);
        return r.length() > best.length() ? r : best;
    }

    /** Index after a quantifier (and its lazy/possessive mark) at {@code i}, {@code i} when there is none, -1 when malformed. */
    private static int skipQuantifier(String s, int i) {
        if (i >= s.length()) {
            return i;
        }
        char q = s.charAt(i);
        if (q == '?' || q == '*' || q == '+') {
            i++;
        } else if (q == '{') {
            int close = s.indexOf('}', i);
            if (close < 0) {
                return -1;
            }
            i = close + 1;
        } else {
            return i;
        }
        if (i < s.length() && (s.charAt(i) == '?' || s.charAt(i) == '+')) {
            i++;
        }
        return i;
    }

    /** Index after the group opening at {@code open}, or -1 when it is not closed. */
    private static int closeGroup(String s, int open) {
        int depth = 0;
        int i = open;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '[') {
                i = closeClass(s, i);
                if (i < 0) {
                    return -1;
                }
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return -1;
    }

    /** Index after the character class opening at {@code open}, or -1 when it is not closed or unusual. */
    private static int closeClass(String s, int open) {
        int i = open + 1;
        if (i < s.length() && s.charAt(i) == '^') {
            i++;
        }
        if (i < s.length() && s.charAt(i) == ']') {
            return -1;
        }
        int depth = 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return -1;
    }
}
