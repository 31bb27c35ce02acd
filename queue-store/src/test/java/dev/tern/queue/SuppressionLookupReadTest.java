package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A suppression lookup reads the spool only for a tenant that may have entries (found on open, or
 * suppressed since): the global list of an install that never suppressed anything costs no read.
 */
class SuppressionLookupReadTest {
    @TempDir
    Path dir;

    @Test
    void lookupsOfTenantsWithoutEntriesDoNotRead() {
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            assertThat(spool.suppression("", "a@example.com")).isEmpty();
            assertThat(spool.suppression("acme", "a@example.com")).isEmpty();
            assertThat(spool.suppressionReads.get()).isZero();
            spool.suppress(new Suppression("acme", "A@example.com", "manual", 1))
                    .join();
            assertThat(spool.suppression("acme", "a@example.com")).isPresent();
            assertThat(spool.suppression("acme", "b@example.com")).isEmpty();
            assertThat(spool.suppressionReads.get()).isEqualTo(2);
            assertThat(spool.suppression("", "a@example.com")).isEmpty(); // the global list: still none
            assertThat(spool.suppression("acme2", "a@example.com")).isEmpty();
            assertThat(spool.suppressionReads.get()).isEqualTo(2);
            spool.suppressLocally(new Suppression("", "g@example.com", "from another node", 2))
                    .join();
            spool.suppress(new Suppression("acme2", "z@example.com", "manual", 3))
                    .join();
            assertThat(spool.unsuppress("acme", "a@example.com")).isTrue();
            assertThat(spool.suppression("acme", "a@example.com")).isEmpty(); // read: removed
            assertThat(spool.suppressionReads.get()).isEqualTo(3);
        }
        // tenants with entries are found again on open ("acme" has none left, "" and "acme2" do)
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            assertThat(spool.suppression("", "g@example.com")).isPresent();
            assertThat(spool.suppression("acme2", "z@example.com")).isPresent();
            assertThat(spool.suppression("acme2", "y@example.com")).isEmpty();
            assertThat(spool.suppressionReads.get()).isEqualTo(3);
            assertThat(spool.suppression("acme", "a@example.com")).isEmpty();
            assertThat(spool.suppressionReads.get()).isEqualTo(3);
        }
    }
}
