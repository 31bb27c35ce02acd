package dev.tern.core.inject;

import dev.tern.core.config.InjectionAuth;
import dev.tern.core.inject.auth.AuthFailures;
import dev.tern.core.inject.auth.AuthUser;
import dev.tern.core.inject.auth.UserDirectory;
import dev.tern.core.inject.auth.UserRates;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.server.Session;

/**
 * SMTP AUTH on the injection listener: who may log in, when AUTH is offered (after TLS unless
 * allowed without), failed-attempt lockout per client address and per-user message rates.
 * Shared by the plain and the implicit-TLS listener.
 */
final class SmtpAuth {
    final boolean enabled;
    final boolean allowWithoutTls;
    final int maxFailuresPerSession;
    final UserDirectory users;
    final AuthFailures failures;
    final UserRates rates;

    SmtpAuth(InjectionAuth config, Clock clock) {
        enabled = config.enabled();
        allowWithoutTls = config.allowWithoutTls();
        maxFailuresPerSession = config.maxFailuresPerSession();
        Map<String, UserDirectory.Entry> entries = new LinkedHashMap<>();
        Map<String, UserRates.Limit> limits = new LinkedHashMap<>();
        config.users().forEach((name, u) -> {
            entries.put(
                    name,
                    new UserDirectory.Entry(
                            new AuthUser(name, u.tenants(), u.pools(), u.priorities()), u.passwordHash()));
            limits.put(name, new UserRates.Limit(u.maxMessagesPerSecond(), u.maxMessagesPerMinute()));
        });
        users = new UserDirectory(entries);
        failures = new AuthFailures(config.maxFailures(), config.failureWindow(), config.lockout(), clock);
        rates = new UserRates(limits, clock);
    }

    /** True when AUTH is advertised and accepted in this session now. */
    boolean offered(Session session) {
        return enabled && (session.isTLSStarted() || allowWithoutTls);
    }

    /** The user a session authenticated as, if any. */
    static Optional<AuthUser> user(MessageContext context) {
        return context.getAuthenticationHandler()
                .map(AuthenticationHandler::getIdentity)
                .filter(AuthUser.class::isInstance)
                .map(AuthUser.class::cast);
    }

    /** What a session holds once AUTH succeeded: the user as its identity. */
    record Identity(AuthUser user) implements AuthenticationHandler {
        @Override
        public Optional<String> auth(String clientInput, MessageContext context) {
            throw new IllegalStateException("already authenticated");
        }

        @Override
        public Object getIdentity() {
            return user;
        }
    }
}
