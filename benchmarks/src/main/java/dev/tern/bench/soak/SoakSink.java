package dev.tern.bench.soak;

import dev.tern.testkit.smtp.SmtpSink;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The receiving side of the soak: the testkit {@link SmtpSink} on a loopback port, answering by
 * recipient address: {@code bounce-N@...} gets {@code 550 5.1.1} at RCPT (a hard bounce),
 * {@code defer-N@...} gets {@code 451 4.2.0} at its first RCPT and is accepted when retried,
 * everything else is accepted. Accepted recipients are counted once each (by their number N);
 * a second delivery of the same recipient counts as a duplicate. Messages that arrive without a
 * {@code DKIM-Signature} header are counted too.
 */
final class SoakSink implements AutoCloseable {
    private final SmtpSink sink;
    private final Map<String, Boolean> deferredOnce = new ConcurrentHashMap<>();
    private final LongAdder deferReplies = new LongAdder();
    private final LongAdder bounceReplies = new LongAdder();
    private final LongAdder unsigned = new LongAdder();
    private final BitSet delivered = new BitSet();
    private long unique;
    private long duplicates;

    SoakSink(int port) {
        sink = SmtpSink.builder()
                .address("127.0.0.1")
                .port(port)
                .hostname("sink.soak.test")
                .keepMessages(false)
                .start();
        sink.onRcpt(this::rcpt);
        sink.onData(m -> {
            if (!hasDkim(m.data())) unsigned.increment();
            for (String r : m.recipients()) deliveredRecipient(r);
            return null;
        });
    }

    private String rcpt(String address) {
        if (address.startsWith("bounce-")) {
            bounceReplies.increment();
            return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown (soak)";
        }
        if (address.startsWith("defer-") && deferredOnce.putIfAbsent(address, Boolean.TRUE) == null) {
            deferReplies.increment();
            return "451 4.2.0 <" + address + ">: Mailbox busy, try again later (soak)";
        }
        return null;
    }

    private synchronized void deliveredRecipient(String address) {
        int dash = address.indexOf('-');
        int at = address.indexOf('@');
        int n;
        try {
            n = Integer.parseInt(address.substring(dash + 1, at));
        } catch (RuntimeException e) {
            unique++; // not one of ours (e.g. a probe): count it, cannot check duplicates
            return;
        }
        if (delivered.get(n)) {
            duplicates++;
        } else {
            delivered.set(n);
            unique++;
        }
    }

    private static boolean hasDkim(byte[] data) {
        // headers end at the first empty line; look for the field name at a line start
        int end = data.length;
        for (int i = 0; i + 3 < data.length; i++) {
            if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') {
                end = i;
                break;
            }
        }
        String headers = new String(data, 0, end, java.nio.charset.StandardCharsets.ISO_8859_1);
        return headers.regionMatches(true, 0, "DKIM-Signature:", 0, 15)
                || headers.toLowerCase(java.util.Locale.ROOT).contains("\ndkim-signature:");
    }

    /** Distinct recipients accepted (each recipient number once). */
    synchronized long delivered() {
        return unique;
    }

    synchronized long duplicates() {
        return duplicates;
    }

    long deferReplies() {
        return deferReplies.sum();
    }

    long bounceReplies() {
        return bounceReplies.sum();
    }

    long unsigned() {
        return unsigned.sum();
    }

    @Override
    public void close() {
        sink.close();
    }
}
