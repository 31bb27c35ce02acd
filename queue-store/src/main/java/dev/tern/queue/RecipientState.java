package dev.tern.queue;

import java.util.Objects;

/**
 * One recipient of a queue entry and its delivery state.
 *
 * @param address   the recipient address (RCPT TO)
 * @param status    current state
 * @param attempts  delivery attempts made for this recipient
 * @param lastReply the last reply or failure text seen for it, or empty
 */
public record RecipientState(String address, RecipientStatus status, int attempts, String lastReply) {
    public RecipientState {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(status, "status");
        lastReply = lastReply == null ? "" : lastReply;
    }

    public static RecipientState pending(String address) {
        return new RecipientState(address, RecipientStatus.PENDING, 0, "");
    }

    public RecipientState with(RecipientStatus newStatus, String reply) {
        return new RecipientState(address, newStatus, attempts + 1, reply);
    }
}
