package dev.tern.core.inject.auth;

import java.util.List;

/**
 * A user authenticated with SMTP AUTH and what it may send for.
 *
 * @param name    the AUTH user name
 * @param tenants tenants its messages may name in X-Tern-Tenant ("*": any)
 * @param pools   pools its messages may name in X-Tern-Pool ("*": any)
 * @param priorities priority lanes beyond bulk its messages may ask for with X-Tern-Priority
 *                ("transactional", or "*": any); empty = bulk only
 */
public record AuthUser(String name, List<String> tenants, List<String> pools, List<String> priorities) {
    public static final String ANY = "*";

    public AuthUser {
        tenants = List.copyOf(tenants);
        pools = List.copyOf(pools);
        priorities = List.copyOf(priorities);
    }

    public AuthUser(String name, List<String> tenants, List<String> pools) {
        this(name, tenants, pools, List.of());
    }

    /** Whether this user may use the priority lane {@code lane} (e.g. "transactional"). */
    public boolean mayUsePriority(String lane) {
        return priorities.contains(ANY) || priorities.contains(lane);
    }

    /**
     * What a message from this user gets for a tenant or pool it names ({@code requested}, null
     * when it names none).
     *
     * @param allowed whether the user may send it
     * @param value   the tenant or pool to use (null: none); with a single allowed one and none named, that one
     */
    public record Grant(boolean allowed, String value) {}

    /**
     * Applies an allow-list: "*" allows anything (and nothing); a named value must be listed; with
     * nothing named, a single listed value is used, an empty list means none, and several mean the
     * message must name one.
     */
    public static Grant grant(List<String> allowed, String requested) {
        if (allowed.contains(ANY)) return new Grant(true, requested);
        if (requested == null) {
            if (allowed.isEmpty()) return new Grant(true, null);
            if (allowed.size() == 1) return new Grant(true, allowed.get(0));
            return new Grant(false, null);
        }
        return new Grant(allowed.contains(requested), requested);
    }

    public Grant tenant(String requested) {
        return grant(tenants, requested);
    }

    public Grant pool(String requested) {
        return grant(pools, requested);
    }
}
