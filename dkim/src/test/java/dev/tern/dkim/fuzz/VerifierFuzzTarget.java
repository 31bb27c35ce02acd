package dev.tern.dkim.fuzz;

import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.VerificationResult;
import dev.tern.dkim.VerifierSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzz target for the DKIM verifier on garbage signatures, key records and messages. Input: the key
 * record text up to the first NUL byte (the literal {@code TEMPFAIL} makes the lookup fail temporarily),
 * then the message. Property: {@code verify} never throws and returns one well-formed result per
 * {@code DKIM-Signature} field (a status, a reason matching a non-pass status).
 */
public final class VerifierFuzzTarget {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private VerifierFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] input) {
        int nul = indexOf(input, (byte) 0);
        String record = nul < 0 ? "" : new String(input, 0, nul, StandardCharsets.ISO_8859_1);
        byte[] message = nul < 0 ? input : Arrays.copyOfRange(input, nul + 1, input.length);
        DkimVerifier verifier = new DkimVerifier(
                (selector, domain) -> {
                    if (record.equals("TEMPFAIL")) {
                        throw new IOException("temporary failure");
                    }
                    return record.isEmpty() ? null : record;
                },
                VerifierSettings.defaults().withClock(CLOCK).withAllowRsaSha1((input.length & 1) == 1));
        List<VerificationResult> results = verifier.verify(message);
        for (VerificationResult r : results) {
            if (r == null || r.status() == null) {
                throw new IllegalStateException("result without status: " + r);
            }
            if (r.status() != VerificationResult.Status.PASS
                    && (r.reason() == null || r.reason().status() != r.status())) {
                throw new IllegalStateException("status and reason disagree: " + r);
            }
            r.toString();
        }
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
