package dev.tern.core.tlspolicy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tern.core.delivery.smtp.TlsResult;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS-RPT (RFC 8460) results: every session run under a published policy counts as a success or
 * a failure (with its details) for its policy domain and UTC day. Counts are kept per day in a
 * JSON file under the report directory (written at most once a {@link #flush()}, and at close) so
 * that a restart loses nothing; {@link #report} builds a day's aggregate report of a domain in
 * the RFC 8460 JSON format. Bounded: at most {@value #MAX_POLICIES_PER_DAY} policies a day, of which
 * {@code no-policy-found} ones (every domain without a published policy) only take a new place
 * while the day has fewer than half of that, so published policies always find room; and
 * {@value #MAX_DETAILS} failure-detail rows per policy (further failures are counted, not detailed).
 */
public final class TlsReports {
    private static final Logger log = LoggerFactory.getLogger(TlsReports.class);
    static final int MAX_POLICIES_PER_DAY = 100_000;
    static final int MAX_DETAILS = 100;
    private static final int MAX_REASON = 200;
    static final ObjectMapper JSON = new ObjectMapper();

    /** One failure-details row's key (RFC 8460 section 4.4). */
    record Detail(String resultType, String sendingIp, String receivingMx, String receivingIp, String reason) {}

    /** The counts of one policy on one day. */
    static final class Counts {
        long success;
        long failure;
        final Map<Detail, Long> details = new LinkedHashMap<>();
    }

    /** The stored form of one policy's counts. */
    record StoredPolicy(ReportPolicy policy, long success, long failure, List<StoredDetail> details) {}

    record StoredDetail(Detail detail, long count) {}

    /** Where reports go and what they say about the sender. */
    public record Identity(String organizationName, String contactInfo) {}

    private final Path directory;
    private final Clock clock;
    private final Identity identity;
    private final Map<LocalDate, Map<ReportPolicy, Counts>> days = new ConcurrentHashMap<>();
    private volatile boolean dirty;

    public TlsReports(Path directory, Identity identity, Clock clock) {
        this.directory = directory;
        this.identity = identity;
        this.clock = clock;
        load();
    }

    /** Counts one session of {@code policy}: a success when {@code result} is null. */
    public void record(
            ReportPolicy policy,
            TlsResult result,
            String sendingIp,
            String receivingMx,
            String receivingIp,
            String reason) {
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Map<ReportPolicy, Counts> today = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
        Counts c = today.get(policy);
        if (c == null) {
            if (today.size() >= (policy.noPolicy() ? MAX_POLICIES_PER_DAY / 2 : MAX_POLICIES_PER_DAY)) return;
            c = today.computeIfAbsent(policy, p -> new Counts());
        }
        synchronized (c) {
            if (result == null) {
                c.success++;
            } else {
                c.failure++;
                Detail d = new Detail(
                        result.wireName(),
                        sendingIp,
                        receivingMx,
                        receivingIp,
                        reason == null
                                ? null
                                : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
                if (c.details.containsKey(d) || c.details.size() < MAX_DETAILS) c.details.merge(d, 1L, Long::sum);
            }
        }
        dirty = true;
    }

    /** The policy domains with results on a day. */
    public List<String> domains(LocalDate day) {
        Map<ReportPolicy, Counts> m = days.get(day);
        if (m == null) return List.of();
        return List.copyOf(
                new TreeSet<>(m.keySet().stream().map(ReportPolicy::domain).toList()));
    }

    /** Days with results, oldest first. */
    public List<LocalDate> days() {
        return List.copyOf(new TreeSet<>(days.keySet()));
    }

    /** Today (UTC, on the reports' clock). */
    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /**
     * The RFC 8460 aggregate report of {@code domain} for {@code day}, or null when there is no
     * result for it.
     */
    public ObjectNode report(String domain, LocalDate day, String reportId) {
        Map<ReportPolicy, Counts> m = days.get(day);
        if (m == null) return null;
        ObjectNode root = JSON.createObjectNode();
        root.put("organization-name", identity.organizationName());
        ObjectNode range = root.putObject("date-range");
        range.put("start-datetime", day.atStartOfDay(ZoneOffset.UTC).toInstant().toString());
        range.put(
                "end-datetime",
                day.plusDays(1)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .minusSeconds(1)
                        .toString());
        root.put("contact-info", identity.contactInfo());
        root.put("report-id", reportId);
        ArrayNode policies = root.putArray("policies");
        for (var e : new TreeMap<String, Map.Entry<ReportPolicy, Counts>>(byKey(m, domain)).values()) {
            ReportPolicy p = e.getKey();
            Counts c = e.getValue();
            ObjectNode entry = policies.addObject();
            ObjectNode policy = entry.putObject("policy");
            policy.put("policy-type", p.type());
            if (!p.noPolicy()) { // no-policy-found: there is no policy to quote
                ArrayNode strings = policy.putArray("policy-string");
                p.policyString().forEach(strings::add);
            }
            policy.put("policy-domain", p.domain());
            if (!p.mxHosts().isEmpty()) {
                ArrayNode mx = policy.putArray("mx-host");
                p.mxHosts().forEach(mx::add);
            }
            synchronized (c) {
                ObjectNode summary = entry.putObject("summary");
                summary.put("total-successful-session-count", c.success);
                summary.put("total-failure-session-count", c.failure);
                if (!c.details.isEmpty()) {
                    ArrayNode details = entry.putArray("failure-details");
                    for (var d : c.details.entrySet()) {
                        ObjectNode row = details.addObject();
                        Detail k = d.getKey();
                        row.put("result-type", k.resultType());
                        if (k.sendingIp() != null) row.put("sending-mta-ip", k.sendingIp());
                        if (k.receivingMx() != null) row.put("receiving-mx-hostname", k.receivingMx());
                        if (k.receivingIp() != null) row.put("receiving-ip", k.receivingIp());
                        row.put("failed-session-count", d.getValue());
                        if (k.reason() != null) row.put("failure-reason-code", k.reason());
                    }
                }
            }
        }
        return policies.isEmpty() ? null : root;
    }

    private static Map<String, Map.Entry<ReportPolicy, Counts>> byKey(Map<ReportPolicy, Counts> m, String domain) {
        Map<String, Map.Entry<ReportPolicy, Counts>> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            ReportPolicy p = e.getKey();
            if (p.domain().equals(domain))
                out.put(p.type() + "|" + String.join(",", p.mxHosts()) + "|" + String.join("\n", p.policyString()), e);
        }
        return out;
    }

    /** Forgets a day's results of one domain (its report was sent). */
    public void forget(LocalDate day, String domain) {
        Map<ReportPolicy, Counts> m = days.get(day);
        if (m == null) return;
        m.keySet().removeIf(p -> p.domain().equals(domain));
        if (m.isEmpty()) days.remove(day, m);
        dirty = true;
    }

    /** Writes changed days to the report directory; a day without results loses its file. */
    public synchronized void flush() {
        if (!dirty) return;
        dirty = false;
        try {
            Files.createDirectories(directory);
            for (var day : days.entrySet()) {
                List<StoredPolicy> out = new ArrayList<>();
                for (var e : day.getValue().entrySet()) {
                    Counts c = e.getValue();
                    synchronized (c) {
                        List<StoredDetail> ds = new ArrayList<>();
                        c.details.forEach((d, n) -> ds.add(new StoredDetail(d, n)));
                        out.add(new StoredPolicy(e.getKey(), c.success, c.failure, ds));
                    }
                }
                Path file = directory.resolve(day.getKey() + ".json");
                Path tmp = directory.resolve(day.getKey() + ".json.tmp");
                JSON.writeValue(tmp.toFile(), out);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    LocalDate d = parseDay(name.substring(0, name.length() - 5));
                    if (d != null && !days.containsKey(d)) Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            dirty = true;
            log.warn("cannot write TLS-RPT results to {}: {}", directory, e.toString());
        }
    }

    private void load() {
        if (!Files.isDirectory(directory)) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                LocalDate day = parseDay(name.substring(0, name.length() - 5));
                if (day == null) continue;
                List<StoredPolicy> stored = JSON.readValue(f.toFile(), new TypeReference<List<StoredPolicy>>() {});
                Map<ReportPolicy, Counts> m = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
                for (StoredPolicy sp : stored) {
                    Counts c = new Counts();
                    c.success = sp.success();
                    c.failure = sp.failure();
                    for (StoredDetail d : sp.details()) c.details.put(d.detail(), d.count());
                    m.put(sp.policy(), c);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read TLS-RPT results from {}: {}", directory, e.toString());
        }
    }

    private static LocalDate parseDay(String s) {
        try {
            return LocalDate.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** The first instant at which a day's reports may be sent: its end plus {@code delay}. */
    static java.time.Instant sendableAt(LocalDate day, Duration delay) {
        return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(delay);
    }
}
