package dev.tern.queue;

/** Who or what set a hold. */
public enum HoldOrigin {
    /** An operator ({@code tern suspend}, the admin API or console). */
    OPERATOR,
    /** A shaping automation rule reacting to a site's replies (always with an expiry). */
    AUTOMATION,
    /** The campaign guard (complaint or bounce rate over its threshold). */
    CAMPAIGN_GUARD;

    /** The lower-case wire name ({@code operator}, {@code automation}, {@code campaign-guard}). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
