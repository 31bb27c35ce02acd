package dev.tern.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.Durations;
import dev.tern.core.delivery.QueueManager;
import dev.tern.queue.Hold;
import dev.tern.queue.HoldOrigin;
import dev.tern.queue.HoldTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code POST /api/v1/suspend}, {@code /resume}, {@code /bounce}, {@code /retry} and
 * {@code GET /api/v1/holds}: queue control. Each is one command to the queue manager.
 */
final class ControlResource {
    /** Longest {@code for} of a suspension: longer is a mistake (the queue's own max age is days). */
    private static final Duration MAX_FOR = Duration.ofDays(365);

    record Suspension(String target, boolean suspended, boolean changed, Integer rescheduled, HoldView hold) {}

    /** A hold as the API shows it. */
    record HoldView(String target, String reason, String origin, Instant createdAt, Instant expiresAt) {
        static HoldView of(Hold h) {
            return h == null
                    ? null
                    : new HoldView(
                            h.target().toString(), h.reason(), h.origin().wireName(), h.createdAt(), h.expiresAt());
        }
    }

    record Holds(List<HoldView> holds) {}

    private final AdminContext ctx;

    ControlResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Holds a target: no delivery of its mail (it stays in the spool) until resumed or until
     * {@code for} has passed. A campaign's new injections are also refused with 451 4.7.1.
     */
    Suspension suspend(ApiRequest req) {
        JsonNode body = req.json();
        HoldTarget t = Target.parse(req.field(body, "target", true));
        String reason = reason(req, body);
        Duration duration = duration(req.field(body, "for", false));
        QueueManager engine = ctx.engine();
        var change = engine.hold(t, reason, HoldOrigin.OPERATOR, duration);
        if (t.kind() == HoldTarget.Kind.CAMPAIGN)
            ctx.campaigns().pause(t.value(), reason.isEmpty() ? "suspended by operator" : reason);
        return new Suspension(t.toString(), true, change.changed(), null, HoldView.of(change.hold()));
    }

    /** Ends a hold; the held entries are made due at once. */
    Suspension resume(ApiRequest req) {
        HoldTarget t = Target.parse(req.field(req.json(), "target", true));
        var change = ctx.engine().release(t);
        boolean campaign =
                t.kind() == HoldTarget.Kind.CAMPAIGN && ctx.campaigns().resume(t.value());
        return new Suspension(
                t.toString(), false, change.changed() || campaign, change.rescheduled(), HoldView.of(change.hold()));
    }

    Holds holds() {
        return new Holds(ctx.engine().holds().stream().map(HoldView::of).toList());
    }

    dev.tern.core.delivery.CommandResult.Bounced bounce(ApiRequest req) {
        JsonNode body = req.json();
        HoldTarget t = Target.parse(req.field(body, "target", true));
        return ctx.engine().bounce(t, reason(req, body));
    }

    dev.tern.core.delivery.CommandResult.Retried retry(ApiRequest req) {
        String target = req.field(req.json(), "target", false);
        return ctx.engine().retry(target == null || target.equals("all") ? null : Target.parse(target));
    }

    private static String reason(ApiRequest req, JsonNode body) {
        String reason = req.field(body, "reason", false);
        if (reason == null) return "";
        if (reason.length() > 200) throw ApiException.badRequest("reason is longer than 200 characters");
        if (reason.chars().anyMatch(c -> c < 0x20 || c == 0x7f))
            throw ApiException.badRequest("reason must be one line of printable text");
        return reason.strip();
    }

    private static Duration duration(String text) {
        if (text == null) return null;
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("bad \"for\": expected a duration such as 30m, 2h or 1d");
        }
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_FOR) > 0)
            throw ApiException.badRequest("bad \"for\": expected a duration between 1s and 365d");
        return d;
    }
}
