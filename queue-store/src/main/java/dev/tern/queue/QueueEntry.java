package dev.tern.queue;

import java.util.List;
import java.util.Objects;

/**
 * One queue entry: the recipients of one message at one destination domain.
 *
 * @param envelope      the message's envelope (shared by all entries of the message)
 * @param domain        destination domain, lower case
 * @param recipients    the recipients at that domain with their state
 * @param attempts      delivery attempts made for this entry
 * @param nextAttemptAt when the entry is due next, epoch milliseconds
 */
public record QueueEntry(
        Envelope envelope, String domain, List<RecipientState> recipients, int attempts, long nextAttemptAt) {

    public QueueEntry {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(domain, "domain");
        recipients = List.copyOf(recipients);
    }

    public String messageId() {
        return envelope.messageId();
    }

    /** The recipients that still need a delivery attempt. */
    public List<RecipientState> open() {
        return recipients.stream().filter(r -> !r.status().isFinal()).toList();
    }

    /** True when every recipient has a final status. */
    public boolean finished() {
        return recipients.stream().allMatch(r -> r.status().isFinal());
    }

    public QueueEntry withRecipients(List<RecipientState> newRecipients) {
        return new QueueEntry(envelope, domain, newRecipients, attempts, nextAttemptAt);
    }

    public QueueEntry rescheduled(long at, boolean countAttempt) {
        return new QueueEntry(envelope, domain, recipients, countAttempt ? attempts + 1 : attempts, at);
    }
}
