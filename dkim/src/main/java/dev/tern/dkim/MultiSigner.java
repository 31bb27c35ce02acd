package dev.tern.dkim;

import java.util.List;

/**
 * Several signatures over one message in one pass (e.g. RSA and Ed25519 for the same domain, or the author
 * domain and the platform domain). Immutable and thread-safe.
 */
public final class MultiSigner {
    private final List<DkimSigner> signers;

    public MultiSigner(List<DkimSigner> signers) {
        if (signers.isEmpty()) {
            throw new IllegalArgumentException("no signers");
        }
        this.signers = List.copyOf(signers);
    }

    public static MultiSigner of(SignerSettings... settings) {
        return new MultiSigner(
                java.util.Arrays.stream(settings).map(DkimSigner::new).toList());
    }

    public List<DkimSigner> signers() {
        return signers;
    }

    /** Starts signing one message with all signers. */
    public SigningSession start() {
        return new SigningSession(signers);
    }

    /** Signs a whole message; returns all {@code DKIM-Signature} fields concatenated, ready to prepend. */
    public String sign(byte[] message) {
        SigningSession s = start();
        s.update(message, 0, message.length);
        return s.finish();
    }
}
