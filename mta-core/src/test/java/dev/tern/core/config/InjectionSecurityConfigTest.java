package dev.tern.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.inject.auth.PasswordHash;
import dev.tern.core.inject.tls.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** injection.tls and injection.auth: values bind, and every wrong one names its exact key. */
class InjectionSecurityConfigTest {
    @TempDir
    Path dir;

    private static TernConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "t");
    }

    private static List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected configuration problems");
    }

    @Test
    void tlsBindsAndChecksTheFiles() {
        Path cert = dir.resolve("c.pem"), key = dir.resolve("k.pem");
        SelfSignedCertificate.write(cert, key, "mx.example.test");
        InjectionTls t = parse("""
        injection:
          tls: { starttls: true, certificate: "%s", private_key: "%s", smtps_listen: 127.0.0.1:4650, protocols: [TLSv1.3] }
        """.formatted(cert, key)).injection().tls();
        assertThat(t.starttls()).isTrue();
        assertThat(t.certificate()).isEqualTo(cert);
        assertThat(t.smtpsListen()).isEqualTo(new HostPort("127.0.0.1", 4650));
        assertThat(t.protocols()).containsExactly("TLSv1.3");
        // the defaults offer STARTTLS with a self-signed certificate generated under data/tls
        assertThat(TernConfig.defaults().injection().tls().enabled()).isTrue();
    }

    @Test
    void missingUnreadableOrMismatchedFilesNameTheirKey() throws Exception {
        assertThat(problems("injection: { tls: { starttls: true, certificate: \"\", private_key: \"\" } }"))
                .anySatisfy(p -> assertThat(p).startsWith("injection.tls.certificate: is required"))
                .anySatisfy(p -> assertThat(p).startsWith("injection.tls.private_key: is required"));

        Path cert = dir.resolve("c.pem"), key = dir.resolve("k.pem");
        SelfSignedCertificate.write(cert, key, "a.test");
        assertThat(problems("injection: { tls: { starttls: true, certificate: \"%s\", private_key: \"%s\" } }"
                        .formatted(cert, dir.resolve("nope.pem"))))
                .containsExactly("injection.tls.private_key: " + dir.resolve("nope.pem")
                        + ": file not found (self_signed generates the certificate and key only when neither file"
                        + " exists)");

        Path cert2 = dir.resolve("c2.pem"), key2 = dir.resolve("k2.pem");
        SelfSignedCertificate.write(cert2, key2, "b.test");
        assertThat(problems(
                        "injection: { tls: { smtps_listen: 127.0.0.1:4650, certificate: \"%s\", private_key: \"%s\" } }"
                                .formatted(cert, key2)))
                .singleElement()
                .satisfies(p ->
                        assertThat(p).startsWith("injection.tls.private_key: ").contains("does not belong"));

        Path junk = Files.writeString(dir.resolve("junk.pem"), "hello\n");
        assertThat(problems("injection: { tls: { starttls: true, certificate: \"%s\", private_key: \"%s\" } }"
                        .formatted(junk, key)))
                .singleElement()
                .satisfies(p -> assertThat(p).startsWith("injection.tls.certificate: "));
        assertThat(problems("injection: { tls: { starttls: true, certificate: \"%s\", private_key: \"%s\" } }"
                        .formatted(cert, junk)))
                .singleElement()
                .satisfies(p -> assertThat(p).startsWith("injection.tls.private_key: "));
    }

    @Test
    void selfSignedNeedsNeitherFileYetButNotOnlyOne() throws Exception {
        Path cert = dir.resolve("tls/c.pem"), key = dir.resolve("tls/k.pem");
        String yaml =
                "injection: { tls: { starttls: true, self_signed: true, certificate: \"%s\", private_key: \"%s\" } }"
                        .formatted(cert, key);
        assertThat(parse(yaml).injection().tls().generate()).isTrue();
        SelfSignedCertificate.write(cert, key, "a.test");
        Files.delete(key);
        assertThat(problems(yaml))
                .singleElement()
                .satisfies(p -> assertThat(p)
                        .startsWith("injection.tls.private_key: ")
                        .contains("file not found")
                        .contains("only when neither file exists"));
    }

    @Test
    void onlyTls12AndUpAreAllowed() {
        assertThat(problems("injection: { tls: { protocols: [TLSv1.2, TLSv1.1, SSLv3] } }"))
                .containsExactly(
                        "injection.tls.protocols[1]: 'TLSv1.1' is not allowed: only TLSv1.3, TLSv1.2",
                        "injection.tls.protocols[2]: 'SSLv3' is not allowed: only TLSv1.3, TLSv1.2");
        assertThat(problems("injection: { tls: { protocols: [] } }"))
                .containsExactly("injection.tls.protocols: must name at least one of TLSv1.3, TLSv1.2");
    }

    @Test
    void authUsersBind() {
        String hash = PasswordHash.argon2id("pw".toCharArray(), 256, 1, 1);
        InjectionAuth a = parse("""
        injection:
          auth:
            enabled: true
            lockout: 1m
            users:
              app1: { password_hash: "%s", tenants: [acme], pools: ["*"], max_messages_per_minute: 600 }
              "app@example.test": { password_hash: "$2b$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" }
        """.formatted(hash)).injection().auth();
        assertThat(a.enabled()).isTrue();
        assertThat(a.allowWithoutTls()).isFalse();
        assertThat(a.lockout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(a.maxFailures()).isEqualTo(5);
        assertThat(a.users().get("app1"))
                .isEqualTo(new InjectionAuth.User(hash, List.of("acme"), List.of("*"), 0, 600, List.of()));
        assertThat(a.users().get("app@example.test").tenants()).isEmpty();
    }

    @Test
    void wrongAuthValuesNameTheirKey() {
        assertThat(problems("injection: { auth: { enabled: true } }"))
                .containsExactly("injection.auth.users: at least one user is needed when enabled is true");
        assertThat(problems("""
        injection:
          auth:
            max_failures: 0
            max_failures_per_session: 0
            lockout: 0s
            users:
              alice: { password_hash: "secret", max_messages_per_second: -1, tenants: [""] }
              bob: { password: "secret" }
        """))
                .contains(
                        "injection.auth.max_failures: must be >= 1 (got 0)",
                        "injection.auth.max_failures_per_session: must be >= 1 (got 0)",
                        "injection.auth.lockout: must be positive",
                        "injection.auth.users.alice.max_messages_per_second: must be >= 0 (got -1)",
                        "injection.auth.users.alice.tenants[0]: must not be empty",
                        "injection.auth.users.bob.password_hash: is required")
                .anySatisfy(p -> assertThat(p).startsWith("injection.auth.users.alice.password_hash: not an Argon2id"))
                .anySatisfy(p -> assertThat(p).startsWith("injection.auth.users.bob.password: unknown key"));
    }
}
