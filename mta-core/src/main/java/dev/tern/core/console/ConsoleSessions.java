package dev.tern.core.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's server-side sessions. A session is created by a successful login with the
 * admin token; the browser holds only its random id (in an HttpOnly, SameSite=Strict cookie).
 * Each session has its own random CSRF token, which every state-changing form must send back.
 *
 * <p>A session ends after {@link #idleTimeout} without a request, {@link #maxAge} after login, on
 * logout, or when the admin token changes (a reload with a new token logs everyone out). At most
 * {@link #maxSessions} live at once; a new login beyond that ends the least recently used one.
 */
public final class ConsoleSessions {
    /** One logged-in browser. */
    public static final class Session {
        private final String id;
        private final String csrf;
        private final byte[] tokenDigest;
        private final Instant createdAt;
        private volatile Instant lastSeen;
        private volatile String flash;

        private Session(String id, String csrf, byte[] tokenDigest, Instant createdAt) {
            this.id = id;
            this.csrf = csrf;
            this.tokenDigest = tokenDigest;
            this.createdAt = createdAt;
            this.lastSeen = createdAt;
        }

        /** The session id (the cookie's value). */
        public String id() {
            return id;
        }

        /** The CSRF token the session's forms carry. */
        public String csrf() {
            return csrf;
        }

        public Instant createdAt() {
            return createdAt;
        }

        /** Sets a one-line notice shown on the next page (post/redirect/get). */
        public void flash(String message) {
            flash = message;
        }

        /** The notice set by {@link #flash}, once; null if none. */
        public String takeFlash() {
            String f = flash;
            flash = null;
            return f;
        }
    }

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final Clock clock;
    private final SecureRandom random;
    private final Duration idleTimeout;
    private final Duration maxAge;
    private final int maxSessions;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /**
     * @param idleTimeout a session ends after this long without a request
     * @param maxAge      a session ends this long after login
     * @param maxSessions most sessions alive at once
     */
    public ConsoleSessions(Clock clock, SecureRandom random, Duration idleTimeout, Duration maxAge, int maxSessions) {
        if (idleTimeout.isNegative() || idleTimeout.isZero() || maxAge.compareTo(idleTimeout) < 0 || maxSessions < 1) {
            throw new IllegalArgumentException("bad session limits");
        }
        this.clock = clock;
        this.random = random;
        this.idleTimeout = idleTimeout;
        this.maxAge = maxAge;
        this.maxSessions = maxSessions;
    }

    /** Defaults: 30 minutes idle, 12 hours at most, 1,000 sessions. */
    public ConsoleSessions(Clock clock) {
        this(clock, new SecureRandom(), Duration.ofMinutes(30), Duration.ofHours(12), 1000);
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public Duration maxAge() {
        return maxAge;
    }

    /**
     * Logs in: a new session if {@code given} equals the non-empty {@code adminToken} (compared in
     * constant time), else empty.
     */
    public Optional<Session> login(String given, String adminToken) {
        if (adminToken == null || adminToken.isEmpty() || given == null) return Optional.empty();
        if (!MessageDigest.isEqual(
                given.getBytes(StandardCharsets.UTF_8), adminToken.getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        expire();
        while (sessions.size() >= maxSessions) {
            sessions.values().stream()
                    .min(Comparator.comparing((Session s) -> s.lastSeen))
                    .ifPresent(s -> sessions.remove(s.id));
        }
        Session s = new Session(randomId(), randomId(), digest(adminToken), clock.instant());
        sessions.put(s.id, s);
        return Optional.of(s);
    }

    /**
     * The live session with this id, touched (its idle time restarts); empty if there is none, it
     * expired, or it was opened with another admin token than {@code adminToken}.
     */
    public Optional<Session> find(String id, String adminToken) {
        if (id == null || id.isEmpty()) return Optional.empty();
        Session s = sessions.get(id);
        if (s == null) return Optional.empty();
        Instant now = clock.instant();
        if (expired(s, now)
                || adminToken == null
                || adminToken.isEmpty()
                || !MessageDigest.isEqual(s.tokenDigest, digest(adminToken))) {
            sessions.remove(id, s);
            return Optional.empty();
        }
        s.lastSeen = now;
        return Optional.of(s);
    }

    /** Whether {@code given} is this session's CSRF token (constant-time comparison). */
    public static boolean csrfMatches(Session s, String given) {
        return given != null
                && MessageDigest.isEqual(
                        s.csrf.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.UTF_8));
    }

    /** Ends a session (logout). */
    public void end(Session s) {
        sessions.remove(s.id, s);
    }

    /** Live sessions (after dropping expired ones). */
    public int size() {
        expire();
        return sessions.size();
    }

    private void expire() {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> expired(s, now));
    }

    private boolean expired(Session s, Instant now) {
        return !now.isBefore(s.lastSeen.plus(idleTimeout)) || !now.isBefore(s.createdAt.plus(maxAge));
    }

    private String randomId() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return B64.encodeToString(b);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
