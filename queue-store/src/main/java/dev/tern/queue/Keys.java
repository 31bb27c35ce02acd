package dev.tern.queue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Key layouts of the spool's column families (all byte-wise ordered).
 *
 * <pre>
 * bodies, envelopes   messageId
 * bodies (tail ref)   messageId 0x00 't'                (value: body tail record, file in blobs/)
 * entries, leases     messageId 0x00 domain            (value: entry record)
 * schedule            be64(nextAttemptAt) messageId 0x00 domain  (value: copy of the entry record)
 * suppression         tenant 0x00 lower(address)
 * holds               kind-prefix 0x00 value
 * </pre>
 */
final class Keys {
    static final byte SEP = 0;

    private Keys() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] message(String messageId) {
        checkPart("message id", messageId, false);
        return utf8(messageId);
    }

    /** Key (in the bodies family) of the reference to a message's body tail file. */
    static byte[] tail(String messageId) {
        return concat(message(messageId), new byte[] {SEP, 't'});
    }

    static byte[] entry(String messageId, String domain) {
        checkPart("message id", messageId, false);
        checkPart("domain", domain, false);
        return concat(utf8(messageId), new byte[] {SEP}, utf8(domain));
    }

    /** The prefix shared by all entry keys of one message. */
    static byte[] entryPrefix(String messageId) {
        return concat(message(messageId), new byte[] {SEP});
    }

    static byte[] schedule(long at, byte[] entryKey) {
        byte[] k = new byte[8 + entryKey.length];
        putLong(k, 0, Math.max(0, at));
        System.arraycopy(entryKey, 0, k, 8, entryKey.length);
        return k;
    }

    static long scheduleTime(byte[] scheduleKey) {
        return getLong(scheduleKey, 0);
    }

    static byte[] scheduleEntryKey(byte[] scheduleKey) {
        return Arrays.copyOfRange(scheduleKey, 8, scheduleKey.length);
    }

    /** The first possible schedule key of time {@code at}. */
    static byte[] scheduleStart(long at) {
        byte[] k = new byte[8];
        putLong(k, 0, Math.max(0, at));
        return k;
    }

    static byte[] suppressionPrefix(String tenant) {
        checkPart("tenant", tenant, true);
        return concat(utf8(tenant), new byte[] {SEP});
    }

    static byte[] suppression(String tenant, String address) {
        return concat(suppressionPrefix(tenant), utf8(normalizeAddress(address)));
    }

    static byte[] hold(HoldTarget t) {
        return concat(utf8(t.kind().prefix()), new byte[] {SEP}, utf8(t.value()));
    }

    static HoldTarget holdTarget(byte[] key) {
        int sep = 0;
        while (sep < key.length && key[sep] != SEP) sep++;
        HoldTarget.Kind kind = HoldTarget.Kind.ofPrefix(new String(key, 0, sep, StandardCharsets.UTF_8));
        if (kind == null || sep >= key.length) throw new SpoolException("bad hold key in the spool");
        return new HoldTarget(kind, new String(key, sep + 1, key.length - sep - 1, StandardCharsets.UTF_8));
    }

    static String normalizeAddress(String address) {
        if (address == null) throw new IllegalArgumentException("address is null");
        return address.toLowerCase(Locale.ROOT);
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The smallest key greater than {@code key}. */
    static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /** The smallest key greater than every key starting with {@code prefix}, or null if none. */
    static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[off + i] & 0xff);
        return v;
    }

    static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        putLong(b, 0, v);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    private static void checkPart(String what, String value, boolean mayBeEmpty) {
        if (value == null) throw new IllegalArgumentException(what + " is null");
        if (!mayBeEmpty && value.isEmpty()) throw new IllegalArgumentException(what + " is empty");
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains a NUL character");
    }
}
