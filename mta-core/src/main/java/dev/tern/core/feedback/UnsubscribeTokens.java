package dev.tern.core.feedback;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Unsubscribe tokens, the TOKEN of {@code https://HOST/u/TOKEN} and {@code mailto:u-TOKEN@DOMAIN}.
 *
 * <p>Token = key id (one character {@code [0-9a-z]}) followed by the unpadded lower-case base32 of
 * {@code messageId (12 bytes: the 24 hex digits of a Tern queue id) || issued (epoch minutes, 4 bytes)
 * || mac (10 bytes)}: 43 characters, so {@code u-TOKEN} fits a 64-octet local part. The MAC is
 * HMAC-SHA256 with the key of that id over a context string, the key id, the message id, the issue
 * time, the tenant, the campaign and the recipient (lower case): the token names the message only,
 * and verifies only against what the {@link SentIndex} remembers of it, so nobody can make one for
 * another recipient, tenant or campaign. Every configured key verifies, the current one signs
 * (rotation as with VERP keys). Decoding is case-insensitive and strict (canonical base32 only).
 */
public final class UnsubscribeTokens {
    /** The local-part prefix of the mailto address. */
    public static final String MAILTO_PREFIX = "u-";

    private static final int ID_BYTES = 12, TIME_BYTES = 4, MAC_BYTES = 10;
    private static final int TOKEN_CHARS = 1 + ((ID_BYTES + TIME_BYTES + MAC_BYTES) * 8 + 4) / 5;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    private static final byte[] CONTEXT = "tern-unsubscribe-1".getBytes(StandardCharsets.US_ASCII);

    private final Map<Character, byte[]> keys;
    private final char current;

    /** What a well-formed token with a known key claims; {@link #verify} checks its MAC. */
    public record Claim(char keyId, String messageId, long issuedMinute, byte[] mac) {
        /** When the token was made, in epoch milliseconds. */
        public long issuedAtMillis() {
            return issuedMinute * 60_000L;
        }
    }

    /**
     * @param keys       secrets by key id (one of {@code [0-9a-z]}), each at least 16 bytes
     * @param currentKey the key id that signs new tokens
     */
    public UnsubscribeTokens(Map<String, String> keys, String currentKey) {
        Map<Character, byte[]> copy = new LinkedHashMap<>();
        keys.forEach((id, secret) -> {
            if (!id.matches("[0-9a-z]"))
                throw new IllegalArgumentException("key id must be one of [0-9a-z]: '" + id + "'");
            if (secret == null || secret.length() < 16)
                throw new IllegalArgumentException("secret of key '" + id + "' must have at least 16 characters");
            copy.put(id.charAt(0), secret.getBytes(StandardCharsets.UTF_8));
        });
        if (currentKey.length() != 1 || !copy.containsKey(currentKey.charAt(0)))
            throw new IllegalArgumentException("no secret for the current key id '" + currentKey + "'");
        this.keys = Map.copyOf(copy);
        this.current = currentKey.charAt(0);
    }

    /** Whether {@code messageId} can be carried by a token (a Tern queue id: 24 hex digits). */
    public static boolean encodable(String messageId) {
        return messageId != null && messageId.matches("[0-9a-f]{24}");
    }

    /** The token for one recipient of a message of {@code tenant} and {@code campaign}, made at {@code nowMillis}. */
    public String encode(String messageId, String tenant, String campaign, String recipient, long nowMillis) {
        if (!encodable(messageId)) throw new IllegalArgumentException("not a Tern queue id: " + messageId);
        byte[] id = HexFormat.of().parseHex(messageId);
        long minute = Math.floorDiv(nowMillis, 60_000L);
        byte[] mac = mac(keys.get(current), current, id, minute, tenant, campaign, recipient);
        ByteBuffer all = ByteBuffer.allocate(ID_BYTES + TIME_BYTES + MAC_BYTES);
        all.put(id).putInt((int) minute).put(mac);
        return current + base32(all.array());
    }

    /**
     * The claim of a token (or of a mailto local part {@code u-TOKEN}, or address {@code u-TOKEN@domain});
     * empty when it is malformed or names a key that is not configured (a retired key).
     */
    public Optional<Claim> parse(String text) {
        if (text == null) return Optional.empty();
        String s = text.strip().toLowerCase(Locale.ROOT);
        int at = s.lastIndexOf('@');
        if (at >= 0) s = s.substring(0, at);
        if (s.startsWith(MAILTO_PREFIX)) s = s.substring(MAILTO_PREFIX.length());
        if (s.length() != TOKEN_CHARS) return Optional.empty();
        char keyId = s.charAt(0);
        if (!keys.containsKey(keyId)) return Optional.empty();
        byte[] all = unbase32(s.substring(1));
        if (all == null || all.length != ID_BYTES + TIME_BYTES + MAC_BYTES) return Optional.empty();
        ByteBuffer b = ByteBuffer.wrap(all);
        byte[] id = new byte[ID_BYTES];
        b.get(id);
        long minute = Integer.toUnsignedLong(b.getInt());
        byte[] mac = new byte[MAC_BYTES];
        b.get(mac);
        return Optional.of(new Claim(keyId, HexFormat.of().formatHex(id), minute, mac));
    }

    /** True when the claim's MAC covers exactly this tenant, campaign and recipient. */
    public boolean verify(Claim claim, String tenant, String campaign, String recipient) {
        byte[] secret = keys.get(claim.keyId());
        if (secret == null) return false;
        byte[] expected = mac(
                secret,
                claim.keyId(),
                HexFormat.of().parseHex(claim.messageId()),
                claim.issuedMinute(),
                tenant,
                campaign,
                recipient);
        return MessageDigest.isEqual(expected, claim.mac());
    }

    private static byte[] mac(
            byte[] secret, char keyId, byte[] id, long minute, String tenant, String campaign, String recipient) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(CONTEXT);
            mac.update((byte) keyId);
            mac.update(id);
            mac.update(ByteBuffer.allocate(4).putInt((int) minute).array());
            for (String part : new String[] {
                tenant == null ? "" : tenant,
                campaign == null ? "" : campaign,
                recipient == null ? "" : recipient.toLowerCase(Locale.ROOT)
            }) {
                mac.update((byte) 0);
                mac.update(part.getBytes(StandardCharsets.UTF_8));
            }
            return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static String base32(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                sb.append(ALPHABET.charAt((buffer >> bits) & 31));
            }
        }
        if (bits > 0) sb.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        return sb.toString();
    }

    /** Strict: only the alphabet, and unused trailing bits zero (one encoding per token). */
    static byte[] unbase32(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 5 / 8);
        int buffer = 0, bits = 0;
        for (int i = 0; i < s.length(); i++) {
            int v = ALPHABET.indexOf(s.charAt(i));
            if (v < 0) return null;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out.write((buffer >> bits) & 0xff);
            }
        }
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) return null;
        return out.toByteArray();
    }
}
