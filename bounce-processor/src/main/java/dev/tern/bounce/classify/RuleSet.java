package dev.tern.bounce.classify;

import dev.tern.bounce.Classification;
import dev.tern.bounce.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Compiled, immutable rules. The order of evidence: the ordered rules (provider rules keyed on the
 * remote host come first in the shipped file, then the reason vocabularies), then the RFC 3463
 * enhanced status table (exact code, then class.subject), then the basic reply class read with the
 * SMTP command it answered, then the basic reply code; {@code onhold} only when none of these says
 * anything about a non-empty text ({@code undefined} for no text at all).
 */
public final class RuleSet {
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private final String[] vocabNames;
    private final Pattern[] vocab;
    private final TermSet[] vocabTerms;
    private final List<Rule> rules;
    private final Map<String, Reason> statusCodes;
    private final Map<String, Reason> subjectCodes;
    private final Map<String, Reason> commandCodes;
    private final Map<String, Reason> replyCodes;
    private final Pattern[] rhosts; // distinct provider host patterns; Rule.rhost indexes them (-1: none)

    private record Rule(
            String id,
            Reason reason,
            Pattern status,
            Pattern code,
            int[] match,
            TermSet text,
            int[] unless,
            TermSet unlessText,
            Set<String> commands,
            Set<String> notCommands,
            int rhost) {}

    private RuleSet(
            String[] vocabNames,
            Pattern[] vocab,
            TermSet[] vocabTerms,
            List<Rule> rules,
            Map<String, Reason> statusCodes,
            Map<String, Reason> subjectCodes,
            Map<String, Reason> commandCodes,
            Map<String, Reason> replyCodes,
            Pattern[] rhosts) {
        this.vocabNames = vocabNames;
        this.vocab = vocab;
        this.vocabTerms = vocabTerms;
        this.rules = List.copyOf(rules);
        this.statusCodes = Map.copyOf(statusCodes);
        this.subjectCodes = Map.copyOf(subjectCodes);
        this.commandCodes = Map.copyOf(commandCodes);
        this.replyCodes = Map.copyOf(replyCodes);
        this.rhosts = rhosts;
    }

    /** These rules without the ordered rules named in {@code ids} (code tables unchanged). */
    public RuleSet without(Set<String> ids) {
        List<Rule> kept = new ArrayList<>();
        for (Rule r : rules) {
            if (!ids.contains(r.id)) {
                kept.add(r);
            }
        }
        return new RuleSet(
                vocabNames, vocab, vocabTerms, kept, statusCodes, subjectCodes, commandCodes, replyCodes, rhosts);
    }

    /** Ids of the ordered rules, in order. */
    public List<String> ruleIds() {
        return rules.stream().map(Rule::id).toList();
    }

    /** Number of ordered rules. */
    public int size() {
        return rules.size();
    }

    /** Vocabulary names, in definition order. */
    public List<String> vocabularyNames() {
        return List.of(vocabNames);
    }

    /**
     * Merges and compiles rules files; earlier files come first (their rules are tried first, their
     * code table entries win, their vocabulary terms are added to same-named vocabularies).
     *
     * @param files  parsed files, highest priority first
     * @param labels a name per file for error messages
     */
    public static RuleSet compile(List<RulesFile> files, List<String> labels) {
        Map<String, List<String>> vocabTerms = new LinkedHashMap<>();
        for (RulesFile f : files) {
            f.vocabulary()
                    .forEach((k, v) -> vocabTerms
                            .computeIfAbsent(k, x -> new ArrayList<>())
                            .addAll(v == null ? List.of() : v));
        }
        String[] names = vocabTerms.keySet().toArray(String[]::new);
        Pattern[] patterns = new Pattern[names.length];
        TermSet[] termSets = new TermSet[names.length];
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            index.put(names[i], i);
            patterns[i] = alternation(vocabTerms.get(names[i]), "vocabulary." + names[i]);
            termSets[i] = TermSet.of(vocabTerms.get(names[i]));
        }
        List<Rule> rules = new ArrayList<>();
        Map<String, Integer> rhostIndex = new LinkedHashMap<>();
        List<Pattern> rhostPatterns = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Map<String, Reason> status = new HashMap<>();
        Map<String, Reason> subject = new HashMap<>();
        Map<String, Reason> command = new HashMap<>();
        Map<String, Reason> reply = new HashMap<>();
        for (int f = 0; f < files.size(); f++) {
            String label = labels.get(f);
            RulesFile file = files.get(f);
            for (int r = 0; r < file.rules().size(); r++) {
                RulesFile.RuleSpec s = file.rules().get(r);
                String where = label + ": rules[" + r + "]" + (s.id() == null ? "" : " (" + s.id() + ")");
                if (s.id() == null || s.id().isBlank()) {
                    throw new RuleLoadException(where + ".id is missing");
                }
                if (!ids.add(s.id())) {
                    continue; // an operator rule with the same id replaces the shipped one
                }
                Reason reason = Reason.parse(s.reason())
                        .orElseThrow(
                                () -> new RuleLoadException(where + ".reason: unknown reason '" + s.reason() + "'"));
                rules.add(new Rule(
                        s.id(),
                        reason,
                        regex(s.status(), where + ".status"),
                        regex(s.code(), where + ".code"),
                        vocabRefs(s.match(), index, where + ".match"),
                        terms(s.text(), where + ".text"),
                        vocabRefs(s.unless(), index, where + ".unless"),
                        terms(s.unlessText(), where + ".unlessText"),
                        upper(s.commands()),
                        upper(s.notCommands()),
                        rhostRef(s.rhost(), where + ".rhost", rhostIndex, rhostPatterns)));
            }
            putCodes(file.statusCodes(), status, label + ": statusCodes");
            putCodes(file.subjectCodes(), subject, label + ": subjectCodes");
            putCodes(file.commandCodes(), command, label + ": commandCodes");
            putCodes(file.replyCodes(), reply, label + ": replyCodes");
        }
        return new RuleSet(
                names,
                patterns,
                termSets,
                rules,
                status,
                subject,
                command,
                reply,
                rhostPatterns.toArray(Pattern[]::new));
    }

    private static int rhostRef(String re, String where, Map<String, Integer> index, List<Pattern> patterns) {
        Pattern p = regex(re, where);
        if (p == null) {
            return -1;
        }
        return index.computeIfAbsent(re, k -> {
            patterns.add(p);
            return patterns.size() - 1;
        });
    }

    private static void putCodes(Map<String, String> in, Map<String, Reason> out, String where) {
        in.forEach((k, v) -> {
            Reason reason = Reason.parse(v)
                    .orElseThrow(() -> new RuleLoadException(where + "." + k + ": unknown reason '" + v + "'"));
            out.putIfAbsent(k.trim(), reason);
        });
    }

    private static Set<String> upper(List<String> in) {
        if (in == null || in.isEmpty()) {
            return null;
        }
        Set<String> out = new HashSet<>();
        for (String s : in) {
            out.add(s.trim().toUpperCase(Locale.ROOT));
        }
        return Set.copyOf(out);
    }

    private static int[] vocabRefs(List<String> refs, Map<String, Integer> index, String where) {
        if (refs == null || refs.isEmpty()) {
            return null;
        }
        int[] out = new int[refs.size()];
        for (int i = 0; i < refs.size(); i++) {
            Integer idx = index.get(refs.get(i));
            if (idx == null) {
                throw new RuleLoadException(where + ": unknown vocabulary '" + refs.get(i) + "'");
            }
            out[i] = idx;
        }
        return out;
    }

    private static Pattern regex(String re, String where) {
        if (re == null || re.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(re, Pattern.CASE_INSENSITIVE);
        } catch (RuntimeException e) {
            throw new RuleLoadException(where + ": invalid regular expression: " + e.getMessage(), e);
        }
    }

    private static TermSet terms(List<String> terms, String where) {
        if (terms == null || terms.isEmpty()) {
            return null;
        }
        alternation(terms, where); // validates each term
        return TermSet.of(terms);
    }

    private static Pattern alternation(List<String> terms, String where) {
        if (terms == null || terms.isEmpty()) {
            return Pattern.compile("(?!)");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < terms.size(); i++) {
            String t = terms.get(i);
            try {
                Pattern.compile(t);
            } catch (RuntimeException e) {
                throw new RuleLoadException(where + "[" + i + "]: invalid regular expression: " + e.getMessage(), e);
            }
            if (i > 0) {
                sb.append('|');
            }
            sb.append("(?:").append(t).append(')');
        }
        return Pattern.compile(sb.toString(), Pattern.CASE_INSENSITIVE);
    }

    /** Collapses whitespace and lower-cases, the form every pattern is matched against. */
    public static String normalize(String text) {
        if (text == null) {
            return "";
        }
        return SPACES.matcher(text).replaceAll(" ").trim().toLowerCase(Locale.ROOT);
    }

    /** True when the (normalized) text matches the named vocabulary; false for unknown names. */
    public boolean matchesVocabulary(String name, String normalizedText) {
        for (int i = 0; i < vocabNames.length; i++) {
            if (vocabNames[i].equals(name)) {
                return vocab[i].matcher(normalizedText).find();
            }
        }
        return false;
    }

    /** Classifies a reply. Never returns null. */
    public Classification classify(SmtpReply reply) {
        String text = normalize(reply.text());
        String status = reply.enhancedStatus() == null ? "" : reply.enhancedStatus();
        String code = reply.code() > 0 ? Integer.toString(reply.code()) : "";
        String command = reply.command();
        boolean temporary = reply.temporary();
        byte[] cache = new byte[vocab.length]; // 0 unknown, 1 no, 2 yes
        String rhost = reply.remoteHost();
        byte[] hostCache = rhost.isEmpty() ? null : new byte[rhosts.length]; // 0 unknown, 1 no, 2 yes
        for (Rule r : rules) {
            if (r.rhost >= 0 && !hostMatches(r.rhost, rhost, hostCache)) {
                continue;
            }
            if (r.status != null && !r.status.matcher(status).find()) {
                continue;
            }
            if (r.code != null && !r.code.matcher(code).find()) {
                continue;
            }
            if (r.commands != null && (command == null || !r.commands.contains(command))) {
                continue;
            }
            if (r.notCommands != null && command != null && r.notCommands.contains(command)) {
                continue;
            }
            if (r.match != null && !anyVocab(r.match, text, cache)) {
                continue;
            }
            if (r.text != null && !r.text.find(text)) {
                continue;
            }
            if (r.unless != null && anyVocab(r.unless, text, cache)) {
                continue;
            }
            if (r.unlessText != null && r.unlessText.find(text)) {
                continue;
            }
            return Classification.of(r.reason, temporary, r.id);
        }
        if (!status.isEmpty()) {
            Reason byStatus = statusCodes.get(status);
            if (byStatus != null) {
                return Classification.of(byStatus, temporary, "status:" + status);
            }
        }
        if (status.length() >= 3) {
            Reason bySubject = subjectCodes.get(status.substring(0, 3));
            if (bySubject != null) {
                return Classification.of(bySubject, temporary, "subject:" + status.substring(0, 3));
            }
        }
        char replyClass = code.isEmpty() ? (status.isEmpty() ? 0 : status.charAt(0)) : code.charAt(0);
        if (command != null && replyClass != 0) {
            String key = command + ":" + replyClass;
            Reason byCommand = commandCodes.get(key);
            if (byCommand != null) {
                return Classification.of(byCommand, temporary, "command:" + key);
            }
        }
        if (!code.isEmpty()) {
            Reason byCode = replyCodes.get(code);
            if (byCode != null) {
                return Classification.of(byCode, temporary, "reply:" + code);
            }
        }
        Reason last = text.isEmpty() ? Reason.UNDEFINED : Reason.ONHOLD;
        return Classification.of(last, temporary, "fallback");
    }

    private boolean hostMatches(int i, String host, byte[] cache) {
        if (cache == null) {
            return false;
        }
        if (cache[i] == 0) {
            cache[i] = (byte) (rhosts[i].matcher(host).find() ? 2 : 1);
        }
        return cache[i] == 2;
    }

    private boolean anyVocab(int[] refs, String text, byte[] cache) {
        for (int i : refs) {
            if (cache[i] == 0) {
                cache[i] = (byte) (vocabTerms[i].find(text) ? 2 : 1);
            }
            if (cache[i] == 2) {
                return true;
            }
        }
        return false;
    }
}
