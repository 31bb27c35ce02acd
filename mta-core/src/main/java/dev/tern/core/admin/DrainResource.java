package dev.tern.core.admin;

import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.SpoolStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/drain}: {@code POST} stops accepting (new SMTP sessions get "421 4.3.2"), delivery
 * goes on; {@code GET} reports what remains (messages, entries, recipients, in flight, sessions
 * still open, the domains with the most recipients left and their last reply); {@code DELETE}
 * cancels the drain. A drained node's queue can then be exported ({@code tern spool export}).
 */
public final class DrainResource {
    /** Most domains listed in a report. */
    static final int TOP = 50;

    /** Most entries one report scans. */
    private static final int SCAN_LIMIT = 500_000;

    /** The injection listener's side of a drain. */
    public interface Gate {
        /** Refuse (true) or accept again (false) new SMTP sessions. */
        void drain(boolean on);

        boolean draining();

        /** SMTP sessions still open. */
        int openSessions();
    }

    /** One domain still holding recipients. */
    record Remaining(
            String domain, long entries, long recipients, long deferred, Instant nextAttemptAt, String lastReply) {}

    private final AdminContext ctx;
    private volatile Gate gate;
    private volatile Instant since;
    private volatile SpoolStats atStart;

    DrainResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    void gate(Gate g) {
        this.gate = g;
    }

    private Gate gate() {
        Gate g = gate;
        if (g == null) throw new ApiException(503, "the injection listener is not started yet");
        return g;
    }

    Map<String, Object> start() {
        Gate g = gate();
        synchronized (this) {
            if (!g.draining()) {
                since = ctx.clock().instant();
                atStart = ctx.spool().stats();
                g.drain(true);
            }
        }
        ctx.engine().wake();
        return status();
    }

    Map<String, Object> cancel() {
        Gate g = gate();
        synchronized (this) {
            g.drain(false);
            since = null;
            atStart = null;
        }
        return status();
    }

    Map<String, Object> status() {
        Gate g = gate();
        SpoolStats now = ctx.spool().stats();
        Map<String, long[]> byDomain = new HashMap<>(); // entries, recipients, deferred, next attempt
        Map<String, String> lastReply = new HashMap<>();
        long[] recipients = {0};
        long[] scanned = {0};
        ctx.spool().forEachEntry(e -> {
            if (++scanned[0] > SCAN_LIMIT) return;
            long open = 0;
            long deferred = 0;
            for (RecipientState r : e.open()) {
                open++;
                if (r.attempts() > 0) deferred++;
                if (!r.lastReply().isEmpty()) lastReply.put(e.domain(), r.lastReply());
            }
            if (open == 0) return;
            recipients[0] += open;
            long[] d = byDomain.computeIfAbsent(e.domain(), k -> new long[] {0, 0, 0, Long.MAX_VALUE});
            d[0]++;
            d[1] += open;
            d[2] += deferred;
            d[3] = Math.min(d[3], nextAttempt(e));
        });
        List<Remaining> top = new ArrayList<>();
        byDomain.forEach((domain, d) -> top.add(new Remaining(
                domain,
                d[0],
                d[1],
                d[2],
                d[3] == Long.MAX_VALUE ? null : Instant.ofEpochMilli(d[3]),
                lastReply.get(domain))));
        top.sort(Comparator.comparingLong(Remaining::recipients).reversed().thenComparing(Remaining::domain));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("draining", g.draining());
        out.put("since", since);
        out.put("sessions_open", g.openSessions());
        Map<String, Object> remaining = new LinkedHashMap<>();
        remaining.put("messages", now.messages());
        remaining.put("entries", now.entries());
        remaining.put("recipients", recipients[0]);
        remaining.put("in_flight", ctx.engine().inFlight());
        out.put("remaining", remaining);
        SpoolStats s = atStart;
        if (s != null) {
            out.put("at_start", Map.of("messages", s.messages(), "entries", s.entries()));
        }
        out.put("empty", now.entries() == 0);
        out.put("scan_truncated", scanned[0] > SCAN_LIMIT);
        out.put("domains", top.subList(0, Math.min(TOP, top.size())));
        out.put("domains_total", top.size());
        return out;
    }

    private static long nextAttempt(QueueEntry e) {
        return e.nextAttemptAt();
    }
}
