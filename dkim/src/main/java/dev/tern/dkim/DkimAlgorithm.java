package dev.tern.dkim;

/** DKIM signing algorithms Tern signs with (RFC 6376 {@code rsa-sha256}, RFC 8463 {@code ed25519-sha256}). */
public enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa"),
    ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tag;
    private final String keyType;

    DkimAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The {@code a=} tag value, e.g. {@code rsa-sha256}. */
    public String tag() {
        return tag;
    }

    /** The {@code k=} key type of the DNS key record, e.g. {@code rsa}. */
    public String keyType() {
        return keyType;
    }
}
