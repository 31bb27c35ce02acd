package dev.tern.testkit.dns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The data and behaviours of a {@link TestDnsServer}: records by owner name, names answered with
 * SERVFAIL, names never answered, names truncated over UDP, and answer delays. Thread-safe: every
 * method locks the zone, so an answer is always built from one consistent state.
 */
final class Zone {

    /** What the server does with a query, decided before it is answered. */
    enum Behaviour {
        ANSWER,
        SERVFAIL,
        DROP
    }

    /** A prepared reply: the response message (absent when dropped), delay and truncation. */
    record Reply(Message message, Duration delay, boolean forceTruncation) {}

    private static final int ANY_TYPE = -1;
    private static final int MAX_CHASE = 16;
    private static final Name SOA_MNAME = Name.fromConstantString("ns.test.");
    private static final Name SOA_RNAME = Name.fromConstantString("hostmaster.test.");

    private final Map<Name, List<Record>> records = new LinkedHashMap<>();
    private final Map<TypedName, Behaviour> behaviours = new HashMap<>();
    private final Map<Name, Duration> delays = new HashMap<>();
    private final Map<Name, Boolean> truncated = new HashMap<>();
    private final java.util.Set<Name> authenticated = new java.util.HashSet<>();
    private long negativeTtl = 300;
    private boolean chaseCnames = true;

    private record TypedName(Name name, int type) {}

    synchronized void add(Record record) {
        Name owner = lower(record.getName());
        List<Record> list = records.computeIfAbsent(owner, n -> new ArrayList<>());
        list.removeIf(r -> r.getType() == record.getType() && r.rdataToString().equals(record.rdataToString()));
        list.add(record);
    }

    synchronized void remove(Name name) {
        Name owner = lower(name);
        records.remove(owner);
        behaviours.keySet().removeIf(k -> k.name().equals(owner));
        delays.remove(owner);
        truncated.remove(owner);
    }

    synchronized void remove(Name name, int type) {
        Name owner = lower(name);
        List<Record> list = records.get(owner);
        if (list != null) {
            list.removeIf(r -> r.getType() == type);
            if (list.isEmpty()) {
                records.remove(owner);
            }
        }
    }

    synchronized void behaviour(Name name, int type, Behaviour behaviour) {
        TypedName key = new TypedName(lower(name), type < 0 ? ANY_TYPE : type);
        if (behaviour == Behaviour.ANSWER) {
            behaviours.remove(key);
        } else {
            behaviours.put(key, behaviour);
        }
    }

    synchronized void clearBehaviours(Name name) {
        Name owner = lower(name);
        behaviours.keySet().removeIf(k -> k.name().equals(owner));
    }

    synchronized void delay(Name name, Duration delay) {
        if (delay.isZero()) {
            delays.remove(lower(name));
        } else {
            delays.put(lower(name), delay);
        }
    }

    synchronized void truncateUdp(Name name, boolean on) {
        if (on) {
            truncated.put(lower(name), true);
        } else {
            truncated.remove(lower(name));
        }
    }

    synchronized void authenticated(Name name, boolean on) {
        if (on) authenticated.add(lower(name));
        else authenticated.remove(lower(name));
    }

    synchronized void negativeTtl(long seconds) {
        this.negativeTtl = seconds;
    }

    synchronized void chaseCnames(boolean chase) {
        this.chaseCnames = chase;
    }

    synchronized void clear() {
        records.clear();
        behaviours.clear();
        delays.clear();
        truncated.clear();
        authenticated.clear();
    }

    /** Builds the reply to a parsed query; the message is null when the query must go unanswered. */
    synchronized Reply reply(Message query) {
        Record question = query.getQuestion();
        Name qname = question == null ? null : lower(question.getName());
        Duration delay = qname == null ? Duration.ZERO : delays.getOrDefault(qname, Duration.ZERO);
        boolean truncate = qname != null && truncated.containsKey(qname);
        Message response = newResponse(query);
        if (question == null) {
            response.getHeader().setRcode(Rcode.FORMERR);
            return new Reply(response, delay, false);
        }
        if (query.getHeader().getOpcode() != Opcode.QUERY || question.getDClass() != DClass.IN) {
            response.getHeader().setRcode(Rcode.NOTIMP);
            return new Reply(response, delay, false);
        }
        int qtype = question.getType();
        Name current = qname;
        for (int hops = 0; ; hops++) {
            Behaviour behaviour = behaviourOf(current, qtype);
            if (behaviour == Behaviour.DROP) {
                return new Reply(null, delay, truncate);
            }
            if (behaviour == Behaviour.SERVFAIL) {
                return new Reply(failure(query, Rcode.SERVFAIL), delay, truncate);
            }
            List<Record> owned = records.get(current);
            if (owned == null) {
                response.getHeader().setRcode(isEmptyNonTerminal(current) ? Rcode.NOERROR : Rcode.NXDOMAIN);
                response.addRecord(soaFor(current), Section.AUTHORITY);
                break;
            }
            Record cname = qtype == Type.CNAME ? null : first(owned, Type.CNAME);
            if (cname != null) {
                response.addRecord(cname, Section.ANSWER);
                current = lower(((CNAMERecord) cname).getTarget());
                if (!chaseCnames || hops >= MAX_CHASE) {
                    break;
                }
                continue;
            }
            List<Record> matching = owned.stream()
                    .filter(r -> qtype == Type.ANY || r.getType() == qtype)
                    .toList();
            if (matching.isEmpty()) {
                response.addRecord(soaFor(current), Section.AUTHORITY);
            } else {
                matching.forEach(r -> response.addRecord(r, Section.ANSWER));
                if (wantsDnssec(query) && qtype != Type.RRSIG) {
                    // a signed zone: the signatures of the answered set go with it (RFC 4035 3.1.1)
                    for (Record r : owned) {
                        if (r instanceof RRSIGRecord sig && sig.getTypeCovered() == qtype)
                            response.addRecord(sig, Section.ANSWER);
                    }
                }
            }
            break;
        }
        if (authenticated.contains(qname)
                && (wantsDnssec(query) || query.getHeader().getFlag(Flags.AD)))
            response.getHeader().setFlag(Flags.AD); // as a validating resolver that checked the answer
        return new Reply(response, delay, truncate);
    }

    /** Whether the query set the EDNS DO bit (RFC 3225). */
    private static boolean wantsDnssec(Message query) {
        OPTRecord opt = query.getOPT();
        return opt != null && (opt.getFlags() & ExtendedFlags.DO) != 0;
    }

    private Behaviour behaviourOf(Name name, int type) {
        Behaviour typed = behaviours.get(new TypedName(name, type));
        return typed != null ? typed : behaviours.getOrDefault(new TypedName(name, ANY_TYPE), Behaviour.ANSWER);
    }

    private boolean isEmptyNonTerminal(Name name) {
        for (Name owner : records.keySet()) {
            if (!owner.equals(name) && owner.subdomain(name)) {
                return true;
            }
        }
        return false;
    }

    /** A synthetic SOA for the zone holding {@code name}: its last two labels stand for the zone apex. */
    private SOARecord soaFor(Name name) {
        int labels = name.labels();
        Name zone = labels <= 3 ? name : new Name(name, labels - 3);
        return new SOARecord(zone, DClass.IN, negativeTtl, SOA_MNAME, SOA_RNAME, 1, 3600, 600, 86400, negativeTtl);
    }

    static Message newResponse(Message query) {
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setOpcode(query.getHeader().getOpcode());
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(TestDnsServer.EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        return response;
    }

    private static Message failure(Message query, int rcode) {
        Message response = newResponse(query);
        response.getHeader().setRcode(rcode);
        return response;
    }

    private static Record first(List<Record> list, int type) {
        for (Record r : list) {
            if (r.getType() == type) {
                return r;
            }
        }
        return null;
    }

    static Name lower(Name name) {
        return name.canonicalize();
    }
}
