package dev.tern.core.admin;

import dev.tern.core.config.TernConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API token: {@code admin.token} when set, else the content of {@code admin.token_file},
 * which the server generates (32 random bytes, base64url, file mode 0600) on its first start.
 * The CLI reads the same file when it talks to a Tern on loopback, so a fresh install needs no flags.
 */
public final class AdminToken {
    private static final Logger log = LoggerFactory.getLogger(AdminToken.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A token file larger than this is not a token. */
    private static final int MAX_BYTES = 4096;

    private AdminToken() {}

    /**
     * The server's token: {@code admin.token}, else the token file's (generated now if missing or
     * empty); "" when neither is configured (the API is then off).
     *
     * @throws UncheckedIOException if the token file cannot be read or written
     */
    public static String resolve(TernConfig.Admin admin) {
        if (!admin.token().isEmpty()) return admin.token();
        Path file = admin.tokenFile();
        if (file == null) return "";
        Optional<String> existing = read(file);
        if (existing.isPresent()) return existing.get();
        String token = generate();
        write(file, token);
        log.info("generated the admin API token in {} (mode 0600); the tern CLI reads it from there", file);
        return token;
    }

    /** The token in {@code file}, if it exists and holds one (surrounding white space removed). */
    public static Optional<String> read(Path file) {
        try {
            if (!Files.isRegularFile(file)) return Optional.empty();
            if (Files.size(file) > MAX_BYTES)
                throw new UncheckedIOException(new IOException(file + ": too large for an admin token"));
            String t = Files.readString(file, StandardCharsets.UTF_8).strip();
            return t.isEmpty() ? Optional.empty() : Optional.of(t);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the admin token file " + file + ": " + e.getMessage(), e);
        }
    }

    static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Writes the token to a new 0600 file next to {@code file}, then moves it into place. */
    private static void write(Path file, String token) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = dir.resolve(
                    file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(
                        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the admin token file " + file + ": " + e.getMessage(), e);
        }
    }
}
