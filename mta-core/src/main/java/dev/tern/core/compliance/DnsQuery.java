package dev.tern.core.compliance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** Synchronous DNS questions for the sender check, sent to the configured servers (or the system's). */
public final class DnsQuery {
    /** How a question was answered. */
    public enum Status {
        OK,
        NXDOMAIN,
        NODATA,
        ERROR
    }

    /** An answer: the records of the asked type (empty unless {@link Status#OK}). */
    public record Answer(Status status, List<Record> records, String error) {
        boolean found() {
            return status == Status.OK;
        }

        /** True for NXDOMAIN or NODATA (a "void lookup" in RFC 7208 terms). */
        boolean empty() {
            return status == Status.NXDOMAIN || status == Status.NODATA;
        }
    }

    private final Resolver resolver;

    /** Queries the given servers (empty = the system's resolvers) with this timeout per question. */
    public DnsQuery(List<InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) {
            ExtendedResolver r = new ExtendedResolver();
            r.setTimeout(timeout);
            resolver = r;
        } else if (servers.size() == 1) {
            SimpleResolver r = new SimpleResolver(servers.get(0));
            r.setTimeout(timeout);
            resolver = r;
        } else {
            List<Resolver> list = new ArrayList<>();
            for (InetSocketAddress a : servers) list.add(new SimpleResolver(a));
            ExtendedResolver r = new ExtendedResolver(list);
            r.setTimeout(timeout);
            resolver = r;
        }
    }

    /** Asks one question; never throws. */
    public Answer query(String name, int type) {
        Name n;
        try {
            n = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return new Answer(Status.ERROR, List.of(), "bad name '" + name + "'");
        }
        return query(n, type);
    }

    Answer query(Name name, int type) {
        Message response;
        try {
            response = resolver.send(Message.newQuery(Record.newRecord(name, type, org.xbill.DNS.DClass.IN)));
        } catch (IOException e) {
            return new Answer(Status.ERROR, List.of(), "no answer for " + name + "/" + Type.string(type) + ": " + e);
        }
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) return new Answer(Status.NXDOMAIN, List.of(), "");
        if (rcode != Rcode.NOERROR) {
            return new Answer(Status.ERROR, List.of(), Rcode.string(rcode) + " for " + name + "/" + Type.string(type));
        }
        List<Record> records = new ArrayList<>();
        for (Record r : response.getSection(Section.ANSWER)) {
            if (r.getType() == type) records.add(r);
        }
        return records.isEmpty()
                ? new Answer(Status.NODATA, List.of(), "")
                : new Answer(Status.OK, List.copyOf(records), "");
    }

    /** The TXT strings of a name, each record's strings joined (RFC 7208 3.3). */
    List<String> txt(Answer a) {
        List<String> out = new ArrayList<>();
        for (Record r : a.records()) out.add(String.join("", ((TXTRecord) r).getStrings()));
        return out;
    }

    /** The A and AAAA addresses of a host; the answer status is that of the A query unless it had none. */
    List<InetAddress> addresses(String host, List<Answer> answers) {
        List<InetAddress> out = new ArrayList<>();
        Answer a = query(host, Type.A);
        Answer aaaa = query(host, Type.AAAA);
        answers.add(a);
        answers.add(aaaa);
        for (Record r : a.records()) out.add(((ARecord) r).getAddress());
        for (Record r : aaaa.records()) out.add(((AAAARecord) r).getAddress());
        return out;
    }

    /** MX targets, lower case without trailing dot, by preference. */
    List<String> mxHosts(Answer a) {
        return a.records().stream()
                .map(r -> (MXRecord) r)
                .sorted(java.util.Comparator.comparingInt(MXRecord::getPriority))
                .map(r -> hostName(r.getTarget()))
                .toList();
    }

    /** The PTR answer for an address. */
    Answer ptr(InetAddress address) {
        return query(ReverseMap.fromAddress(address), Type.PTR);
    }

    List<String> ptrNames(Answer a) {
        return a.records().stream()
                .map(r -> hostName(((PTRRecord) r).getTarget()))
                .toList();
    }

    static String hostName(Name n) {
        String s = n.toString(true);
        return s.toLowerCase(Locale.ROOT);
    }
}
