package dev.tern.core.admin;

import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/messages/{id}}: a spooled message's envelope, Subject, Message-ID, priority
 * and its entries with each recipient's state, attempts and last reply; a finished message's
 * full history from the event log ({@code finished: true}, {@code events}).
 */
final class MessagesResource {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._\\-]{1,128}");
    /** Most bytes of the header read for Subject and Message-ID. */
    private static final int HEADER_LIMIT = 64 * 1024;

    record Recipient(String address, String status, int attempts, String lastReply) {}

    record Entry(String domain, int attempts, Instant nextAttemptAt, List<Recipient> recipients) {}

    record Message(
            String id,
            boolean finished,
            String sender,
            String tenant,
            String campaign,
            String pool,
            boolean transactional,
            String priority,
            String subject,
            String messageIdHeader,
            Instant receivedAt,
            Instant expiresAt,
            Long size,
            Map<String, String> attributes,
            List<Entry> entries,
            List<Map<String, String>> events) {}

    private final AdminContext ctx;

    MessagesResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    Message get(String id) {
        if (!ID.matcher(id).matches()) throw ApiException.badRequest("bad message id '" + id + "'");
        var spooled = ctx.spool().envelope(id);
        if (spooled.isEmpty()) return finished(id);
        Envelope env = spooled.get();
        List<Entry> entries =
                ctx.spool().entries(id).stream().map(MessagesResource::entry).toList();
        byte[] head = ctx.spool().openBody(id).map(b -> b.head()).orElse(new byte[0]);
        return new Message(
                env.messageId(),
                false,
                env.returnPath(),
                env.tenant(),
                env.campaign(),
                env.pool(),
                env.transactional(),
                env.transactional() ? "transactional" : "bulk",
                header(head, "subject"),
                header(head, "message-id"),
                Instant.ofEpochMilli(env.receivedAt()),
                Instant.ofEpochMilli(env.expiresAt()),
                env.bodySize(),
                env.attributes(),
                entries,
                null);
    }

    /** A message no longer in the spool: its events; 404 if the event log has none either. */
    private Message finished(String id) {
        List<Map<String, String>> events = ctx.history().of(id);
        if (events.isEmpty()) throw ApiException.notFound("no message " + id + " in the spool or in the event log");
        String sender = null, tenant = null, campaign = null, pool = null, subject = null, header = null, prio = null;
        for (Map<String, String> e : events) {
            if (sender == null) sender = e.get("sender");
            if (tenant == null) tenant = e.get("tenant");
            if (campaign == null) campaign = e.get("campaign");
            if (pool == null) pool = e.get("pool");
            if (subject == null) subject = e.get("subject");
            if (header == null) header = e.getOrDefault("header_message_id", e.get("rfc_message_id"));
            if (prio == null) prio = e.get("priority");
        }
        return new Message(
                id,
                true,
                sender,
                tenant,
                campaign,
                pool,
                "transactional".equals(prio),
                prio,
                subject,
                header,
                null,
                null,
                null,
                null,
                null,
                events);
    }

    /** An unfolded header field of the message's header (bounded), or null. */
    static String header(byte[] message, String name) {
        String text = new String(message, 0, Math.min(message.length, HEADER_LIMIT), StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0) text = text.substring(0, end);
        String unfolded = text.replaceAll("\r?\n[ \t]+", " ");
        for (String line : unfolded.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
                String v = line.substring(colon + 1).strip();
                return new String(v.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static Entry entry(QueueEntry e) {
        List<Recipient> rs = e.recipients().stream()
                .map((RecipientState r) -> new Recipient(
                        r.address(), r.status().name().toLowerCase(Locale.ROOT), r.attempts(), r.lastReply()))
                .toList();
        return new Entry(e.domain(), e.attempts(), Instant.ofEpochMilli(e.nextAttemptAt()), rs);
    }
}
