package dev.tern.bounce;

import java.util.Objects;

/**
 * What a reply or a bounce means: the fine-grained reason, whether it is a hard bounce, and the
 * coarse class.
 *
 * @param reason      sisimai-compatible reason
 * @param hard        true for a hard bounce (suppress the address)
 * @param bounceClass PowerMTA-style coarse class
 * @param ruleId      id of the rule that decided it (for diagnostics), never null
 */
public record Classification(Reason reason, boolean hard, BounceClass bounceClass, String ruleId) {

    public Classification {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(bounceClass, "bounceClass");
        ruleId = ruleId == null ? "" : ruleId;
    }

    /** A classification for {@code reason} with its default class and hard/soft flag. */
    public static Classification of(Reason reason, boolean temporary, String ruleId) {
        return new Classification(reason, reason.hardFor(temporary), reason.bounceClass(), ruleId);
    }
}
