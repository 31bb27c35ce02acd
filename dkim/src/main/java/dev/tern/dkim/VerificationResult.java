package dev.tern.dkim;

/**
 * The outcome for one {@code DKIM-Signature} field.
 *
 * @param status    PASS, FAIL, PERMERROR or TEMPERROR (the RFC 8601 {@code dkim=} result names)
 * @param reason    why it did not pass; null on PASS
 * @param detail    human-readable explanation; empty on PASS
 * @param domain    {@code d=} (null if unparseable)
 * @param selector  {@code s=} (null if unparseable)
 * @param algorithm {@code a=} (null if unparseable)
 */
public record VerificationResult(
        Status status, Reason reason, String detail, String domain, String selector, String algorithm) {

    /** RFC 8601 result for a DKIM signature. */
    public enum Status {
        /** The signature verified. */
        PASS,
        /** The signature was well formed but did not verify (RFC 6376 PERMFAIL with a verification failure). */
        FAIL,
        /** The signature or its key record could not be used (syntax, missing/revoked key, unsupported, policy). */
        PERMERROR,
        /** The key could not be fetched for a temporary reason; try again later. */
        TEMPERROR
    }

    /** Why a signature did not pass; each reason implies its status. */
    public enum Reason {
        BODY_HASH_MISMATCH(Status.FAIL),
        SIGNATURE_MISMATCH(Status.FAIL),
        BODY_TOO_SHORT(Status.FAIL),
        EXPIRED(Status.FAIL),
        BAD_SIGNATURE_SYNTAX(Status.PERMERROR),
        UNSUPPORTED_VERSION(Status.PERMERROR),
        UNSUPPORTED_ALGORITHM(Status.PERMERROR),
        UNSUPPORTED_CANONICALIZATION(Status.PERMERROR),
        UNSUPPORTED_QUERY_METHOD(Status.PERMERROR),
        FROM_NOT_SIGNED(Status.PERMERROR),
        IDENTITY_MISMATCH(Status.PERMERROR),
        KEY_NOT_FOUND(Status.PERMERROR),
        KEY_REVOKED(Status.PERMERROR),
        BAD_KEY_SYNTAX(Status.PERMERROR),
        KEY_MISMATCH(Status.PERMERROR),
        KEY_TOO_SMALL(Status.PERMERROR),
        KEY_LOOKUP_FAILED(Status.TEMPERROR);

        private final Status status;

        Reason(Status status) {
            this.status = status;
        }

        public Status status() {
            return status;
        }
    }

    public boolean passed() {
        return status == Status.PASS;
    }

    static VerificationResult pass(String domain, String selector, String algorithm) {
        return new VerificationResult(Status.PASS, null, "", domain, selector, algorithm);
    }

    static VerificationResult failure(Reason reason, String detail, String domain, String selector, String algorithm) {
        return new VerificationResult(reason.status(), reason, detail, domain, selector, algorithm);
    }

    @Override
    public String toString() {
        String id = "d=" + domain + " s=" + selector + " a=" + algorithm;
        return status == Status.PASS
                ? "pass (" + id + ")"
                : status.name().toLowerCase() + " " + reason + ": " + detail + " (" + id + ")";
    }
}
