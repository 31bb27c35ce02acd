package dev.tern.core.feedback;

import dev.tern.bounce.verp.TernIdToken;
import dev.tern.bounce.verp.VerpCodec;
import dev.tern.core.config.TernConfig;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * VERP return paths {@code b-<token>@<bounce domain>} for delivery, and their verification
 * when bounces come back. The token (bounce-processor's {@link VerpCodec}: HMAC, key id for
 * rotation) names the message and the recipient's index in it; with VERP on, Tern spools one
 * message per recipient, so the index is always 0 and the message id alone names the recipient.
 */
public final class VerpReturnPaths {
    private final VerpCodec codec;
    private final TernIdToken ternIds;
    private final String domain;
    private final boolean enabled;

    public VerpReturnPaths(TernConfig.Bounces config) {
        this.domain = config.domain();
        this.enabled = config.verp();
        char current = config.keys().isEmpty()
                ? 'x'
                : (config.currentKey().isEmpty()
                                ? config.keys().keySet().iterator().next()
                                : config.currentKey())
                        .charAt(0);
        this.codec = config.keys().isEmpty() ? null : new VerpCodec(secrets(config.keys()), current);
        this.ternIds = config.keys().isEmpty() ? null : new TernIdToken(secrets(config.keys()), current);
    }

    /** True when {@code X-Tern-Id} values can be signed (keys are configured). */
    public boolean signsTernIds() {
        return ternIds != null;
    }

    /** The signed {@code X-Tern-Id} value for a message and its recipients. */
    public String ternId(String messageId, Collection<String> recipients) {
        if (ternIds == null) throw new IllegalStateException("no keys configured (bounces.keys)");
        return ternIds.sign(messageId, recipients);
    }

    /** The parts of an {@code X-Tern-Id} value that may be a signed token (verify with {@link #verifyTernId}). */
    public Optional<TernIdToken.Parsed> parseTernId(String value) {
        return ternIds == null ? Optional.empty() : ternIds.parse(value);
    }

    /** True when the token's MAC covers exactly {@code recipients}. */
    public boolean verifyTernId(TernIdToken.Parsed token, Collection<String> recipients) {
        return ternIds != null && ternIds.verify(token, recipients);
    }

    private static Map<Character, byte[]> secrets(Map<String, String> keys) {
        Map<Character, byte[]> out = new LinkedHashMap<>();
        keys.forEach((id, secret) -> out.put(id.charAt(0), secret.getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    /** True when delivery uses VERP return paths. */
    public boolean enabled() {
        return enabled && codec != null;
    }

    /** The return path for recipient {@code index} of message {@code messageId}. */
    public String returnPath(String messageId, int index) {
        if (codec == null) throw new IllegalStateException("no VERP keys configured (bounces.keys)");
        return codec.returnPath(messageId, index, domain);
    }

    /** The message and recipient index a VERP address (or local part) names, if its MAC verifies. */
    public Optional<VerpCodec.Decoded> decode(String address) {
        return codec == null ? Optional.empty() : codec.decode(address);
    }

    /** The codec, or null when no keys are configured. */
    VerpCodec codec() {
        return codec;
    }
}
