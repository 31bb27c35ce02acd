package dev.tern.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Message digest helpers. */
final class Hashing {
    private Hashing() {}

    /** A configured SHA-256 to clone: a clone skips the provider lookup of {@link MessageDigest#getInstance}. */
    private static final MessageDigest SHA256 = lookup("SHA-256");

    static MessageDigest newDigest(String algorithm) {
        if (algorithm.equals("SHA-256")) {
            try {
                return (MessageDigest) SHA256.clone();
            } catch (CloneNotSupportedException e) {
                // a provider without clone support: look it up every time
            }
        }
        return lookup(algorithm);
    }

    private static MessageDigest lookup(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }

    static byte[] sha256(byte[] data) {
        return newDigest("SHA-256").digest(data);
    }
}
