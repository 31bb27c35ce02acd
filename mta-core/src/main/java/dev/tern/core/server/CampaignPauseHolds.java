package dev.tern.core.server;

import dev.tern.core.events.Event;
import dev.tern.core.events.EventSink;

/**
 * A paused campaign (by the campaign guard or an operator) also holds its queued mail, and a
 * resumed one releases it: the reaction of delivery to {@code campaign_paused} and
 * {@code campaign_resumed} events.
 */
final class CampaignPauseHolds implements EventSink {
    /** Where queued mail of a campaign is held and released (the delivery engine). */
    interface Holds {
        /**
         * Holds a campaign's mail; {@code reason}: why it was paused (the event's reply text);
         * {@code byGuard}: paused by the campaign guard, not by an operator.
         */
        void hold(String campaign, String reason, boolean byGuard);

        void release(String campaign);
    }

    private final Holds holds;

    CampaignPauseHolds(Holds holds) {
        this.holds = holds;
    }

    @Override
    public void accept(Event e) {
        if (e.campaign() == null) return;
        switch (e.kind()) {
            case CAMPAIGN_PAUSED -> holds.hold(e.campaign(), e.reply(), "guard".equals(e.reason()));
            case CAMPAIGN_RESUMED -> holds.release(e.campaign());
            default -> {}
        }
    }
}
