package dev.tern.bounce.fuzz;

import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import dev.tern.bounce.mime.MimeParser;
import dev.tern.bounce.mime.MimePart;
import java.util.regex.Pattern;

/**
 * Fuzz target for returned-mail parsing: the MIME parser, RFC 3464 DSNs, the non-standard formats whose
 * recipients are extracted from the human-readable text, and the classification of each recipient.
 * Properties: {@link MimeParser#parse(byte[])} never throws; {@link BounceParser#parse(byte[])} never
 * throws, is deterministic, and every reported recipient is complete (a non-blank address, a status that is
 * empty or an RFC 3463 code, a reply code that is 0 or an SMTP code, a reason and class).
 */
public final class DsnFuzzTarget {
    /** Runs of the bounded (fixed-seed) campaign of the test suite: sized to this target's speed. */
    static final int CAMPAIGN_RUNS = 100;

    /** Seeds: the bounce and ARF corpora the classifier tests use. */
    static final String[] MORE_SEEDS = {"/corpora/bounces/emails", "/corpora/arf"};
    /** Jazzer's regex-injection hook slows every (constant) pattern here by orders of magnitude. */
    static final String[] JAZZER_ARGS = {"--disabled_hooks=com.code_intelligence.jazzer.sanitizers.RegexInjection"};

    private static final BounceParser PARSER = BounceParser.shipped();
    private static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    private DsnFuzzTarget() {}

    /** Called by Jazzer once before fuzzing: class initialization (rules, keys, instrumentation) is not timed. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput(new byte[0]);
    }

    public static void fuzzerTestOneInput(byte[] mail) {
        MimePart root = MimeParser.parse(mail);
        if (root == null) {
            throw new IllegalStateException("MimeParser returned null");
        }
        BounceReport report = PARSER.parse(mail);
        if (report == null
                || report.kind() == null
                || report.recipients() == null
                || report.originalHeaders() == null) {
            throw new IllegalStateException("incomplete report: " + report);
        }
        for (BouncedRecipient r : report.recipients()) {
            if (r.recipient() == null
                    || r.recipient().isBlank()
                    || r.action() == null
                    || r.status() == null
                    || r.command() == null
                    || r.remoteMta() == null
                    || r.diagnosticType() == null
                    || r.diagnosticCode() == null
                    || r.reason() == null
                    || r.bounceClass() == null) {
                throw new IllegalStateException("incomplete recipient: " + r);
            }
            if (!r.status().isEmpty() && !STATUS.matcher(r.status()).matches()) {
                throw new IllegalStateException("status is not an enhanced status code: " + r);
            }
            if (r.replyCode() != 0 && (r.replyCode() < 200 || r.replyCode() > 599)) {
                throw new IllegalStateException("reply code out of range: " + r);
            }
        }
        BounceReport again = PARSER.parse(mail);
        if (!report.equals(again)) {
            throw new IllegalStateException("not deterministic:\n" + report + "\n" + again);
        }
    }
}
