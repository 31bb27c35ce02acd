package dev.tern.core.transfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The hand-over format of {@code tern spool export|import}: a directory with one body file
 * ({@code messages/ID.eml}) and one record ({@code messages/ID.json}: envelope, entries with
 * their open recipients, body size and SHA-256) per message, and {@code manifest.json} written
 * last, listing every record with its SHA-256. An export without its manifest is incomplete and
 * is refused by import; any checksum or size that does not match refuses the whole import before
 * anything is queued.
 */
public final class SpoolTransfer {
    /** The format marker in the manifest. */
    public static final String FORMAT = "tern-spool-export/1";

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private SpoolTransfer() {}

    /** One recipient still to deliver. */
    public record Recipient(String address, String status, int attempts, String lastReply) {}

    /** One queue entry (message x domain) with its open recipients. */
    public record Entry(String domain, int attempts, long nextAttemptAt, List<Recipient> recipients) {}

    /** One exported message: its envelope, its entries and its body's size and checksum. */
    public record Message(
            String messageId,
            String returnPath,
            String tenant,
            String campaign,
            String pool,
            boolean transactional,
            long receivedAt,
            long expiresAt,
            Map<String, String> attributes,
            long bodySize,
            String bodySha256,
            List<Entry> entries) {}

    /** A record file of the export and its checksum. */
    public record Listed(String messageId, String sha256) {}

    /** The manifest: written last; lists every message record. */
    public record Manifest(
            String format, String node, long createdAt, long messages, long recipients, List<Listed> files) {}

    static Path messagesDir(Path dir) {
        return dir.resolve("messages");
    }

    static Path body(Path dir, String id) {
        return messagesDir(dir).resolve(id + ".eml");
    }

    static Path record(Path dir, String id) {
        return messagesDir(dir).resolve(id + ".json");
    }

    static Path manifest(Path dir) {
        return dir.resolve("manifest.json");
    }

    /** Where an import records that it took the export (a second import is refused without force). */
    static Path importedMark(Path dir) {
        return dir.resolve("imported.json");
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return hex(md.digest());
    }

    /** Writes {@code bytes} to {@code file} durably: a temporary file, fsync, rename. */
    static void writeDurably(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void syncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the renames are still atomic
        }
    }
}
