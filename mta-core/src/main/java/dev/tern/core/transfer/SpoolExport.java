package dev.tern.core.transfer;

import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.queue.StoredBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tern spool export}: writes every queued message (its open recipients) of a spool to an
 * export directory ({@link SpoolTransfer}), makes it durable (manifest last), and only then
 * removes the exported messages from the spool. Runs on a stopped node (the spool opened by the
 * CLI): no delivery can race it. A crash before the manifest leaves the spool as it was; a crash
 * after it leaves messages both exported and queued (importing them and starting the node again
 * would deliver them twice: at-least-once).
 */
public final class SpoolExport {
    private static final Logger log = LoggerFactory.getLogger(SpoolExport.class);

    /** What was exported and removed. */
    public record Result(long messages, long recipients, long bodyBytes, long entriesRemoved) {}

    private SpoolExport() {}

    public static Result run(Spool spool, Path dir, String node, Clock clock) throws IOException, TransferException {
        if (Files.exists(dir)) {
            try (var files = Files.list(dir)) {
                if (files.findAny().isPresent())
                    throw new TransferException("export directory " + dir + " is not empty");
            }
        }
        Files.createDirectories(SpoolTransfer.messagesDir(dir));
        Map<String, List<QueueEntry>> byMessage = new LinkedHashMap<>();
        spool.forEachEntry(e ->
                byMessage.computeIfAbsent(e.messageId(), k -> new ArrayList<>()).add(e));
        List<SpoolTransfer.Listed> listed = new ArrayList<>();
        long recipients = 0;
        long bytes = 0;
        List<QueueEntry> toRemove = new ArrayList<>();
        for (var m : byMessage.entrySet()) {
            String id = m.getKey();
            List<SpoolTransfer.Entry> entries = new ArrayList<>();
            for (QueueEntry e : m.getValue()) {
                List<SpoolTransfer.Recipient> open = new ArrayList<>();
                for (RecipientState r : e.open())
                    open.add(new SpoolTransfer.Recipient(r.address(), r.status().name(), r.attempts(), r.lastReply()));
                if (!open.isEmpty())
                    entries.add(new SpoolTransfer.Entry(e.domain(), e.attempts(), e.nextAttemptAt(), open));
            }
            if (entries.isEmpty()) continue;
            if (!id.matches(SpoolImport.ID)) throw new TransferException("message id '" + id + "' cannot be exported");
            StoredBody body = spool.openBody(id).orElse(null);
            if (body == null) {
                log.warn("message {} has queue entries but no body; not exported", id);
                continue;
            }
            Path bodyFile = SpoolTransfer.body(dir, id);
            MessageDigest md = SpoolTransfer.sha256();
            long size;
            Path tmp = bodyFile.resolveSibling(bodyFile.getFileName() + ".tmp");
            try (InputStream in = body.open();
                    OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                size = in.transferTo(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, bodyFile, StandardCopyOption.ATOMIC_MOVE);
            bytes += size;
            Envelope env = m.getValue().get(0).envelope();
            SpoolTransfer.Message record = new SpoolTransfer.Message(
                    id,
                    env.returnPath(),
                    env.tenant(),
                    env.campaign(),
                    env.pool(),
                    env.transactional(),
                    env.receivedAt(),
                    env.expiresAt(),
                    env.attributes(),
                    size,
                    SpoolTransfer.hex(md.digest()),
                    entries);
            byte[] json = SpoolTransfer.JSON.writeValueAsBytes(record);
            SpoolTransfer.writeDurably(SpoolTransfer.record(dir, id), json);
            MessageDigest rd = SpoolTransfer.sha256();
            listed.add(new SpoolTransfer.Listed(id, SpoolTransfer.hex(rd.digest(json))));
            toRemove.addAll(m.getValue());
            for (SpoolTransfer.Entry e : entries) recipients += e.recipients().size();
        }
        SpoolTransfer.syncDir(SpoolTransfer.messagesDir(dir));
        SpoolTransfer.Manifest manifest = new SpoolTransfer.Manifest(
                SpoolTransfer.FORMAT, node, clock.millis(), listed.size(), recipients, listed);
        SpoolTransfer.writeDurably(SpoolTransfer.manifest(dir), SpoolTransfer.JSON.writeValueAsBytes(manifest));
        SpoolTransfer.syncDir(dir);
        // durable: now the messages leave this spool
        for (QueueEntry e : toRemove) spool.complete(e).join();
        log.info(
                "exported {} messages ({} recipients, {} bytes) to {} and removed them from the spool",
                listed.size(),
                recipients,
                bytes,
                dir);
        return new Result(listed.size(), recipients, bytes, toRemove.size());
    }
}
