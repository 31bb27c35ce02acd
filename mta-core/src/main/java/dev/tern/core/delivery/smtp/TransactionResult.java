package dev.tern.core.delivery.smtp;

import java.util.List;

/**
 * The server's replies to one transaction.
 *
 * @param mailReply        the reply to MAIL (or a reply made up locally when the client refused the
 *                         transaction before sending it: see {@link #local()})
 * @param recipientReplies one reply per recipient, in order; empty when MAIL failed
 * @param dataReply        the reply after the final dot, or the failing reply to the DATA command;
 *                         null when MAIL failed or no recipient was accepted
 * @param local            true when the client refused the transaction itself (SIZE, SMTPUTF8) and
 *                         sent nothing
 */
public record TransactionResult(
        SmtpReply mailReply, List<SmtpReply> recipientReplies, SmtpReply dataReply, boolean local) {

    public TransactionResult {
        recipientReplies = List.copyOf(recipientReplies);
    }

    public TransactionResult(SmtpReply mailReply, List<SmtpReply> recipientReplies, SmtpReply dataReply) {
        this(mailReply, recipientReplies, dataReply, false);
    }

    /** A transaction the client refused itself (nothing sent): {@code reply} stands for the MAIL reply. */
    public static TransactionResult refusedLocally(SmtpReply reply) {
        return new TransactionResult(reply, List.of(), null, true);
    }

    /** The message was accepted for every recipient. */
    public boolean allAccepted() {
        return delivered() && recipientReplies.stream().allMatch(SmtpReply::positive);
    }

    /** The message was accepted for at least one recipient (the final reply was 2xx). */
    public boolean delivered() {
        return dataReply != null && dataReply.code() / 100 == 2;
    }

    /**
     * The reply that decides recipient {@code index}'s fate: the MAIL reply if MAIL failed, the RCPT
     * reply if the recipient was refused, otherwise the DATA reply.
     */
    public SmtpReply replyFor(int index) {
        if (!mailReply.positive() || recipientReplies.isEmpty()) return mailReply;
        SmtpReply rcpt = recipientReplies.get(index);
        if (!rcpt.positive() || dataReply == null) return rcpt;
        return dataReply;
    }

    /** Whether recipient {@code index} got the message. */
    public boolean delivered(int index) {
        return replyFor(index).code() / 100 == 2 && delivered();
    }
}
