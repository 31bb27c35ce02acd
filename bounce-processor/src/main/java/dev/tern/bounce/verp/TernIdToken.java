package dev.tern.bounce.verp;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signed value of the {@code X-Tern-Id} header: {@code <messageId>.<keyId><mac>}, where
 * {@code mac} is the lower-case unpadded base32 of the first 15 bytes of
 * HMAC-SHA256(key, "tern-id-1" || keyId || len(messageId) || messageId || each recipient of the
 * message, lower case, sorted, length-prefixed). It proves that Tern sent this message to
 * exactly this recipient set: returned mail that carries the header is matched to the message
 * only when the MAC verifies against the recipients Tern recorded for that message id, and may
 * act only on those recipients. A bare id (the header of older versions, or a forgery) never
 * verifies. Keys rotate like VERP's: every configured key verifies, the current one signs.
 */
public final class TernIdToken {
    private static final int MAC_BYTES = 15;
    private static final byte[] CONTEXT = "tern-id-1".getBytes(StandardCharsets.US_ASCII);

    private final Map<Character, byte[]> keys;
    private final char currentKeyId;

    /** A header value split into its parts (not yet verified). */
    public record Parsed(String messageId, char keyId, String mac) {}

    /**
     * @param keys         secrets by key id ({@code [0-9a-z]}, each at least 16 bytes), the same as VERP's
     * @param currentKeyId the key that signs
     */
    public TernIdToken(Map<Character, byte[]> keys, char currentKeyId) {
        Objects.requireNonNull(keys, "keys");
        Map<Character, byte[]> copy = new LinkedHashMap<>();
        keys.forEach((id, secret) -> {
            if (!(id >= '0' && id <= '9' || id >= 'a' && id <= 'z'))
                throw new IllegalArgumentException("key id must be one of [0-9a-z]: '" + id + "'");
            if (secret == null || secret.length < 16)
                throw new IllegalArgumentException("secret of key '" + id + "' must have at least 16 bytes");
            copy.put(id, secret.clone());
        });
        if (!copy.containsKey(currentKeyId))
            throw new IllegalArgumentException("no secret for the current key id '" + currentKeyId + "'");
        this.keys = Map.copyOf(copy);
        this.currentKeyId = currentKeyId;
    }

    /** The header value for a message sent to {@code recipients}. */
    public String sign(String messageId, Collection<String> recipients) {
        if (messageId == null || messageId.isEmpty() || messageId.length() > 255)
            throw new IllegalArgumentException("messageId must have 1..255 characters");
        return messageId + "." + currentKeyId
                + VerpCodec.base32(mac(keys.get(currentKeyId), currentKeyId, messageId, recipients));
    }

    /** Splits a header value; empty when it cannot be a signed token (a bare id, garbage, unknown key). */
    public Optional<Parsed> parse(String headerValue) {
        if (headerValue == null) return Optional.empty();
        String v = headerValue.strip();
        int dot = v.lastIndexOf('.');
        if (dot <= 0 || dot > 255 || v.length() - dot - 2 != macChars()) return Optional.empty();
        char keyId = Character.toLowerCase(v.charAt(dot + 1));
        if (!keys.containsKey(keyId)) return Optional.empty();
        return Optional.of(
                new Parsed(v.substring(0, dot), keyId, v.substring(dot + 2).toLowerCase(Locale.ROOT)));
    }

    /** True when the token's MAC is the one Tern computes for its message id and {@code recipients}. */
    public boolean verify(Parsed token, Collection<String> recipients) {
        byte[] secret = keys.get(token.keyId());
        byte[] given = VerpCodec.unbase32(token.mac());
        if (secret == null || given == null || given.length != MAC_BYTES) return false;
        return MessageDigest.isEqual(given, mac(secret, token.keyId(), token.messageId(), recipients));
    }

    private static int macChars() {
        return (MAC_BYTES * 8 + 4) / 5;
    }

    private static byte[] mac(byte[] secret, char keyId, String messageId, Collection<String> recipients) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(CONTEXT);
            mac.update((byte) keyId);
            update(mac, messageId);
            TreeSet<String> sorted = new TreeSet<>();
            for (String r : recipients) sorted.add(r.toLowerCase(Locale.ROOT));
            for (String r : sorted) update(mac, r);
            return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static void update(Mac mac, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        mac.update((byte) (b.length >>> 24));
        mac.update((byte) (b.length >>> 16));
        mac.update((byte) (b.length >>> 8));
        mac.update((byte) b.length);
        mac.update(b);
    }
}
