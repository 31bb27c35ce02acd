package dev.tern.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * SMTP AUTH (PLAIN, LOGIN) on the injection listener ({@code injection.auth}). Authenticated
 * users may relay from any address, for their own tenants and pools only.
 *
 * @param enabled               offer AUTH
 * @param allowWithoutTls       offer and accept AUTH before STARTTLS (passwords in clear: only for trusted networks)
 * @param maxFailures           failed AUTH attempts from one client address within {@code failureWindow} that lock it out
 * @param failureWindow         how long a failure counts
 * @param lockout               how long a locked-out address gets its AUTH refused unchecked (454 4.7.0)
 * @param maxFailuresPerSession failed AUTH attempts after which the connection is closed (421 4.7.0)
 * @param users                 users by AUTH name
 */
public record InjectionAuth(
        boolean enabled,
        boolean allowWithoutTls,
        int maxFailures,
        Duration failureWindow,
        Duration lockout,
        int maxFailuresPerSession,
        Map<String, User> users)
        implements Validated {
    static InjectionAuth defaults() {
        return new InjectionAuth(false, false, 5, Duration.ofMinutes(15), Duration.ofMinutes(15), 3, Map.of());
    }

    public InjectionAuth {
        users = users == null ? Map.of() : users;
    }

    @Override
    public void validate(Problems p) {
        p.min(maxFailures, 1, "max_failures");
        p.min(maxFailuresPerSession, 1, "max_failures_per_session");
        p.require(failureWindow.compareTo(Duration.ZERO) > 0, "failure_window", "must be positive");
        p.require(lockout.compareTo(Duration.ZERO) > 0, "lockout", "must be positive");
        if (enabled && users.isEmpty()) p.add("users", "at least one user is needed when enabled is true");
        for (String name : users.keySet()) {
            if (name.isEmpty() || name.length() > 255 || !name.chars().allMatch(c -> c > 0x20 && c != 0x7f)) {
                p.at("users")
                        .add(
                                ConfigBinder.quoteKey(name),
                                "a user name must be 1 to 255 characters without spaces or control characters");
            }
        }
    }

    /**
     * One AUTH user.
     *
     * @param passwordHash         Argon2id (PHC string) or bcrypt hash of the password, from {@code tern auth hash-password}
     * @param tenants              tenants it may name in X-Tern-Tenant ("*": any); with one, messages without the header get it
     * @param pools                pools it may name in X-Tern-Pool ("*": any); with one, messages without the header get it
     * @param maxMessagesPerSecond recipients per second over all its sessions (0 = unlimited; more: 451 4.7.1
     *                             at RCPT): each recipient is one stored copy, so one message to 500 counts 500
     * @param maxMessagesPerMinute recipients per minute over all its sessions (0 = unlimited)
     * @param priorities           priority lanes it may ask for with X-Tern-Priority ("transactional", "*": any);
     *                             empty = bulk only (asking for another lane: 550 5.7.1)
     */
    public record User(
            String passwordHash,
            List<String> tenants,
            List<String> pools,
            int maxMessagesPerSecond,
            int maxMessagesPerMinute,
            List<String> priorities)
            implements Validated {
        /** The lanes X-Tern-Priority may name. */
        public static final List<String> LANES = List.of("transactional", "bulk", "*");

        static User defaults() {
            return new User(null, List.of(), List.of(), 0, 0, List.of());
        }

        public User {
            tenants = tenants == null ? List.of() : tenants;
            pools = pools == null ? List.of() : pools;
            priorities = priorities == null ? List.of() : priorities;
        }

        @Override
        public void validate(Problems p) {
            FileChecks.installed().passwordHash(passwordHash, p);
            p.min(maxMessagesPerSecond, 0, "max_messages_per_second");
            p.min(maxMessagesPerMinute, 0, "max_messages_per_minute");
            for (int i = 0; i < tenants.size(); i++)
                p.require(!tenants.get(i).isBlank(), "tenants[" + i + "]", "must not be empty");
            for (int i = 0; i < pools.size(); i++)
                p.require(!pools.get(i).isBlank(), "pools[" + i + "]", "must not be empty");
            for (int i = 0; i < priorities.size(); i++)
                p.require(
                        LANES.contains(priorities.get(i)),
                        "priorities[" + i + "]",
                        "'" + priorities.get(i) + "' is not a lane: one of " + String.join(", ", LANES));
        }
    }
}
