package dev.tern.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Message digest helpers. */
final class Hashing {
    private Hashing() {}

    static MessageDigest newDigest(String algorithm) {
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
