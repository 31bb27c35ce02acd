package dev.tern.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.queue.Suppression;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET/POST/DELETE /api/v1/suppressions}: the suppression list, per tenant ("" = global).
 * {@code GET} pages with {@code limit} and {@code after}; {@code prefix} keeps only addresses
 * starting with it (a whole address finds that address).
 */
final class SuppressionsResource {
    static final int MAX_LIMIT = 10_000;

    record Item(String tenant, String address, String reason, Instant addedAt) {}

    record Page(String tenant, List<Item> suppressions, String next) {}

    record Removed(String tenant, String address, boolean removed) {}

    private final AdminContext ctx;

    SuppressionsResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    Page list(ApiRequest req) {
        String tenant = req.param("tenant", "");
        int limit;
        try {
            limit = Integer.parseInt(req.param("limit", "100"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a number");
        }
        if (limit < 1 || limit > MAX_LIMIT) throw ApiException.badRequest("limit must be in 1.." + MAX_LIMIT);
        String prefix = req.param("prefix", "").strip().toLowerCase(Locale.ROOT);
        String after = req.param("after", "");
        List<Item> items;
        if (prefix.isEmpty()) {
            items = ctx.spool().suppressions(tenant, after, limit).stream()
                    .map(SuppressionsResource::item)
                    .toList();
        } else {
            List<Item> found = new java.util.ArrayList<>();
            // the listing starts after its "after" address: the prefix itself is looked up on its own
            if (after.isEmpty()) ctx.spool().suppression(tenant, prefix).ifPresent(s -> found.add(item(s)));
            String from = after.compareTo(prefix) > 0 ? after : prefix;
            for (Suppression s : ctx.spool().suppressions(tenant, from, limit - found.size())) {
                if (!s.address().startsWith(prefix)) break;
                found.add(item(s));
            }
            items = found;
        }
        return new Page(tenant, items, items.size() == limit ? items.getLast().address() : null);
    }

    Item add(ApiRequest req) {
        JsonNode body = req.json();
        String tenant = orEmpty(req.field(body, "tenant", false));
        String address = address(req.field(body, "address", true));
        String reason = req.field(body, "reason", false);
        Suppression s = new Suppression(
                tenant,
                address,
                reason == null || reason.isBlank() ? "manual" : reason.strip(),
                ctx.clock().millis());
        ctx.spool().suppress(s).join();
        return item(s);
    }

    Removed remove(ApiRequest req) {
        String tenant = req.param("tenant", null);
        String address = req.param("address", null);
        if (address == null && req.body().length > 0) {
            JsonNode body = req.json();
            tenant = req.field(body, "tenant", false);
            address = req.field(body, "address", true);
        }
        String a = address(address);
        String t = orEmpty(tenant);
        if (!ctx.spool().unsuppress(t, a))
            throw ApiException.notFound("no suppression of " + a + (t.isEmpty() ? "" : " for tenant " + t));
        return new Removed(t, a, true);
    }

    private static String address(String a) {
        if (a == null || a.isBlank()) throw ApiException.badRequest("missing address");
        String s = a.strip().toLowerCase(Locale.ROOT);
        int at = s.lastIndexOf('@');
        if (at <= 0 || at == s.length() - 1 || s.length() > 320 || s.chars().anyMatch(c -> c <= 0x20)) {
            throw ApiException.badRequest("bad address '" + a + "': expected local@domain");
        }
        return s;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s.strip();
    }

    private static Item item(Suppression s) {
        return new Item(s.tenant(), s.address(), s.reason(), Instant.ofEpochMilli(s.addedAt()));
    }
}
