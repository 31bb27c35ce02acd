package dev.tern.bounce.verp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tamper-proof VERP return paths: {@code b-<token>@<bounce-domain>}.
 *
 * <p>Token = key id (one character {@code [0-9a-z]}) followed by the unpadded lower-case RFC 4648
 * base32 of {@code len(messageId) || messageId (UTF-8) || varint(recipientIndex) || mac}, where
 * {@code mac} is the first 8 bytes of HMAC-SHA256(key, "tern-verp-1" || keyId || payload). The
 * recipient is identified by its index in the message's recipient list (the caller recovers the
 * address from the spool), which keeps the local part within 64 octets: a 26-character message id
 * gives a 61-octet local part. Decoding is case-insensitive (some MTAs fold the local part's case),
 * rejects non-canonical encodings, unknown key ids and wrong MACs, and accepts every configured
 * key so keys can be rotated: encode with the new key while the old one still decodes.
 */
public final class VerpCodec {
    /** Local-part prefix. */
    public static final String PREFIX = "b-";

    private static final int MAC_BYTES = 8;
    private static final int MAX_LOCAL_PART = 64;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    private static final byte[] CONTEXT = "tern-verp-1".getBytes(StandardCharsets.US_ASCII);

    private final Map<Character, byte[]> keys;
    private final char currentKeyId;

    /** What a valid token carries. */
    public record Decoded(char keyId, String messageId, int recipientIndex) {}

    /**
     * @param keys         secrets by key id (one of {@code [0-9a-z]}); each at least 16 bytes
     * @param currentKeyId the key id used for encoding
     */
    public VerpCodec(Map<Character, byte[]> keys, char currentKeyId) {
        Objects.requireNonNull(keys, "keys");
        Map<Character, byte[]> copy = new LinkedHashMap<>();
        keys.forEach((id, secret) -> {
            if (!isKeyIdChar(id)) {
                throw new IllegalArgumentException("key id must be one of [0-9a-z]: '" + id + "'");
            }
            if (secret == null || secret.length < 16) {
                throw new IllegalArgumentException("secret of key '" + id + "' must have at least 16 bytes");
            }
            copy.put(id, secret.clone());
        });
        if (!copy.containsKey(currentKeyId)) {
            throw new IllegalArgumentException("no secret for the current key id '" + currentKeyId + "'");
        }
        this.keys = Map.copyOf(copy);
        this.currentKeyId = currentKeyId;
    }

    /** The longest message id (UTF-8 bytes) that fits a 64-octet local part with a small recipient index. */
    public static int maxMessageIdBytes() {
        int totalBytes = (MAX_LOCAL_PART - PREFIX.length() - 1) * 5 / 8;
        return totalBytes - 1 - 1 - MAC_BYTES;
    }

    /**
     * The local part ({@code b-<token>}) for a recipient of a message.
     *
     * @throws IllegalArgumentException when the id is empty or too long for a 64-octet local part
     */
    public String encode(String messageId, int recipientIndex) {
        Objects.requireNonNull(messageId, "messageId");
        if (recipientIndex < 0) {
            throw new IllegalArgumentException("recipientIndex must be >= 0");
        }
        byte[] id = messageId.getBytes(StandardCharsets.UTF_8);
        if (id.length == 0 || id.length > 255) {
            throw new IllegalArgumentException("messageId must have 1..255 bytes");
        }
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(id.length);
        payload.writeBytes(id);
        writeVarint(payload, recipientIndex);
        byte[] body = payload.toByteArray();
        byte[] mac = mac(keys.get(currentKeyId), currentKeyId, body);
        byte[] all = Arrays.copyOf(body, body.length + MAC_BYTES);
        System.arraycopy(mac, 0, all, body.length, MAC_BYTES);
        String local = PREFIX + currentKeyId + base32(all);
        if (local.length() > MAX_LOCAL_PART) {
            throw new IllegalArgumentException("messageId too long for a 64-octet VERP local part: " + id.length
                    + " bytes (max about " + maxMessageIdBytes() + ")");
        }
        return local;
    }

    /** The full return path {@code b-<token>@bounceDomain}. */
    public String returnPath(String messageId, int recipientIndex, String bounceDomain) {
        return encode(messageId, recipientIndex) + "@" + bounceDomain;
    }

    /**
     * Decodes a local part or a whole address ({@code b-<token>} or {@code b-<token>@domain}).
     * Empty when it is not a token, is malformed, names an unknown key, or fails the MAC.
     */
    public Optional<Decoded> decode(String localPartOrAddress) {
        if (localPartOrAddress == null) {
            return Optional.empty();
        }
        String s = localPartOrAddress.trim();
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            s = s.substring(0, at);
        }
        s = s.toLowerCase(Locale.ROOT);
        if (!s.startsWith(PREFIX) || s.length() < PREFIX.length() + 2 || s.length() > MAX_LOCAL_PART) {
            return Optional.empty();
        }
        char keyId = s.charAt(PREFIX.length());
        byte[] secret = keys.get(keyId);
        if (secret == null) {
            return Optional.empty();
        }
        byte[] all = unbase32(s.substring(PREFIX.length() + 1));
        if (all == null || all.length < 1 + 1 + 1 + MAC_BYTES) {
            return Optional.empty();
        }
        byte[] body = Arrays.copyOf(all, all.length - MAC_BYTES);
        byte[] mac = Arrays.copyOfRange(all, all.length - MAC_BYTES, all.length);
        if (!MessageDigest.isEqual(mac, Arrays.copyOf(mac(secret, keyId, body), MAC_BYTES))) {
            return Optional.empty();
        }
        int idLen = body[0] & 0xff;
        if (idLen == 0 || 1 + idLen >= body.length) {
            return Optional.empty();
        }
        String messageId = new String(body, 1, idLen, StandardCharsets.UTF_8);
        int pos = 1 + idLen;
        long index = 0;
        int shift = 0;
        while (pos < body.length) {
            int b = body[pos++] & 0xff;
            index |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 28) {
                return Optional.empty();
            }
        }
        if (pos != body.length || index > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of(new Decoded(keyId, messageId, (int) index));
    }

    private static boolean isKeyIdChar(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'z';
    }

    private static byte[] mac(byte[] secret, char keyId, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(CONTEXT);
            mac.update((byte) keyId);
            return Arrays.copyOf(mac.doFinal(body), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        int v = value;
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    static String base32(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                sb.append(ALPHABET.charAt((buffer >> bits) & 31));
            }
        }
        if (bits > 0) {
            sb.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return sb.toString();
    }

    /** Strict decoding: only the alphabet, and the unused trailing bits must be zero. */
    static byte[] unbase32(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < s.length(); i++) {
            int v = ALPHABET.indexOf(s.charAt(i));
            if (v < 0) {
                return null;
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out.write((buffer >> bits) & 0xff);
            }
        }
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) {
            return null; // a dangling character or non-zero padding bits: not canonical
        }
        return out.toByteArray();
    }
}
