package dev.tern.core.inject.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Salted password hashes in self-describing strings: Argon2id in the PHC format
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}, unpadded base64), which Tern makes,
 * and bcrypt ({@code $2a$}, {@code $2b$}, {@code $2y$}), which it also checks. Comparisons take
 * the same time wherever the first differing byte is.
 */
public final class PasswordHash {
    /** Argon2id memory in KiB, iterations and lanes made by default (OWASP's first recommendation). */
    public static final int DEFAULT_MEMORY_KIB = 19_456, DEFAULT_ITERATIONS = 2, DEFAULT_PARALLELISM = 1;

    private static final Pattern ARGON2ID = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{11,})\\$([A-Za-z0-9+/]{16,})");
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    private static final int MAX_MEMORY_KIB = 1 << 20, MAX_ITERATIONS = 64, MAX_PARALLELISM = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {}

    /** The Argon2id hash of {@code password} with the default cost and a new random salt. */
    public static String argon2id(char[] password) {
        return argon2id(password, DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM);
    }

    /** The Argon2id hash of {@code password} with the given cost and a new 16-byte random salt. */
    public static String argon2id(char[] password, int memoryKib, int iterations, int parallelism) {
        checkCost(memoryKib, iterations, parallelism);
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] hash = derive(password, salt, memoryKib, iterations, parallelism, 32);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$"
                + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** A new hash of {@code password} with the algorithm and cost of {@code model} (Argon2id with the default cost if it is neither kind). */
    public static String like(String model, char[] password) {
        Matcher m = model == null ? null : ARGON2ID.matcher(model);
        if (m != null && m.matches()) {
            return argon2id(
                    password, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        }
        if (model != null && BCRYPT.matcher(model).matches()) {
            byte[] salt = new byte[16];
            RANDOM.nextBytes(salt);
            return OpenBSDBCrypt.generate("2b", password, salt, Integer.parseInt(model.substring(4, 6)));
        }
        return argon2id(password);
    }

    /** True when {@code password} is the one {@code encoded} was made from; false also when {@code encoded} is not a hash. */
    public static boolean verify(char[] password, String encoded) {
        if (encoded == null) return false;
        Matcher m = ARGON2ID.matcher(encoded);
        if (m.matches()) {
            int memory = Integer.parseInt(m.group(1)),
                    iterations = Integer.parseInt(m.group(2)),
                    parallelism = Integer.parseInt(m.group(3));
            if (!costOk(memory, iterations, parallelism)) return false;
            byte[] salt, expected;
            try {
                salt = Base64.getDecoder().decode(m.group(4));
                expected = Base64.getDecoder().decode(m.group(5));
            } catch (IllegalArgumentException e) {
                return false;
            }
            byte[] actual = derive(password, salt, memory, iterations, parallelism, expected.length);
            return MessageDigest.isEqual(actual, expected);
        }
        if (BCRYPT.matcher(encoded).matches()) {
            try {
                return OpenBSDBCrypt.checkPassword(encoded, password); // constant-time comparison inside
            } catch (RuntimeException e) {
                return false;
            }
        }
        return false;
    }

    /**
     * Checks that {@code encoded} is a hash this class can verify.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void checkFormat(String encoded) {
        if (encoded == null || encoded.isEmpty()) throw new IllegalArgumentException("is required");
        Matcher m = ARGON2ID.matcher(encoded);
        if (m.matches()) {
            int memory = Integer.parseInt(m.group(1)),
                    iterations = Integer.parseInt(m.group(2)),
                    parallelism = Integer.parseInt(m.group(3));
            checkCost(memory, iterations, parallelism);
            try {
                if (Base64.getDecoder().decode(m.group(4)).length < 8)
                    throw new IllegalArgumentException("the salt is shorter than 8 bytes");
                Base64.getDecoder().decode(m.group(5));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad base64 in the Argon2id hash: " + e.getMessage());
            }
            return;
        }
        if (BCRYPT.matcher(encoded).matches()) {
            int cost = Integer.parseInt(encoded.substring(4, 6));
            if (cost < 4 || cost > 31)
                throw new IllegalArgumentException("bcrypt cost must be 4..31 (got " + cost + ")");
            return;
        }
        throw new IllegalArgumentException(
                "not an Argon2id ($argon2id$v=19$m=...,t=...,p=...$salt$hash) or bcrypt ($2b$...) hash;"
                        + " make one with `tern auth hash-password` (passwords are never stored in clear)");
    }

    private static boolean costOk(int memoryKib, int iterations, int parallelism) {
        return parallelism >= 1
                && parallelism <= MAX_PARALLELISM
                && iterations >= 1
                && iterations <= MAX_ITERATIONS
                && memoryKib >= 8 * parallelism
                && memoryKib <= MAX_MEMORY_KIB;
    }

    private static void checkCost(int memoryKib, int iterations, int parallelism) {
        if (!costOk(memoryKib, iterations, parallelism)) {
            throw new IllegalArgumentException(
                    "Argon2id cost out of range: m=" + memoryKib + " (8*p.." + MAX_MEMORY_KIB + " KiB), t=" + iterations
                            + " (1.." + MAX_ITERATIONS + "), p=" + parallelism + " (1.." + MAX_PARALLELISM + ")");
        }
    }

    private static byte[] derive(
            char[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[length];
        ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] pw = new byte[utf8.remaining()];
        utf8.get(pw);
        try {
            gen.generateBytes(pw, out);
        } finally {
            Arrays.fill(pw, (byte) 0);
            if (utf8.hasArray()) Arrays.fill(utf8.array(), (byte) 0);
        }
        return out;
    }
}
