package dev.tern.bounce.fuzz;

import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.arf.FeedbackReport;
import dev.tern.bounce.verp.VerpCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzz target for feedback-loop reports (RFC 5965 ARF, JMRP-style complaints, unsubscribe replies).
 * Properties: {@link ArfParser#parse(byte[])} never throws; a report has its lists and maps, non-blank
 * recipients, a non-negative incident count; a VERP local part it reports has the {@code b-} prefix, and
 * when it is a valid token the report has a Tern id.
 */
public final class ArfFuzzTarget {
    static final String[] MORE_SEEDS = {"/corpora/arf"};
    static final VerpCodec VERP =
            new VerpCodec(Map.of('a', "fuzz-secret-0123456789".getBytes(StandardCharsets.UTF_8)), 'a');
    private static final ArfParser PARSER = new ArfParser(VERP);

    private ArfFuzzTarget() {}

    /** Called by Jazzer once before fuzzing: class initialization (rules, keys, instrumentation) is not timed. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput(new byte[0]);
    }

    public static void fuzzerTestOneInput(byte[] mail) {
        Optional<FeedbackReport> parsed = PARSER.parse(mail);
        if (parsed == null) {
            throw new IllegalStateException("null instead of empty");
        }
        if (parsed.isEmpty()) {
            return;
        }
        FeedbackReport r = parsed.get();
        if (r.originalRcptTo() == null
                || r.reportedDomains() == null
                || r.authenticationResults() == null
                || r.fields() == null
                || r.originalHeaders() == null
                || r.recipients() == null
                || r.incidents() < 0) {
            throw new IllegalStateException("incomplete report: " + r);
        }
        for (String rcpt : r.recipients()) {
            if (rcpt == null || rcpt.isBlank()) {
                throw new IllegalStateException("blank recipient: " + r);
            }
        }
        if (r.verpLocalPart() != null) {
            if (!r.verpLocalPart().regionMatches(true, 0, VerpCodec.PREFIX, 0, 2)) {
                throw new IllegalStateException("VERP local part without the b- prefix: " + r.verpLocalPart());
            }
            var decoded = VERP.decode(r.verpLocalPart());
            if (decoded.isPresent() && r.ternId() == null) {
                throw new IllegalStateException("a valid VERP token gave no Tern id: " + r.verpLocalPart());
            }
        }
    }
}
