package dev.tern.core.admin;

import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/messages/{id}}: a spooled message's envelope and its entries with each
 * recipient's state, attempts and last reply. Finished messages are gone from the spool
 * (404): their history is in the event log.
 */
final class MessagesResource {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._\\-]{1,128}");

    record Recipient(String address, String status, int attempts, String lastReply) {}

    record Entry(String domain, int attempts, Instant nextAttemptAt, List<Recipient> recipients) {}

    record Message(
            String id,
            String sender,
            String tenant,
            String campaign,
            String pool,
            boolean transactional,
            Instant receivedAt,
            Instant expiresAt,
            long size,
            Map<String, String> attributes,
            List<Entry> entries) {}

    private final AdminContext ctx;

    MessagesResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    Message get(String id) {
        if (!ID.matcher(id).matches()) throw ApiException.badRequest("bad message id '" + id + "'");
        Envelope env = ctx.spool()
                .envelope(id)
                .orElseThrow(() -> ApiException.notFound(
                        "no message " + id + " in the spool (finished messages are only in the event log)"));
        List<Entry> entries =
                ctx.spool().entries(id).stream().map(MessagesResource::entry).toList();
        return new Message(
                env.messageId(),
                env.returnPath(),
                env.tenant(),
                env.campaign(),
                env.pool(),
                env.transactional(),
                Instant.ofEpochMilli(env.receivedAt()),
                Instant.ofEpochMilli(env.expiresAt()),
                env.bodySize(),
                env.attributes(),
                entries);
    }

    private static Entry entry(QueueEntry e) {
        List<Recipient> rs = e.recipients().stream()
                .map((RecipientState r) -> new Recipient(
                        r.address(), r.status().name().toLowerCase(java.util.Locale.ROOT), r.attempts(), r.lastReply()))
                .toList();
        return new Entry(e.domain(), e.attempts(), Instant.ofEpochMilli(e.nextAttemptAt()), rs);
    }
}
