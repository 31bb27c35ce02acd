package dev.tern.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

class DnsCacheTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static DnsCache.Key key(String name) {
        return new DnsCache.Key(Name.fromConstantString(name + "."), Type.A);
    }

    @Test
    void evictsTheLeastRecentlyUsedEntry() {
        DnsCache cache = new DnsCache(2);
        DnsAnswer answer = new DnsAnswer.NoData(NOW.plusSeconds(60));
        cache.put(key("a"), answer, NOW);
        cache.put(key("b"), answer, NOW);
        assertThat(cache.get(key("a"), NOW)).isSameAs(answer);
        cache.put(key("c"), answer, NOW);
        assertThat(cache.get(key("b"), NOW)).isNull();
        assertThat(cache.get(key("a"), NOW)).isNotNull();
        assertThat(cache.get(key("c"), NOW)).isNotNull();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void expiredEntriesAreNotServedNorKept() {
        DnsCache cache = new DnsCache(10);
        cache.put(key("a"), new DnsAnswer.NxDomain(NOW.plusSeconds(10)), NOW);
        assertThat(cache.get(key("a"), NOW.plusSeconds(9))).isNotNull();
        assertThat(cache.get(key("a"), NOW.plusSeconds(10))).isNull();
        assertThat(cache.size()).isZero();
        cache.put(key("b"), new DnsAnswer.NxDomain(NOW), NOW);
        assertThat(cache.size()).as("already expired").isZero();
    }

    @Test
    void zeroCapacityCachesNothing() {
        DnsCache cache = new DnsCache(0);
        cache.put(key("a"), new DnsAnswer.NoData(NOW.plusSeconds(60)), NOW);
        assertThat(cache.get(key("a"), NOW)).isNull();
    }
}
