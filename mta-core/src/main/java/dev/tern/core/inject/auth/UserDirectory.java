package dev.tern.core.inject.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * The configured SMTP AUTH users with their password hashes. Checking a password is
 * deliberately slow (Argon2id or bcrypt) and memory-hungry, so at most a few run at once; an
 * unknown name costs as much as a wrong password, so timing does not tell which names exist.
 */
public final class UserDirectory {
    /** A user and the hash of its password. */
    public record Entry(AuthUser user, String passwordHash) {}

    private final Map<String, Entry> users;
    private final Semaphore checks =
            new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private volatile String decoy;

    public UserDirectory(Map<String, Entry> users) {
        this.users = Map.copyOf(new LinkedHashMap<>(users));
    }

    public boolean isEmpty() {
        return users.isEmpty();
    }

    /** The user if {@code password} is its password; empty for an unknown name or a wrong password. */
    public Optional<AuthUser> authenticate(String name, char[] password) {
        Entry e = name == null ? null : users.get(name);
        String hash = e != null ? e.passwordHash() : decoy();
        checks.acquireUninterruptibly();
        try {
            boolean ok = PasswordHash.verify(password, hash);
            return ok && e != null ? Optional.of(e.user()) : Optional.empty();
        } finally {
            checks.release();
        }
    }

    /** A hash nobody knows the password of, made like the first user's, to spend the same time on unknown names. */
    private String decoy() {
        String d = decoy;
        if (d == null) {
            char[] random = java.util.UUID.randomUUID().toString().toCharArray();
            d = users.isEmpty()
                    ? PasswordHash.argon2id(random)
                    : PasswordHash.like(users.values().iterator().next().passwordHash(), random);
            decoy = d;
        }
        return d;
    }
}
