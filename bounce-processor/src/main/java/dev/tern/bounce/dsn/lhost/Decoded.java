package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.Reason;

/**
 * One failed recipient as a decoder read it: the facts of the failure, not yet classified.
 *
 * @param recipient      the recipient address
 * @param action         the DSN action ({@code failed}, {@code delayed}, ...) or ""
 * @param status         the enhanced status code the report gives, or null
 * @param diagnostic     the remote server's reply or the MTA's own error text
 * @param command        the SMTP command that was refused ({@code RCPT}, {@code DATA}, ...), or null
 * @param remoteHost     the host that replied, or ""
 * @param diagnosticType the Diagnostic-Code type ({@code SMTP}, {@code X-UNIX}, ...), or ""
 * @param reason         the reason the MTA's own wording names (its source's fixed messages), or null
 */
public record Decoded(
        String recipient,
        String action,
        String status,
        String diagnostic,
        String command,
        String remoteHost,
        String diagnosticType,
        Reason reason) {

    public Decoded {
        action = action == null ? "" : action;
        diagnostic = diagnostic == null ? "" : diagnostic;
        remoteHost = remoteHost == null ? "" : remoteHost;
        diagnosticType = diagnosticType == null ? "" : diagnosticType;
    }

    /** A copy with another reason hint. */
    public Decoded withReason(Reason r) {
        return new Decoded(recipient, action, status, diagnostic, command, remoteHost, diagnosticType, r);
    }
}
