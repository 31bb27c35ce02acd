package dev.tern.core.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.testkit.smtp.ReceivedMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The books of a fault test, per recipient address (every test uses each address once): what
 * the injecting client got a 250 for ({@code accepted}), and where each of those recipients is
 * now, from three independent sources: Tern's event log (all segments), the spool's current
 * entries, and the messages the sink accepted.
 *
 * <ul>
 *   <li>delivered: the sink has it AND the log has a {@code delivery} event for it;
 *   <li>bounced: a {@code bounce} event (and the sink does not have it);
 *   <li>expired: an {@code expiration} event (and the sink does not have it);
 *   <li>queued: open (not final) in a spool entry, with no final event yet.
 * </ul>
 *
 * <p>The invariant is {@code delivered + bounced + expired + queued == accepted} with every
 * accepted recipient in exactly one class ({@link #lost()} is empty). Problems are listed
 * separately: a delivery event without the sink's 250 (a phantom delivery), a recipient in two
 * classes, a recipient at the sink or in the log that was never accepted, an accepted recipient
 * without a {@code reception} event, an outcome logged before the recipient's reception. Copies at the sink beyond the first are
 * {@link #duplicates() duplicates}: allowed by the at-least-once contract after a cut connection
 * or a crash, so each test decides how many it tolerates.
 *
 * <p>{@link Mode#AFTER_CRASH}: after {@code kill -9} the last few events may never have reached
 * the log (it is written asynchronously), so a recipient the sink has is counted as delivered
 * without its event, and an accepted recipient may lack its reception event; both are reported
 * ({@link #unreported()}), not counted as problems. A delivery is never allowed to be missing.
 */
final class Ledger {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How strictly the event log is held to account. */
    enum Mode {
        STRICT,
        AFTER_CRASH
    }

    /** The class counts of the invariant. */
    record Counts(int accepted, int delivered, int bounced, int expired, int queued, int lost, int duplicates) {
        @Override
        public String toString() {
            return "accepted=%d delivered=%d bounced=%d expired=%d queued=%d lost=%d duplicates=%d"
                    .formatted(accepted, delivered, bounced, expired, queued, lost, duplicates);
        }
    }

    private final Set<String> accepted;
    private final Set<String> delivered = new TreeSet<>();
    private final Set<String> bounced = new TreeSet<>();
    private final Set<String> expired = new TreeSet<>();
    private final Set<String> queued = new TreeSet<>();
    private final Set<String> lost = new TreeSet<>();
    private final Set<String> unreported = new TreeSet<>();
    private final Map<String, Integer> duplicates = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<String, Integer> transientFailures;

    private Ledger(
            Set<String> accepted,
            Map<String, Map<String, Integer>> events,
            Set<String> open,
            Map<String, Integer> atSink,
            Mode mode) {
        this.accepted = new TreeSet<>(accepted);
        this.transientFailures = events.getOrDefault("transient_failure", Map.of());
        Map<String, Integer> receptions = events.getOrDefault("reception", Map.of());
        Map<String, Integer> deliveries = events.getOrDefault("delivery", Map.of());
        Map<String, Integer> bounces = events.getOrDefault("bounce", Map.of());
        Map<String, Integer> expirations = events.getOrDefault("expiration", Map.of());
        for (String r : this.accepted) {
            boolean sink = atSink.containsKey(r);
            boolean delivery = deliveries.containsKey(r);
            List<String> classes = new ArrayList<>();
            if (sink && (delivery || mode == Mode.AFTER_CRASH)) {
                delivered.add(r);
                classes.add("delivered");
                if (!delivery) unreported.add(r + " (delivered, no delivery event)");
            }
            if (delivery && !sink) problems.add(r + ": delivery event but the sink never accepted it");
            if (sink && !delivery && mode == Mode.STRICT && !open.contains(r)) {
                problems.add(r + ": at the sink but no delivery event");
            }
            if (bounces.containsKey(r) && !sink) {
                bounced.add(r);
                classes.add("bounced");
            }
            if (expirations.containsKey(r) && !sink) {
                expired.add(r);
                classes.add("expired");
            }
            boolean isFinal = !classes.isEmpty();
            if (open.contains(r) && !isFinal) {
                queued.add(r);
                classes.add("queued");
            } else if (open.contains(r) && mode == Mode.STRICT) {
                problems.add(r + ": final (" + classes + ") but still open in the spool");
            }
            if (classes.isEmpty()) lost.add(r);
            if (classes.size() > 1) problems.add(r + ": in several classes " + classes);
            if (!receptions.containsKey(r)) {
                if (mode == Mode.STRICT) problems.add(r + ": accepted without a reception event");
                else unreported.add(r + " (no reception event)");
            }
            int copies = atSink.getOrDefault(r, 0);
            if (copies > 1) duplicates.put(r, copies - 1);
        }
        for (String r : atSink.keySet()) {
            if (!this.accepted.contains(r) && !receptions.containsKey(r))
                problems.add(r + ": at the sink but never accepted");
        }
        for (String r : events.getOrDefault(OUT_OF_ORDER, Map.of()).keySet()) {
            if (mode == Mode.STRICT) problems.add(r + ": in the event log before its reception");
        }
        for (Map<String, Integer> byRcpt : List.of(deliveries, bounces, expirations)) {
            for (String r : byRcpt.keySet()) {
                if (!this.accepted.contains(r) && !receptions.containsKey(r))
                    problems.add(r + ": final event but never accepted");
            }
        }
    }

    /**
     * The books now.
     *
     * @param accepted recipients the client got a 250 for
     * @param eventLog Tern's event log (the active file; rotated segments next to it are read too)
     * @param spool    the open spool, or null when Tern is stopped and its spool already known empty
     * @param sink     messages the sink accepted
     */
    static Ledger of(Collection<String> accepted, Path eventLog, Spool spool, List<ReceivedMessage> sink, Mode mode) {
        Set<String> open = new HashSet<>();
        if (spool != null) {
            spool.forEachEntry((QueueEntry e) -> {
                for (RecipientState r : e.open()) open.add(r.address());
            });
        }
        Map<String, Integer> atSink = new HashMap<>();
        for (ReceivedMessage m : sink) for (String r : m.recipients()) atSink.merge(r, 1, Integer::sum);
        return new Ledger(new HashSet<>(accepted), readEvents(eventLog), open, atSink, mode);
    }

    static Ledger of(Collection<String> accepted, Path eventLog, Spool spool, List<ReceivedMessage> sink) {
        return of(accepted, eventLog, spool, sink, Mode.STRICT);
    }

    /** Events per type per recipient: how many of each. */
    /**
     * Counts per event type and recipient. An outcome logged before the recipient's reception
     * (the order clients read) is counted under {@link #OUT_OF_ORDER}.
     */
    private static Map<String, Map<String, Integer>> readEvents(Path eventLog) {
        Map<String, Map<String, Integer>> out = new HashMap<>();
        Set<String> received = new HashSet<>();
        for (JsonNode e : events(eventLog)) {
            JsonNode rcpt = e.get("recipient");
            if (rcpt == null) continue;
            String type = e.get("type").asText();
            if (type.equals("reception")) received.add(rcpt.asText());
            else if (OUTCOMES.contains(type) && !received.contains(rcpt.asText())) {
                out.computeIfAbsent(OUT_OF_ORDER, k -> new HashMap<>())
                        .merge(rcpt.asText() + " (" + type + ")", 1, Integer::sum);
            }
            out.computeIfAbsent(type, k -> new HashMap<>()).merge(rcpt.asText(), 1, Integer::sum);
        }
        return out;
    }

    private static final String OUT_OF_ORDER = "outcome before reception";
    private static final Set<String> OUTCOMES = Set.of("delivery", "transient_failure", "bounce", "expiration");

    /**
     * Every event of the log in seq order: rotated segments (plain or gzipped; the plain file
     * while both exist) and the active file. Lines cut short by a crash are skipped.
     */
    static List<JsonNode> events(Path eventLog) {
        String base = eventLog.getFileName().toString();
        TreeMap<Long, JsonNode> bySeq = new TreeMap<>();
        List<JsonNode> unnumbered = new ArrayList<>();
        try (Stream<Path> files = Files.list(eventLog.toAbsolutePath().getParent())) {
            List<Path> segments = files.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.equals(base)
                                || (n.startsWith(base + ".") && !n.endsWith(".tmp") && !n.endsWith("-cursor"));
                    })
                    .toList();
            Set<String> names = new HashSet<>();
            for (Path p : segments) names.add(p.getFileName().toString());
            for (Path p : segments) {
                String n = p.getFileName().toString();
                if (n.endsWith(".gz") && names.contains(n.substring(0, n.length() - 3))) continue;
                if (!n.equals(base)
                        && !n.matches(java.util.regex.Pattern.quote(base) + "\\.\\d{6,}-\\d{8}T\\d{6}Z(\\.gz)?"))
                    continue;
                try (InputStream raw = Files.newInputStream(p);
                        InputStream in = n.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.isBlank()) continue;
                        JsonNode e;
                        try {
                            e = JSON.readTree(line);
                        } catch (IOException cut) {
                            continue; // a line cut short by a crash
                        }
                        if (e.has("seq")) bySeq.put(e.get("seq").asLong(), e);
                        else unnumbered.add(e);
                    }
                } catch (java.nio.file.NoSuchFileException | java.io.EOFException gone) {
                    // compressed or pruned meanwhile
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<JsonNode> out = new ArrayList<>(bySeq.values());
        out.addAll(unnumbered);
        return out;
    }

    Counts counts() {
        return new Counts(
                accepted.size(),
                delivered.size(),
                bounced.size(),
                expired.size(),
                queued.size(),
                lost.size(),
                duplicates.values().stream().mapToInt(Integer::intValue).sum());
    }

    /** The invariant holds: every accepted recipient in exactly one class, and no problem. */
    boolean balanced() {
        Counts c = counts();
        return lost.isEmpty()
                && problems.isEmpty()
                && c.delivered() + c.bounced() + c.expired() + c.queued() == c.accepted();
    }

    /** Balanced with nothing left in the queue. */
    boolean settled() {
        return balanced() && queued.isEmpty();
    }

    /** Throws with the whole account when the invariant does not hold. */
    Ledger assertBalanced() {
        if (!balanced()) throw new AssertionError("ledger does not balance: " + this);
        return this;
    }

    /** Throws unless balanced and nothing is queued any more. */
    Ledger assertSettled() {
        assertBalanced();
        if (!queued.isEmpty()) throw new AssertionError("still queued: " + this);
        return this;
    }

    Set<String> delivered() {
        return delivered;
    }

    Set<String> bounced() {
        return bounced;
    }

    Set<String> expired() {
        return expired;
    }

    Set<String> queued() {
        return queued;
    }

    Set<String> lost() {
        return lost;
    }

    /** Extra copies at the sink by recipient. */
    Map<String, Integer> duplicates() {
        return duplicates;
    }

    List<String> problems() {
        return problems;
    }

    /** What the event log missed after a crash (only in {@link Mode#AFTER_CRASH}). */
    Set<String> unreported() {
        return unreported;
    }

    /** transient_failure events of a recipient. */
    int transientFailures(String recipient) {
        return transientFailures.getOrDefault(recipient, 0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(counts().toString());
        if (!lost.isEmpty()) sb.append("\n  lost: ").append(sample(lost));
        if (!problems.isEmpty()) sb.append("\n  problems: ").append(sample(problems));
        if (!duplicates.isEmpty()) sb.append("\n  duplicates: ").append(sample(duplicates.keySet()));
        if (!unreported.isEmpty()) sb.append("\n  unreported: ").append(sample(unreported));
        return sb.toString();
    }

    private static String sample(Collection<String> items) {
        return items.size() <= 10
                ? items.toString()
                : new ArrayList<>(items).subList(0, 10) + " ... (" + items.size() + ")";
    }
}
