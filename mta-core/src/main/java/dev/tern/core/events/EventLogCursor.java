package dev.tern.core.events;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A consumer's acknowledged position in the {@link JsonLinesEventLog}: the next event to send is
 * at (segment, offset); {@code seq} is the last acknowledged. Kept in a small JSON file written
 * atomically (temporary file, fsync, rename, directory fsync), the same format as the webhook's.
 */
record EventLogCursor(long segment, long offset, long seq) {

    /** The cursor in {@code file}, or null when there is none; an unreadable file is an error naming it. */
    static EventLogCursor read(Path file, String consumer) {
        if (!Files.exists(file)) return null;
        try {
            JsonNode n = JsonLinesEventLog.JSON.readTree(file.toFile());
            return new EventLogCursor(
                    n.get("segment").asLong(),
                    n.get("offset").asLong(),
                    n.get("seq").asLong());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    consumer + " cursor " + file + " is unreadable (" + e.getMessage()
                            + "); delete it to send the whole retained event log again",
                    e);
        }
    }

    /** Replaces the cursor in {@code file} durably. */
    static void write(Path file, EventLogCursor c) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] json = ("{\"segment\":" + c.segment() + ",\"offset\":" + c.offset() + ",\"seq\":" + c.seq() + "}\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(json));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }
}
