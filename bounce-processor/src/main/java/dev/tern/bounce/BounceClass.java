package dev.tern.bounce;

/** PowerMTA/KumoMTA-style coarse bounce category, as operators of those systems know it. */
public enum BounceClass {
    BAD_MAILBOX("bad-mailbox"),
    BAD_DOMAIN("bad-domain"),
    INACTIVE_MAILBOX("inactive-mailbox"),
    QUOTA_ISSUES("quota-issues"),
    SPAM_RELATED("spam-related"),
    POLICY_RELATED("policy-related"),
    ROUTING_ERRORS("routing-errors"),
    MESSAGE_EXPIRED("message-expired"),
    PROTOCOL_ERRORS("protocol-errors"),
    OTHER("other");

    private final String label;

    BounceClass(String label) {
        this.label = label;
    }

    /** The hyphenated name used in events and logs, e.g. {@code bad-mailbox}. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
