package dev.tern.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.delivery.DeliveryEngine;

/** {@code POST /api/v1/suspend}, {@code /resume}, {@code /bounce}, {@code /retry}: queue control. */
final class ControlResource {
    record Suspension(String target, boolean suspended, boolean changed, Integer rescheduled) {}

    private final AdminContext ctx;
    private final QueueOperations ops;

    ControlResource(AdminContext ctx) {
        this.ctx = ctx;
        this.ops = new QueueOperations(ctx.spool(), ctx.engine(), ctx.events(), ctx.clock());
    }

    /**
     * Suspends a site (no new connections), a domain or tenant (its entries wait in the spool) or a
     * campaign (paused: its entries wait in the spool and new injections get 451 4.7.1).
     */
    Suspension suspend(ApiRequest req) {
        Target t = Target.parse(req.field(req.json(), "target", true));
        DeliveryEngine engine = ctx.engine();
        boolean changed = switch (t.kind()) {
            case SITE -> {
                boolean was = engine.suspendedDestinations().contains(t.value());
                engine.suspendDestination(t.value());
                yield !was;
            }
            case DOMAIN -> {
                boolean was = engine.suspendedDomains().contains(t.value());
                engine.suspendDomain(t.value());
                yield !was;
            }
            case TENANT -> engine.suspendTenant(t.value());
            // the campaign_paused event makes the engine hold the campaign's entries (TernServer)
            case CAMPAIGN -> ctx.campaigns().pause(t.value(), "suspended by operator");
        };
        return new Suspension(t.toString(), true, changed, null);
    }

    /** Resumes what {@link #suspend} suspended; entries held in the spool are made due at once. */
    Suspension resume(ApiRequest req) {
        Target t = Target.parse(req.field(req.json(), "target", true));
        DeliveryEngine engine = ctx.engine();
        boolean changed = switch (t.kind()) {
            case SITE -> engine.resumeDestination(t.value());
            case DOMAIN -> engine.resumeDomain(t.value());
            case TENANT -> engine.resumeTenant(t.value());
            case CAMPAIGN -> ctx.campaigns().resume(t.value()) | engine.resumeCampaign(t.value());
        };
        if (t.kind() == Target.Kind.SITE) return new Suspension(t.toString(), false, changed, null);
        int rescheduled = changed ? ops.retryNow(t).rescheduled() : 0;
        return new Suspension(t.toString(), false, changed, rescheduled);
    }

    QueueOperations.PurgeResult bounce(ApiRequest req) {
        JsonNode body = req.json();
        Target t = Target.parse(req.field(body, "target", true));
        if (t.kind() != Target.Kind.DOMAIN) {
            throw ApiException.badRequest(
                    "bounce takes a domain:<domain> target (a site's entries are only known per domain in the spool)");
        }
        String reason = req.field(body, "reason", false);
        if (reason != null && reason.length() > 200)
            throw ApiException.badRequest("reason is longer than 200 characters");
        if (reason != null && reason.chars().anyMatch(c -> c < 0x20))
            throw ApiException.badRequest("reason must be one line of text");
        return ops.purge(t.value(), reason);
    }

    QueueOperations.RetryResult retry(ApiRequest req) {
        String target = req.field(req.json(), "target", false);
        if (target == null || target.equals("all")) return ops.retryNow(null);
        Target t = Target.parse(target);
        if (t.kind() == Target.Kind.SITE) {
            throw ApiException.badRequest(
                    "retry takes a domain:, campaign: or tenant: target or \"all\" (the spool does not record sites)");
        }
        return ops.retryNow(t);
    }
}
