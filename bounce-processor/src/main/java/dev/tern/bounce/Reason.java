package dev.tern.bounce;

import java.util.Locale;
import java.util.Optional;

/**
 * Bounce reasons, named as sisimai names them, each with its coarse {@link BounceClass}.
 * {@link #hardFor(boolean)} tells whether a failure of this reason is a hard bounce.
 */
public enum Reason {
    AUTHFAILURE(BounceClass.POLICY_RELATED),
    BADREPUTATION(BounceClass.SPAM_RELATED),
    BLOCKED(BounceClass.SPAM_RELATED),
    CONTENTERROR(BounceClass.POLICY_RELATED),
    DELIVERED(BounceClass.OTHER),
    EMAILTOOLARGE(BounceClass.POLICY_RELATED),
    EXCEEDLIMIT(BounceClass.QUOTA_ISSUES),
    EXPIRED(BounceClass.MESSAGE_EXPIRED),
    FAILEDSTARTTLS(BounceClass.PROTOCOL_ERRORS),
    FEEDBACK(BounceClass.SPAM_RELATED),
    FILTERED(BounceClass.POLICY_RELATED),
    HASMOVED(BounceClass.INACTIVE_MAILBOX),
    HOSTUNKNOWN(BounceClass.BAD_DOMAIN),
    MAILBOXFULL(BounceClass.QUOTA_ISSUES),
    MAILERERROR(BounceClass.OTHER),
    MESGTOOBIG(BounceClass.POLICY_RELATED),
    NETWORKERROR(BounceClass.ROUTING_ERRORS),
    NORELAYING(BounceClass.ROUTING_ERRORS),
    NOTACCEPT(BounceClass.BAD_DOMAIN),
    NOTCOMPLIANTRFC(BounceClass.PROTOCOL_ERRORS),
    ONHOLD(BounceClass.OTHER),
    POLICYVIOLATION(BounceClass.POLICY_RELATED),
    RATELIMITED(BounceClass.POLICY_RELATED),
    REJECTED(BounceClass.POLICY_RELATED),
    REQUIREPTR(BounceClass.POLICY_RELATED),
    SECURITYERROR(BounceClass.POLICY_RELATED),
    SPAMDETECTED(BounceClass.SPAM_RELATED),
    SPEEDING(BounceClass.POLICY_RELATED),
    SUPPRESSED(BounceClass.OTHER),
    SUSPEND(BounceClass.INACTIVE_MAILBOX),
    SYNTAXERROR(BounceClass.PROTOCOL_ERRORS),
    SYSTEMERROR(BounceClass.OTHER),
    SYSTEMFULL(BounceClass.OTHER),
    TOOMANYCONN(BounceClass.POLICY_RELATED),
    UNDEFINED(BounceClass.OTHER),
    USERUNKNOWN(BounceClass.BAD_MAILBOX),
    VACATION(BounceClass.OTHER),
    VIRUSDETECTED(BounceClass.SPAM_RELATED);

    private final BounceClass bounceClass;

    Reason(BounceClass bounceClass) {
        this.bounceClass = bounceClass;
    }

    /** The coarse class of this reason. */
    public BounceClass bounceClass() {
        return bounceClass;
    }

    /** The lower-case sisimai name, e.g. {@code userunknown}. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether a failure with this reason is a hard bounce (the address must not be mailed again):
     * only permanent failures that concern the address or its domain, as sisimai defines it.
     *
     * @param temporary true when the reply or status was a 4xx (transient) one
     */
    public boolean hardFor(boolean temporary) {
        return switch (this) {
            case USERUNKNOWN, HOSTUNKNOWN, HASMOVED -> true;
            case NOTACCEPT -> !temporary;
            default -> false;
        };
    }

    /** Parses a sisimai reason name (case-insensitive); {@code mesgtoobig}'s newer name is accepted too. */
    public static Optional<Reason> parse(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return id();
    }
}
