package dev.tern.bounce.arf;

import java.util.List;
import java.util.Map;

/**
 * A feedback-loop report (RFC 5965 ARF, or a common non-standard complaint).
 *
 * @param arf                  true when the mail holds a {@code message/feedback-report} part
 * @param feedbackType         {@code abuse}, {@code fraud}, {@code opt-out}, {@code auth-failure}, ... (lower-case)
 * @param userAgent            User-Agent field, or null
 * @param version              Version field, or null
 * @param originalMailFrom     Original-Mail-From as written (brackets kept), or null
 * @param originalRcptTo       Original-Rcpt-To values as written
 * @param sourceIp             Source-IP, or null
 * @param arrivalDate          Arrival-Date, or the older Received-Date, as written, or null
 * @param reportingMta         Reporting-MTA as written, or null
 * @param reportedDomains      Reported-Domain values
 * @param authenticationResults Authentication-Results values
 * @param originalEnvelopeId   Original-Envelope-Id, or null
 * @param incidents            Incidents (1 when absent)
 * @param fields               every field of the report part, by lower-case name, values in order
 * @param originalHeaders      headers of the returned message (first value per lower-case name)
 * @param recipients           the complaining recipients (addresses), best effort, possibly empty
 * @param ternId               the returned message's Tern id (X-Tern-Id, or a verified VERP token), or null
 * @param verpLocalPart        a {@code b-...} VERP local part found in Original-Mail-From or Return-Path, or null
 */
public record FeedbackReport(
        boolean arf,
        String feedbackType,
        String userAgent,
        String version,
        String originalMailFrom,
        List<String> originalRcptTo,
        String sourceIp,
        String arrivalDate,
        String reportingMta,
        List<String> reportedDomains,
        List<String> authenticationResults,
        String originalEnvelopeId,
        int incidents,
        Map<String, List<String>> fields,
        Map<String, String> originalHeaders,
        List<String> recipients,
        String ternId,
        String verpLocalPart) {

    public FeedbackReport {
        originalRcptTo = List.copyOf(originalRcptTo);
        reportedDomains = List.copyOf(reportedDomains);
        authenticationResults = List.copyOf(authenticationResults);
        fields = Map.copyOf(fields);
        originalHeaders = Map.copyOf(originalHeaders);
        recipients = List.copyOf(recipients);
    }
}
