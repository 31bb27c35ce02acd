package dev.tern.bounce.classify;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * The YAML form of a rules file (see the module README for the format).
 *
 * @param vocabulary   named lists of regular expressions (case-insensitive, matched against the
 *                     reply text with whitespace collapsed)
 * @param rules        ordered rules; the first that matches decides
 * @param statusCodes  fallback: exact enhanced status code to reason
 * @param subjectCodes fallback: {@code class.subject} prefix (e.g. {@code 5.7}) to reason
 * @param commandCodes fallback after the status tables: {@code COMMAND:class} (e.g. {@code RCPT:5},
 *                     {@code CONN:4}) to reason, the basic reply class read with the command it answered
 * @param replyCodes   last fallback: basic reply code to reason
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record RulesFile(
        Map<String, List<String>> vocabulary,
        List<RuleSpec> rules,
        Map<String, String> statusCodes,
        Map<String, String> subjectCodes,
        Map<String, String> commandCodes,
        Map<String, String> replyCodes) {

    public RulesFile {
        vocabulary = vocabulary == null ? Map.of() : vocabulary;
        rules = rules == null ? List.of() : rules;
        statusCodes = statusCodes == null ? Map.of() : statusCodes;
        subjectCodes = subjectCodes == null ? Map.of() : subjectCodes;
        commandCodes = commandCodes == null ? Map.of() : commandCodes;
        replyCodes = replyCodes == null ? Map.of() : replyCodes;
    }

    /**
     * One rule. All conditions given must hold; absent conditions are ignored.
     *
     * @param id          unique name, reported in {@link dev.tern.bounce.Classification#ruleId()}
     * @param reason      the reason it assigns (sisimai name)
     * @param status      regex on the enhanced status code ("" when none)
     * @param code        regex on the basic reply code ("" when none)
     * @param match       vocabulary names; the text must match one of them
     * @param text        inline regexes; the text must match one of them
     * @param unless      vocabulary names that veto the rule when the text matches them
     * @param unlessText  inline regexes that veto the rule
     * @param commands    the rule applies only when the answered command is one of these
     * @param notCommands the rule does not apply when the answered command is one of these
     * @param rhost       regex on the remote host (lower case); the rule applies only to that provider
     */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record RuleSpec(
            String id,
            String reason,
            String status,
            String code,
            List<String> match,
            List<String> text,
            List<String> unless,
            List<String> unlessText,
            List<String> commands,
            List<String> notCommands,
            String rhost) {}
}
