package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuppressionTest {
    @TempDir
    Path dir;

    @Test
    void addGetListRemove() {
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            spool.suppress(new Suppression("acme", "Bob@Example.COM", "userunknown", 10))
                    .join();
            spool.suppress(new Suppression("acme", "alice@example.com", "complaint", 11))
                    .join();
            spool.suppress(new Suppression("acme", "carol@example.com", "manual", 12))
                    .join();
            spool.suppress(new Suppression("other", "bob@example.com", "manual", 13))
                    .join();
            spool.suppress(new Suppression("", "global@example.com", "manual", 14))
                    .join();
            // "acme2" shares a prefix with "acme" but is another tenant
            spool.suppress(new Suppression("acme2", "zed@example.com", "manual", 15))
                    .join();

            assertThat(spool.suppression("acme", "BOB@example.com"))
                    .contains(new Suppression("acme", "bob@example.com", "userunknown", 10));
            assertThat(spool.suppression("acme", "nobody@example.com")).isEmpty();
            assertThat(spool.suppression("", "global@example.com")).isPresent();
            assertThat(spool.suppression("acme", "global@example.com")).isEmpty();

            assertThat(spool.suppressions("acme", "", 10))
                    .extracting(Suppression::address)
                    .containsExactly("alice@example.com", "bob@example.com", "carol@example.com");
            assertThat(spool.suppressions("acme", "", 2))
                    .extracting(Suppression::address)
                    .containsExactly("alice@example.com", "bob@example.com");
            assertThat(spool.suppressions("acme", "bob@example.com", 10))
                    .extracting(Suppression::address)
                    .containsExactly("carol@example.com");
            assertThat(spool.suppressions("nobody", "", 10)).isEmpty();

            // Replace keeps one entry.
            spool.suppress(new Suppression("acme", "bob@example.com", "complaint", 20))
                    .join();
            assertThat(spool.suppression("acme", "bob@example.com"))
                    .get()
                    .extracting(Suppression::reason)
                    .isEqualTo("complaint");

            assertThat(spool.unsuppress("acme", "BOB@example.com")).isTrue();
            assertThat(spool.unsuppress("acme", "bob@example.com")).isFalse();
            assertThat(spool.suppression("acme", "bob@example.com")).isEmpty();
            assertThat(spool.suppression("other", "bob@example.com")).isPresent();
        }
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            assertThat(spool.suppressions("acme", "", 10)).hasSize(2);
        }
    }
}
