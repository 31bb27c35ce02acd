package dev.tern.core.feedback;

import dev.tern.queue.ExpiringStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What Tern needs to match returned mail (asynchronous bounces, complaints) to the message it
 * sent, after the message has left the spool: per message id, the tenant, campaign, original
 * return path and recipients. A small {@link ExpiringStore} of its own (records older than the
 * configured time are dropped), separate from the spool so the queue's column families and
 * record format stay untouched.
 *
 * <p>Writes are not synced: a crash of the machine (not of the process) can lose the records
 * of the last moments, whose bounces then produce events without tenant and campaign and do
 * not suppress. Spooling, which is synced, is unaffected.
 */
public final class SentIndex implements AutoCloseable {
    /** One sent message as remembered for matching returned mail. */
    public record SentMessage(
            String messageId,
            String tenant,
            String campaign,
            String returnPath,
            List<String> recipients,
            long receivedAt) {
        public SentMessage {
            tenant = tenant == null ? "" : tenant;
            campaign = campaign == null ? "" : campaign;
            returnPath = returnPath == null ? "" : returnPath;
            recipients = List.copyOf(recipients);
        }
    }

    private final ExpiringStore store;

    private SentIndex(ExpiringStore store) {
        this.store = store;
    }

    /** Opens (or creates) the index in {@code dir}; records expire after {@code ttl}. */
    public static SentIndex open(Path dir, Duration ttl) {
        return new SentIndex(ExpiringStore.open(dir, ttl, "sent-message index"));
    }

    public void put(SentMessage m) {
        store.put(m.messageId().getBytes(StandardCharsets.UTF_8), encode(m));
    }

    public Optional<SentMessage> get(String messageId) {
        if (messageId == null || messageId.isEmpty()) return Optional.empty();
        return store.get(messageId.getBytes(StandardCharsets.UTF_8)).map(v -> decode(messageId, v));
    }

    private static byte[] encode(SentMessage m) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(b);
            out.writeByte(1);
            out.writeUTF(m.tenant());
            out.writeUTF(m.campaign());
            out.writeUTF(m.returnPath());
            out.writeLong(m.receivedAt());
            out.writeInt(m.recipients().size());
            for (String r : m.recipients()) out.writeUTF(r);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SentMessage decode(String id, byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
            int version = in.readByte();
            if (version != 1) throw new IllegalStateException("unknown sent-index record version " + version);
            String tenant = in.readUTF();
            String campaign = in.readUTF();
            String returnPath = in.readUTF();
            long at = in.readLong();
            int n = in.readInt();
            List<String> rcpts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) rcpts.add(in.readUTF());
            return new SentMessage(id, tenant, campaign, returnPath, rcpts, at);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
