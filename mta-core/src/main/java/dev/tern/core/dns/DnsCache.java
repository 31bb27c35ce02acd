package dev.tern.core.dns;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.xbill.DNS.Name;

/**
 * A size-bounded LRU cache of {@link DnsAnswer}s by name and type. Expired entries are dropped when
 * read; the least recently used entry is evicted when the bound is reached. One lock guards it: the
 * critical sections are a hash lookup and a link update.
 */
final class DnsCache {

    /** Cache key: a canonical (lower-case, absolute) name and a record type. */
    record Key(Name name, int type) {}

    private final int capacity;
    private final LinkedHashMap<Key, DnsAnswer> map;

    DnsCache(int capacity) {
        this.capacity = capacity;
        this.map = new LinkedHashMap<>(Math.min(capacity, 1 << 16) * 4 / 3 + 1, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, DnsAnswer> eldest) {
                return size() > DnsCache.this.capacity;
            }
        };
    }

    /** The unexpired answer for the key, or null. */
    synchronized DnsAnswer get(Key key, Instant now) {
        DnsAnswer answer = map.get(key);
        if (answer == null) {
            return null;
        }
        if (!answer.expires().isAfter(now)) {
            map.remove(key);
            return null;
        }
        return answer;
    }

    /** Stores an answer unless the cache is disabled or the answer has already expired. */
    synchronized void put(Key key, DnsAnswer answer, Instant now) {
        if (capacity == 0 || !answer.expires().isAfter(now)) {
            map.remove(key);
            return;
        }
        map.put(key, answer);
    }

    synchronized int size() {
        return map.size();
    }

    synchronized void clear() {
        map.clear();
    }
}
