package dev.tern.queue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Versioned binary encoding of the spool's values (no Java serialization). Every value
 * starts with a version byte; decoders must keep reading every version ever written.
 *
 * <p>Version 1 layouts (str = varint length + UTF-8, varint = unsigned LEB128,
 * i64 = 8 bytes big-endian):
 * <pre>
 * envelope    01 str messageId, str returnPath, str tenant, str campaign, str pool,
 *                u8 flags (bit 0 transactional), i64 receivedAt, i64 expiresAt, i64 bodySize,
 *                varint n, n x (str key, str value) sorted by key, varint storedBodyBytes
 * entry       01 varint attempts, i64 nextAttemptAt, varint n,
 *                n x (str address, u8 status, varint attempts, str lastReply)
 * suppression 01 str reason, i64 addedAt
 * hold        01 u8 origin, str reason, i64 createdAt, i64 expiresAt (-1: none)
 * body tail   01 varint size, u8 flags (bit 0: a byte with the high bit set)
 * </pre>
 * Version 2 (written since 2026-12-05; version 1 is still read):
 * <pre>
 * envelope    02 the version 1 fields, then varint entries (how many entries the message was
 *                stored with), u8 flags (bit 0: the body has a tail file)
 * </pre>
 * The version 2 envelope lets a completion know without a read whether it removes the message's
 * last entry and whether there is a tail file to delete.
 * Recipient status codes: 0 pending, 1 deferred, 2 delivered, 3 bounced.
 */
final class RecordCodec {
    static final int V1 = 1;
    static final int V2 = 2;

    private RecordCodec() {}

    /**
     * An envelope plus what the spool stored with it: the body's byte count, how many entries the
     * message was stored with (0: unknown, a version 1 record) and whether the body has a tail file
     * (only meaningful when {@code entries > 0}).
     */
    record StoredEnvelope(Envelope envelope, long storedBodyBytes, int entries, boolean tail) {}

    /** Entry fields kept in the entry value (message id and domain are in the key). */
    record EntryState(List<RecipientState> recipients, int attempts, long nextAttemptAt) {
        QueueEntry toEntry(Envelope envelope, String domain) {
            return new QueueEntry(envelope, domain, recipients, attempts, nextAttemptAt);
        }
    }

    /** A version 1 envelope (tests: the fixture of the old format). */
    static byte[] encodeEnvelope(Envelope e, long storedBodyBytes) {
        return envelope(V1, e, storedBodyBytes).bytes();
    }

    /** The current (version 2) envelope of a message stored with {@code entries} entries. */
    static byte[] encodeEnvelope(Envelope e, long storedBodyBytes, int entries, boolean tail) {
        if (entries <= 0) throw new IllegalArgumentException("a message needs at least one entry");
        return envelope(V2, e, storedBodyBytes).varint(entries).u8(tail ? 1 : 0).bytes();
    }

    private static Out envelope(int version, Envelope e, long storedBodyBytes) {
        Out o = new Out();
        o.u8(version);
        o.str(e.messageId())
                .str(e.returnPath())
                .str(e.tenant())
                .str(e.campaign())
                .str(e.pool());
        o.u8(e.transactional() ? 1 : 0);
        o.i64(e.receivedAt()).i64(e.expiresAt()).i64(e.bodySize());
        Map<String, String> sorted = new TreeMap<>(e.attributes());
        o.varint(sorted.size());
        sorted.forEach((k, v) -> o.str(k).str(v));
        o.varint(storedBodyBytes);
        return o;
    }

    static StoredEnvelope decodeEnvelope(byte[] b) {
        In in = new In(b, "envelope");
        int version = in.u8();
        if (version != V1 && version != V2) throw in.unsupported(version, V2);
        String id = in.str(), rp = in.str(), tenant = in.str(), campaign = in.str(), pool = in.str();
        int flags = in.u8();
        long received = in.i64(), expires = in.i64(), size = in.i64();
        int n = in.count();
        Map<String, String> attrs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) attrs.put(in.str(), in.str());
        long stored = in.varint();
        int entries = 0;
        boolean tail = false;
        if (version == V2) {
            long n2 = in.varint();
            if (n2 <= 0 || n2 > Integer.MAX_VALUE) throw in.corrupt("entry count " + n2);
            entries = (int) n2;
            tail = (in.u8() & 1) != 0;
        }
        return new StoredEnvelope(
                new Envelope(id, rp, tenant, campaign, pool, (flags & 1) != 0, received, expires, size, attrs),
                stored,
                entries,
                tail);
    }

    static byte[] encodeEntry(QueueEntry e) {
        Out o = new Out();
        o.u8(V1);
        o.varint(e.attempts()).i64(e.nextAttemptAt());
        o.varint(e.recipients().size());
        for (RecipientState r : e.recipients()) {
            o.str(r.address()).u8(statusCode(r.status())).varint(r.attempts()).str(r.lastReply());
        }
        return o.bytes();
    }

    static EntryState decodeEntry(byte[] b) {
        In in = new In(b, "entry");
        int version = in.u8();
        if (version != V1) throw in.unsupported(version);
        int attempts = (int) in.varint();
        long next = in.i64();
        int n = in.count();
        List<RecipientState> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String addr = in.str();
            RecipientStatus status = status(in.u8(), in);
            int att = (int) in.varint();
            rs.add(new RecipientState(addr, status, att, in.str()));
        }
        return new EntryState(rs, attempts, next);
    }

    /** The reference to a body's tail file: its size and whether it has 8-bit bytes. */
    record Tail(long size, boolean eightBit) {}

    static byte[] encodeTail(long size, boolean eightBit) {
        return new Out().u8(V1).varint(size).u8(eightBit ? 1 : 0).bytes();
    }

    static Tail decodeTail(byte[] b) {
        In in = new In(b, "body tail");
        int version = in.u8();
        if (version != V1) throw in.unsupported(version);
        long size = in.varint();
        return new Tail(size, (in.u8() & 1) != 0);
    }

    static byte[] encodeSuppression(Suppression s) {
        return new Out()
                .u8(V1)
                .str(s.reason() == null ? "" : s.reason())
                .i64(s.addedAt())
                .bytes();
    }

    static Suppression decodeSuppression(String tenant, String address, byte[] b) {
        In in = new In(b, "suppression");
        int version = in.u8();
        if (version != V1) throw in.unsupported(version);
        return new Suppression(tenant, address, in.str(), in.i64());
    }

    static byte[] encodeHold(Hold h) {
        return new Out()
                .u8(V1)
                .u8(h.origin().ordinal())
                .str(h.reason())
                .i64(h.createdAt().toEpochMilli())
                .i64(h.expiresAt() == null ? -1 : h.expiresAt().toEpochMilli())
                .bytes();
    }

    static Hold decodeHold(HoldTarget target, byte[] b) {
        In in = new In(b, "hold");
        int version = in.u8();
        if (version != V1) throw in.unsupported(version);
        int origin = in.u8();
        HoldOrigin[] origins = HoldOrigin.values();
        if (origin >= origins.length) throw in.unsupported(origin);
        String reason = in.str();
        java.time.Instant created = java.time.Instant.ofEpochMilli(in.i64());
        long expires = in.i64();
        return new Hold(
                target, reason, origins[origin], created, expires < 0 ? null : java.time.Instant.ofEpochMilli(expires));
    }

    private static int statusCode(RecipientStatus s) {
        return switch (s) {
            case PENDING -> 0;
            case DEFERRED -> 1;
            case DELIVERED -> 2;
            case BOUNCED -> 3;
        };
    }

    private static RecipientStatus status(int code, In in) {
        return switch (code) {
            case 0 -> RecipientStatus.PENDING;
            case 1 -> RecipientStatus.DEFERRED;
            case 2 -> RecipientStatus.DELIVERED;
            case 3 -> RecipientStatus.BOUNCED;
            default -> throw in.corrupt("unknown recipient status " + code);
        };
    }

    private static final class Out {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(128);

        Out u8(int v) {
            buf.write(v);
            return this;
        }

        Out varint(long v) {
            if (v < 0) throw new IllegalArgumentException("negative count " + v);
            while ((v & ~0x7fL) != 0) {
                buf.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            buf.write((int) v);
            return this;
        }

        Out i64(long v) {
            for (int s = 56; s >= 0; s -= 8) buf.write((int) (v >>> s));
            return this;
        }

        Out str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varint(b.length);
            buf.write(b, 0, b.length);
            return this;
        }

        byte[] bytes() {
            return buf.toByteArray();
        }
    }

    private static final class In {
        private final byte[] b;
        private final String what;
        private int pos;

        In(byte[] b, String what) {
            this.b = b;
            this.what = what;
        }

        int u8() {
            need(1);
            return b[pos++] & 0xff;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw corrupt("varint too long");
        }

        int count() {
            long n = varint();
            if (n > b.length - pos) throw corrupt("count " + n + " exceeds the record");
            return (int) n;
        }

        long i64() {
            need(8);
            long v = Keys.getLong(b, pos);
            pos += 8;
            return v;
        }

        String str() {
            int n = count();
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        private void need(int n) {
            if (pos + n > b.length) throw corrupt("truncated");
        }

        SpoolException corrupt(String why) {
            return new SpoolException("corrupt " + what + " record: " + why);
        }

        SpoolException unsupported(int version) {
            return unsupported(version, V1);
        }

        SpoolException unsupported(int version, int newest) {
            return new SpoolException("unsupported " + what + " record version " + version
                    + (newest == V1
                            ? " (this Tern reads version 1)"
                            : " (this Tern reads versions 1 to " + newest + ")"));
        }
    }
}
