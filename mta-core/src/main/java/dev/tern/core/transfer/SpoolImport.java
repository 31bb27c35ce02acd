package dev.tern.core.transfer;

import dev.tern.queue.BodyFile;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tern spool import}: queues the messages of an export directory ({@link SpoolTransfer})
 * on this node, with their message ids, envelopes and open recipients, due at once. Everything
 * is checked first (manifest, every record's and body's SHA-256 and size, the values): one bad
 * file refuses the whole import and queues nothing. A message id already in this spool is
 * skipped (importing twice queues once); an export already imported somewhere is refused unless
 * forced. Bodies larger than {@link #IN_MEMORY} are streamed to a spool body file.
 */
public final class SpoolImport {
    private static final Logger log = LoggerFactory.getLogger(SpoolImport.class);

    /** A message id as it may appear in an export (it names files). */
    static final String ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";

    /** Bodies up to this size are stored from memory. */
    static final long IN_MEMORY = 1 << 20;

    /** Most messages one export may list. */
    static final int MAX_MESSAGES = 10_000_000;

    /** What was queued. */
    public record Result(long messages, long recipients, long alreadyQueued) {}

    private SpoolImport() {}

    public static Result run(Spool spool, Path dir, String node, boolean force, Clock clock)
            throws IOException, TransferException {
        Path manifestFile = SpoolTransfer.manifest(dir);
        if (!Files.isRegularFile(manifestFile))
            throw new TransferException(dir + " is not a complete export: " + manifestFile + " is missing");
        if (Files.exists(SpoolTransfer.importedMark(dir)) && !force)
            throw new TransferException(
                    dir + " was already imported ("
                            + SpoolTransfer.importedMark(dir).getFileName()
                            + "); importing it again would queue its messages twice: use force to do it anyway",
                    true);
        SpoolTransfer.Manifest manifest;
        try {
            manifest = SpoolTransfer.JSON.readValue(manifestFile.toFile(), SpoolTransfer.Manifest.class);
        } catch (IOException e) {
            throw new TransferException("manifest.json is not valid: " + e.getMessage());
        }
        if (!SpoolTransfer.FORMAT.equals(manifest.format()))
            throw new TransferException(
                    "manifest.json: format '" + manifest.format() + "' is not " + SpoolTransfer.FORMAT);
        if (manifest.files() == null || manifest.files().size() > MAX_MESSAGES)
            throw new TransferException("manifest.json: no file list, or more than " + MAX_MESSAGES + " messages");
        if (manifest.files().size() != manifest.messages())
            throw new TransferException("manifest.json lists "
                    + manifest.files().size() + " files for " + manifest.messages() + " messages");

        // check everything before queueing anything
        List<SpoolTransfer.Message> messages = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        long recipients = 0;
        for (SpoolTransfer.Listed l : manifest.files()) {
            String id = l.messageId();
            if (id == null || !id.matches(ID))
                throw new TransferException("manifest.json: bad message id '" + id + "'");
            if (!ids.add(id)) throw new TransferException("manifest.json lists message " + id + " twice");
            Path rec = SpoolTransfer.record(dir, id);
            Path body = SpoolTransfer.body(dir, id);
            if (!Files.isRegularFile(rec) || !Files.isRegularFile(body))
                throw new TransferException(
                        "message " + id + ": " + rec.getFileName() + " or " + body.getFileName() + " is missing");
            if (Files.size(rec) > 16 << 20) throw new TransferException("message " + id + ": record is too large");
            byte[] json = Files.readAllBytes(rec);
            if (!SpoolTransfer.hex(SpoolTransfer.sha256().digest(json)).equals(l.sha256()))
                throw new TransferException(
                        "message " + id + ": " + rec.getFileName() + " does not match its checksum");
            SpoolTransfer.Message m;
            try {
                m = SpoolTransfer.JSON.readValue(json, SpoolTransfer.Message.class);
            } catch (IOException e) {
                throw new TransferException("message " + id + ": record is not valid: " + e.getMessage());
            }
            check(id, m);
            if (Files.size(body) != m.bodySize())
                throw new TransferException(
                        "message " + id + ": body is " + Files.size(body) + " bytes, the record says " + m.bodySize());
            if (!SpoolTransfer.sha256(body).equals(m.bodySha256()))
                throw new TransferException("message " + id + ": body does not match its checksum");
            for (SpoolTransfer.Entry e : m.entries())
                recipients += e.recipients().size();
            messages.add(m);
        }

        long now = clock.millis();
        long queued = 0;
        long already = 0;
        for (SpoolTransfer.Message m : messages) {
            if (spool.envelope(m.messageId()).isPresent()) {
                already++;
                continue;
            }
            Envelope env = new Envelope(
                    m.messageId(),
                    m.returnPath(),
                    m.tenant(),
                    m.campaign(),
                    m.pool(),
                    m.transactional(),
                    m.receivedAt(),
                    m.expiresAt(),
                    m.bodySize(),
                    m.attributes());
            List<QueueEntry> entries = new ArrayList<>();
            for (SpoolTransfer.Entry e : m.entries()) {
                List<RecipientState> rs = new ArrayList<>();
                for (SpoolTransfer.Recipient r : e.recipients())
                    rs.add(new RecipientState(
                            r.address(), RecipientStatus.valueOf(r.status()), r.attempts(), r.lastReply()));
                entries.add(new QueueEntry(env, e.domain(), rs, e.attempts(), now));
            }
            store(spool, env, SpoolTransfer.body(dir, m.messageId()), entries);
            queued++;
        }
        Map<String, Object> mark = new LinkedHashMap<>();
        mark.put("node", node);
        mark.put("imported_at", now);
        mark.put("messages", queued);
        mark.put("already_queued", already);
        SpoolTransfer.writeDurably(SpoolTransfer.importedMark(dir), SpoolTransfer.JSON.writeValueAsBytes(mark));
        log.info(
                "imported {} messages ({} recipients) from {} exported by {}; {} were already queued here",
                queued,
                recipients,
                dir,
                manifest.node(),
                already);
        return new Result(queued, recipients, already);
    }

    private static void store(Spool spool, Envelope env, Path body, List<QueueEntry> entries) throws IOException {
        long size = Files.size(body);
        if (size <= IN_MEMORY) {
            spool.store(env, Files.readAllBytes(body), entries).join();
            return;
        }
        // head: the header section (up to 64 KiB), as the listener stores it; the rest in a body file
        byte[] head;
        try (InputStream in = Files.newInputStream(body)) {
            byte[] start = in.readNBytes(64 << 10);
            int end = headerEnd(start);
            head = java.util.Arrays.copyOf(start, end);
        }
        try (BodyFile tail = spool.newBodyFile();
                InputStream in = Files.newInputStream(body)) {
            in.skipNBytes(head.length);
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) tail.write(buf, 0, n);
            spool.store(env, head, tail, entries).join();
        }
    }

    /** Offset just after the blank line ending the header section, or the whole of {@code b}. */
    private static int headerEnd(byte[] b) {
        for (int i = 3; i < b.length; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') return i + 1;
        }
        return b.length;
    }

    private static void check(String id, SpoolTransfer.Message m) throws TransferException {
        String p = "message " + id + ": ";
        if (!id.equals(m.messageId())) throw new TransferException(p + "record is for message " + m.messageId());
        if (m.bodySize() < 0 || m.bodySha256() == null) throw new TransferException(p + "no body size or checksum");
        if (m.entries() == null || m.entries().isEmpty()) throw new TransferException(p + "no queue entries");
        Set<String> domains = new HashSet<>();
        for (SpoolTransfer.Entry e : m.entries()) {
            if (e.domain() == null || e.domain().isEmpty() || !domains.add(e.domain()))
                throw new TransferException(p + "an entry without a domain, or a domain twice");
            if (e.recipients() == null || e.recipients().isEmpty())
                throw new TransferException(p + "entry " + e.domain() + " has no recipients");
            for (SpoolTransfer.Recipient r : e.recipients()) {
                if (r.address() == null || r.address().isEmpty())
                    throw new TransferException(p + "a recipient without an address");
                RecipientStatus s;
                try {
                    s = RecipientStatus.valueOf(String.valueOf(r.status()));
                } catch (IllegalArgumentException ex) {
                    throw new TransferException(p + "recipient " + r.address() + " has status '" + r.status() + "'");
                }
                if (s.isFinal())
                    throw new TransferException(p + "recipient " + r.address() + " is " + s + ", not queued");
            }
        }
    }
}
