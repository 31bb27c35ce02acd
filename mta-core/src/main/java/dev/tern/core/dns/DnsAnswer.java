package dev.tern.core.dns;

import java.time.Instant;
import java.util.List;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/** The cached outcome of looking up one name and type, CNAMEs already followed. */
sealed interface DnsAnswer {

    /** When the answer stops being valid. */
    Instant expires();

    /** The records of the asked type, owned by {@code canonical} (the end of any CNAME chain). */
    record Records(Name canonical, List<Record> records, Instant expires) implements DnsAnswer {
        public Records {
            records = List.copyOf(records);
        }
    }

    /** The name (or the end of its CNAME chain) does not exist. */
    record NxDomain(Instant expires) implements DnsAnswer {}

    /** The name exists but has no record of the asked type. */
    record NoData(Instant expires) implements DnsAnswer {}

    /** No usable answer: SERVFAIL, timeout or another error. */
    record Failure(Kind kind, String detail, Instant expires) implements DnsAnswer {}

    /** Kinds of failure, also the {@code result} tag of failed lookups in metrics. */
    enum Kind {
        SERVFAIL("servfail"),
        TIMEOUT("timeout"),
        ERROR("error");

        final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }
}
