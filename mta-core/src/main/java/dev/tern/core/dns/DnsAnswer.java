package dev.tern.core.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/** The cached outcome of looking up one name and type, CNAMEs already followed. */
sealed interface DnsAnswer {

    /** When the answer stops being valid. */
    Instant expires();

    /**
     * The records of the asked type, owned by {@code canonical} (the end of any CNAME chain), decoded
     * once when received (see {@link #decode}) so that cache hits do no parsing.
     */
    record Records(Name canonical, List<?> values, Instant expires) implements DnsAnswer {
        public Records {
            values = List.copyOf(values);
        }

        /** The values, all of the type {@link #decode} gives for the asked record type. */
        @SuppressWarnings("unchecked")
        <T> List<T> valuesAs(Class<T> type) {
            for (Object value : values) {
                type.cast(value);
            }
            return (List<T>) values;
        }
    }

    /** An MX record's data: preference and host (canonical name and its text without trailing dot). */
    record MxTarget(int preference, Name name, String host) {}

    /**
     * Decodes a record's data: {@link Inet4Address} for A, {@link Inet6Address} for AAAA (IPv4-mapped
     * data included), {@link MxTarget} for MX, the record itself for other types.
     */
    static Object decode(Record record) {
        try {
            return switch (record) {
                case ARecord a -> (Inet4Address) InetAddress.getByAddress(a.rdataToWireCanonical());
                case AAAARecord aaaa -> Inet6Address.getByAddress(null, aaaa.rdataToWireCanonical(), -1);
                case MXRecord mx -> {
                    Name target = mx.getTarget().canonicalize();
                    yield new MxTarget(mx.getPriority(), target, target.toString(true));
                }
                default -> record;
            };
        } catch (UnknownHostException e) {
            throw new IllegalStateException("undecodable address in " + record, e);
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
