package dev.tern.bounce.dsn;

import dev.tern.bounce.BounceClass;
import dev.tern.bounce.Reason;

/**
 * What a bounce mail says about one recipient.
 *
 * @param recipient      the failed address (lower-case domain not enforced), never null
 * @param action         DSN action ({@code failed}, {@code delayed}, {@code delivered}, ...) or "" when not stated
 * @param status         enhanced status code, or "" when none was found
 * @param replyCode      basic SMTP reply code, or 0
 * @param command        SMTP command the remote server answered, or "" when unknown
 * @param remoteMta      the remote MTA that reported the failure, or ""
 * @param diagnosticType {@code SMTP}, {@code X-Unix}, ... from the Diagnostic-Code field, or ""
 * @param diagnosticCode the diagnostic text, never null
 * @param reason         classified reason
 * @param hard           hard bounce (suppress)
 * @param bounceClass    coarse class
 * @param rule           id of the classification rule that decided the reason
 */
public record BouncedRecipient(
        String recipient,
        String action,
        String status,
        int replyCode,
        String command,
        String remoteMta,
        String diagnosticType,
        String diagnosticCode,
        Reason reason,
        boolean hard,
        BounceClass bounceClass,
        String rule) {}
