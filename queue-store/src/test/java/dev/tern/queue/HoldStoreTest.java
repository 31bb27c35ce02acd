package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

class HoldStoreTest {
    @TempDir
    Path dir;

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void holdsArePutListedReplacedRemovedAndSurviveReopen() {
        Hold site = new Hold(
                new HoldTarget(HoldTarget.Kind.SITE, "mx:mx1.example.com,mx2.example.com"),
                "blocking us",
                HoldOrigin.OPERATOR,
                T0,
                null);
        Hold domain = new Hold(
                new HoldTarget(HoldTarget.Kind.DOMAIN, "Example.ORG"),
                "",
                HoldOrigin.AUTOMATION,
                T0,
                T0.plusSeconds(600));
        Hold campaign = new Hold(
                new HoldTarget(HoldTarget.Kind.CAMPAIGN, "spring"), "guard", HoldOrigin.CAMPAIGN_GUARD, T0, null);
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            spool.putHold(site).join();
            spool.putHold(domain).join();
            spool.putHold(campaign).join();
            assertThat(spool.holds()).containsExactly(campaign, domain, site);
            assertThat(domain.target().value()).isEqualTo("example.org");

            Hold replaced = new Hold(site.target(), "still blocking", HoldOrigin.OPERATOR, T0.plusSeconds(1), null);
            spool.putHold(replaced).join();
            assertThat(spool.holds()).containsExactly(campaign, domain, replaced);

            assertThat(spool.removeHold(campaign.target())).isTrue();
            assertThat(spool.removeHold(campaign.target())).isFalse();
        }
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            List<Hold> holds = spool.holds();
            assertThat(holds).hasSize(2);
            assertThat(holds.get(0)).isEqualTo(domain);
            assertThat(holds.get(0).expiry()).contains(T0.plusSeconds(600));
            assertThat(holds.get(0).expiredAt(T0.plusSeconds(599))).isFalse();
            assertThat(holds.get(0).expiredAt(T0.plusSeconds(600))).isTrue();
            assertThat(holds.get(1).reason()).isEqualTo("still blocking");
        }
    }

    @Test
    void aSpoolCreatedBeforeHoldsOpensWithNoHolds() throws Exception {
        // a spool of the previous layout: every family but "holds"
        RocksDB.loadLibrary();
        List<ColumnFamilyDescriptor> ds = new java.util.ArrayList<>();
        ds.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
        for (String f : SpoolRocksOptions.FAMILIES) {
            if (!f.equals(SpoolRocksOptions.HOLDS)) ds.add(new ColumnFamilyDescriptor(f.getBytes()));
        }
        List<ColumnFamilyHandle> hs = new java.util.ArrayList<>();
        try (DBOptions o = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
                RocksDB db = RocksDB.open(o, dir.toString(), ds, hs)) {
            db.put(hs.get(1), SpoolDb.FORMAT_KEY, SpoolDb.FORMAT.getBytes());
            hs.forEach(ColumnFamilyHandle::close);
        }
        try (Spool spool = Spool.open(Messages.settings(dir))) {
            assertThat(spool.holds()).isEmpty();
            spool.putHold(new Hold(new HoldTarget(HoldTarget.Kind.TENANT, "acme"), "", HoldOrigin.OPERATOR, T0, null))
                    .join();
            assertThat(spool.holds()).hasSize(1);
        }
    }
}
