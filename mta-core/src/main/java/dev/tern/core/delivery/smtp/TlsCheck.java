package dev.tern.core.delivery.smtp;

/**
 * How the STARTTLS step of a connection went against its {@link TlsPolicy}.
 *
 * @param policy  the policy the connection ran under
 * @param tls     whether TLS is active
 * @param failure why the policy's check failed (only possible when the policy was not enforced,
 *                e.g. MTA-STS testing), or null when it passed (or checked nothing)
 * @param detail  the failure's text, or null
 */
public record TlsCheck(TlsPolicy policy, boolean tls, TlsResult failure, String detail) {
    /** Whether the policy's requirements were met. */
    public boolean passed() {
        return failure == null;
    }
}
