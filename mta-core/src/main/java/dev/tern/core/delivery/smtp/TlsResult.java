package dev.tern.core.delivery.smtp;

/**
 * The result types of TLS-RPT (RFC 8460 section 4.3): why a session failed a policy. Also the
 * reason named in deferrals and logs.
 */
public enum TlsResult {
    STARTTLS_NOT_SUPPORTED("starttls-not-supported"),
    CERTIFICATE_HOST_MISMATCH("certificate-host-mismatch"),
    CERTIFICATE_EXPIRED("certificate-expired"),
    CERTIFICATE_NOT_TRUSTED("certificate-not-trusted"),
    VALIDATION_FAILURE("validation-failure"),
    TLSA_INVALID("tlsa-invalid"),
    DNSSEC_INVALID("dnssec-invalid"),
    DANE_REQUIRED("dane-required"),
    STS_POLICY_FETCH_ERROR("sts-policy-fetch-error"),
    STS_POLICY_INVALID("sts-policy-invalid"),
    STS_WEBPKI_INVALID("sts-webpki-invalid");

    private final String wire;

    TlsResult(String wire) {
        this.wire = wire;
    }

    /** The RFC 8460 {@code result-type} string. */
    public String wireName() {
        return wire;
    }
}
