package dev.tern.core.delivery;

import dev.tern.queue.Hold;
import dev.tern.queue.HoldTarget;

/** What an operator's command to the {@link QueueManager} did. */
public sealed interface CommandResult {
    /** A retry: entries made due now (or due now when their attempt in progress ends). */
    record Retried(String target, int rescheduled) implements CommandResult {}

    /** A bounce; {@code inFlight}: entries being sent now, bounced for what the attempt leaves open when it ends. */
    record Bounced(String target, int bouncedEntries, int bouncedRecipients, int inFlight) implements CommandResult {}

    /** A hold put or released; {@code hold} is the hold now in force (or the one released), {@code rescheduled} the entries made due by a release. */
    record HoldChanged(HoldTarget target, Hold hold, boolean changed, int rescheduled) implements CommandResult {}
}
