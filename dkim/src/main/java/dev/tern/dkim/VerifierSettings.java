package dev.tern.dkim;

import java.time.Clock;
import java.util.Objects;

/**
 * Verifier policy. Defaults follow RFC 8301: {@code rsa-sha1} signatures and RSA keys under 1024 bits are
 * not accepted. Relax them only to read old corpora.
 *
 * @param allowRsaSha1   accept {@code a=rsa-sha1}
 * @param minRsaKeyBits  smallest RSA key accepted
 * @param clock          "now" for {@code x=} expiry
 */
public record VerifierSettings(boolean allowRsaSha1, int minRsaKeyBits, Clock clock) {
    public VerifierSettings {
        if (minRsaKeyBits < 1) {
            throw new IllegalArgumentException("minRsaKeyBits must be positive");
        }
        Objects.requireNonNull(clock, "clock");
    }

    public static VerifierSettings defaults() {
        return new VerifierSettings(false, 1024, Clock.systemUTC());
    }

    public VerifierSettings withAllowRsaSha1(boolean allow) {
        return new VerifierSettings(allow, minRsaKeyBits, clock);
    }

    public VerifierSettings withMinRsaKeyBits(int bits) {
        return new VerifierSettings(allowRsaSha1, bits, clock);
    }

    public VerifierSettings withClock(Clock newClock) {
        return new VerifierSettings(allowRsaSha1, minRsaKeyBits, newClock);
    }
}
