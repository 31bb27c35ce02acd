package dev.tern.bounce.dsn;

import java.util.List;
import java.util.Map;

/**
 * The result of parsing one returned mail.
 *
 * @param kind            what kind of mail it was
 * @param recipients      one entry per failed (or reported) recipient, in the order the mail lists them
 * @param originalHeaders headers of the returned original message (first value per name), possibly empty
 * @param ternId          the original message's Tern id (from {@code X-Tern-Id}), or null
 * @param feedbackType    ARF feedback type when {@code kind} is {@link Kind#FEEDBACK}, else null
 * @param decoder         the MTA family whose decoder read the report ({@code postfix}, {@code exim}, ...), or ""
 *                        when the generic RFC 3464 / text reading did
 */
public record BounceReport(
        Kind kind,
        List<BouncedRecipient> recipients,
        Map<String, String> originalHeaders,
        String ternId,
        String feedbackType,
        String decoder) {

    /** Kinds of returned mail. */
    public enum Kind {
        /** RFC 3464 delivery status notification. */
        DSN,
        /** A non-standard bounce understood from its human-readable text. */
        NON_STANDARD,
        /** A feedback-loop (ARF or similar) complaint. */
        FEEDBACK,
        /** An automatic reply (RFC 3834, vacation). */
        AUTO_REPLY,
        /** Nothing recognisable. */
        UNKNOWN
    }

    public BounceReport {
        recipients = List.copyOf(recipients);
        originalHeaders = Map.copyOf(originalHeaders);
        decoder = decoder == null ? "" : decoder;
    }

    /** A report read without a family decoder. */
    public BounceReport(
            Kind kind,
            List<BouncedRecipient> recipients,
            Map<String, String> originalHeaders,
            String ternId,
            String feedbackType) {
        this(kind, recipients, originalHeaders, ternId, feedbackType, "");
    }
}
