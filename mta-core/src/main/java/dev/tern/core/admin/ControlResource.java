package dev.tern.core.admin;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code POST /api/v1/suspend}, {@code /resume}, {@code /bounce}, {@code /retry}: queue control. */
final class ControlResource {
  record Suspension(String target, boolean suspended, boolean changed, Integer rescheduled) {}

  private final AdminContext ctx;
  private final QueueOperations ops;

  ControlResource(AdminContext ctx) {
    this.ctx = ctx;
    this.ops = new QueueOperations(ctx.spool(), ctx.engine(), ctx.events(), ctx.clock());
  }

  Suspension suspend(ApiRequest req) {
    Target t = Target.parse(req.field(req.json(), "target", true));
    boolean changed;
    if (t.kind() == Target.Kind.SITE) {
      changed = !ctx.engine().suspendedDestinations().contains(t.value());
      ctx.engine().suspendDestination(t.value());
    } else {
      changed = !ctx.engine().suspendedDomains().contains(t.value());
      ctx.engine().suspendDomain(t.value());
    }
    return new Suspension(t.toString(), true, changed, null);
  }

  Suspension resume(ApiRequest req) {
    Target t = Target.parse(req.field(req.json(), "target", true));
    if (t.kind() == Target.Kind.SITE) {
      return new Suspension(t.toString(), false, ctx.engine().resumeDestination(t.value()), null);
    }
    boolean changed = ctx.engine().resumeDomain(t.value());
    // entries put back to the spool while the domain was suspended are due again at once
    int rescheduled = changed ? ops.retryNow(t.value()).rescheduled() : 0;
    return new Suspension(t.toString(), false, changed, rescheduled);
  }

  QueueOperations.PurgeResult bounce(ApiRequest req) {
    JsonNode body = req.json();
    Target t = Target.parse(req.field(body, "target", true));
    if (t.kind() != Target.Kind.DOMAIN) {
      throw ApiException.badRequest("bounce takes a domain:<domain> target (a site's entries are only known per domain in the spool)");
    }
    String reason = req.field(body, "reason", false);
    if (reason != null && reason.length() > 200) throw ApiException.badRequest("reason is longer than 200 characters");
    if (reason != null && reason.chars().anyMatch(c -> c < 0x20)) throw ApiException.badRequest("reason must be one line of text");
    return ops.purge(t.value(), reason);
  }

  QueueOperations.RetryResult retry(ApiRequest req) {
    String target = req.field(req.json(), "target", false);
    if (target == null || target.equals("all")) return ops.retryNow(null);
    Target t = Target.parse(target);
    if (t.kind() != Target.Kind.DOMAIN) {
      throw ApiException.badRequest("retry takes a domain:<domain> target or \"all\"");
    }
    return ops.retryNow(t.value());
  }
}
