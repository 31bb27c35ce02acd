package dev.tern.core.tlspolicy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.core.delivery.smtp.TlsResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MTA-STS (RFC 8461) discovery and policy cache: the {@code _mta-sts.DOMAIN} TXT record's id
 * decides whether the cached policy is still current; a new id (or none cached, or the cached
 * one past its {@code max_age}) fetches the policy again. A failed fetch keeps using a cached
 * policy that has not expired (section 5.1). Policies are persisted in a JSON file, rewritten
 * atomically on every change, and read back at start; at most {@value #MAX_POLICIES} are kept.
 * {@link #refreshDue()} refreshes cached policies ahead of their expiry (section 5.1: senders
 * should proactively refresh), driven by the caller's timer and decided on the {@link Clock}.
 */
public final class MtaSts {
    private static final Logger log = LoggerFactory.getLogger(MtaSts.class);
    static final int MAX_POLICIES = 50_000;
    /** Refreshes started by one {@link #refreshDue()} at most (the rest wait for the next call). */
    static final int MAX_REFRESHES_PER_CALL = 100;
    /** After a refresh was started, the same domain is not refreshed again before this. */
    static final Duration REFRESH_RETRY = Duration.ofHours(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a domain publishes. */
    public sealed interface Lookup {
        /** A current policy (any mode). */
        record Found(StsPolicy policy) implements Lookup {}

        /** No MTA-STS for the domain. */
        record None() implements Lookup {}

        /** Published (TXT record) but no usable policy could be had. */
        record Failed(TlsResult result, String reason) implements Lookup {}
    }

    /** The stored form of a policy. */
    record Stored(String domain, String id, String text, long fetchedMillis) {}

    private final PolicyDns dns;
    private final StsFetcher fetcher;
    private final Path file;
    private final Clock clock;
    private final Executor blocking;
    private final Map<String, StsPolicy> cache = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Lookup>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Instant> refreshTried = new ConcurrentHashMap<>();

    MtaSts(PolicyDns dns, StsFetcher fetcher, Path file, Clock clock, Executor blocking) {
        this.dns = dns;
        this.fetcher = fetcher;
        this.file = file;
        this.clock = clock;
        this.blocking = blocking;
        load();
    }

    /** The policy of {@code domain}; never fails. */
    public CompletableFuture<Lookup> lookup(String domain) {
        return dns.txt("_mta-sts." + domain)
                .handle((txt, error) -> {
                    StsPolicy cached = current(domain);
                    if (error != null) {
                        return CompletableFuture.<Lookup>completedFuture(
                                cached != null ? new Lookup.Found(cached) : new Lookup.None());
                    }
                    String id = StsPolicy.discoveryId(txt);
                    if (id == null)
                        return CompletableFuture.<Lookup>completedFuture(
                                cached != null ? new Lookup.Found(cached) : new Lookup.None());
                    if (cached != null && cached.id().equals(id))
                        return CompletableFuture.<Lookup>completedFuture(new Lookup.Found(cached));
                    return inFlight.computeIfAbsent(domain, d -> fetch(d, id, cached));
                })
                .thenCompose(f -> f);
    }

    /**
     * Starts the refresh of every cached policy past half its {@code max_age} (and not expired: an
     * expired one is fetched by the next {@link #lookup}): the {@code _mta-sts} TXT record is read
     * again and the policy fetched for its id, new or the same, so that a domain's policy in use
     * never lapses between deliveries and a changed policy behind an unchanged id is seen. A failed
     * refresh keeps the cached policy (retried after {@link #REFRESH_RETRY}); a TXT record gone
     * changes nothing until the policy expires. At most {@value #MAX_REFRESHES_PER_CALL} a call.
     *
     * @return the domains whose refresh started
     */
    public List<String> refreshDue() {
        Instant now = clock.instant();
        List<String> started = new ArrayList<>();
        for (StsPolicy p : List.copyOf(cache.values())) {
            if (started.size() >= MAX_REFRESHES_PER_CALL) break;
            String domain = p.domain();
            Instant tried = refreshTried.get(domain);
            if (!p.expires().isAfter(now)
                    || now.isBefore(p.fetched().plusSeconds(p.maxAge() / 2))
                    || tried != null && now.isBefore(tried.plus(REFRESH_RETRY))
                    || inFlight.containsKey(domain)) continue;
            refreshTried.put(domain, now);
            started.add(domain);
            dns.txt("_mta-sts." + domain).thenAccept(txt -> {
                String id = StsPolicy.discoveryId(txt);
                if (id != null) inFlight.computeIfAbsent(domain, d -> fetch(d, id, p));
            });
        }
        if (refreshTried.size() > MAX_POLICIES) refreshTried.keySet().retainAll(cache.keySet());
        return started;
    }

    private CompletableFuture<Lookup> fetch(String domain, String id, StsPolicy cached) {
        CompletableFuture<Lookup> result = dns.addresses("mta-sts." + domain)
                .thenApplyAsync(
                        addresses -> {
                            try {
                                String body = fetcher.fetch(domain, addresses);
                                StsPolicy p = StsPolicy.parse(domain, id, body, clock.instant());
                                store(p);
                                log.info(
                                        "MTA-STS policy of {} (id {}): mode {}, mx {}, max_age {}",
                                        domain,
                                        id,
                                        p.mode().name().toLowerCase(java.util.Locale.ROOT),
                                        p.mx(),
                                        p.maxAge());
                                return (Lookup) new Lookup.Found(p);
                            } catch (StsFetcher.FetchException e) {
                                return failed(
                                        domain,
                                        cached,
                                        e.webPki ? TlsResult.STS_WEBPKI_INVALID : TlsResult.STS_POLICY_FETCH_ERROR,
                                        e.getMessage());
                            } catch (IllegalArgumentException e) {
                                return failed(
                                        domain,
                                        cached,
                                        TlsResult.STS_POLICY_INVALID,
                                        "MTA-STS policy of " + domain + " is invalid: " + e.getMessage());
                            }
                        },
                        blocking)
                .exceptionally(e -> failed(
                        domain,
                        cached,
                        TlsResult.STS_POLICY_FETCH_ERROR,
                        "MTA-STS policy host of " + domain + ": " + PolicyDns.root(e)));
        // never inside computeIfAbsent: the removal runs on another thread
        result.whenCompleteAsync((r, e) -> inFlight.remove(domain, result), blocking);
        return result;
    }

    private Lookup failed(String domain, StsPolicy cached, TlsResult type, String reason) {
        log.warn("{}{}", reason, cached != null ? " (the cached policy stays in force)" : "");
        return cached != null ? new Lookup.Found(cached) : new Lookup.Failed(type, reason);
    }

    /** The cached policy of a domain if it has not expired. */
    StsPolicy current(String domain) {
        StsPolicy p = cache.get(domain);
        if (p == null) return null;
        if (!p.expires().isAfter(clock.instant())) {
            cache.remove(domain, p);
            return null;
        }
        return p;
    }

    private void store(StsPolicy p) {
        if (cache.size() >= MAX_POLICIES && !cache.containsKey(p.domain())) {
            Instant now = clock.instant();
            cache.values().removeIf(old -> !old.expires().isAfter(now));
            if (cache.size() >= MAX_POLICIES) return; // full of live policies: this one is used, not kept
        }
        cache.put(p.domain(), p);
        persist();
    }

    private synchronized void persist() {
        List<Stored> out = new ArrayList<>();
        for (StsPolicy p : cache.values())
            out.add(new Stored(p.domain(), p.id(), p.text(), p.fetched().toEpochMilli()));
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = parent.resolve(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), out);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("cannot write the MTA-STS policy cache {}: {}", file, e.toString());
        }
    }

    private void load() {
        if (!Files.isRegularFile(file)) return;
        try {
            List<Stored> stored = JSON.readValue(file.toFile(), new TypeReference<List<Stored>>() {});
            Instant now = clock.instant();
            for (Stored s : stored) {
                try {
                    StsPolicy p =
                            StsPolicy.parse(s.domain(), s.id(), s.text(), Instant.ofEpochMilli(s.fetchedMillis()));
                    if (p.expires().isAfter(now)) cache.put(p.domain(), p);
                } catch (RuntimeException e) {
                    log.warn("ignoring a cached MTA-STS policy of {}: {}", s.domain(), e.getMessage());
                }
            }
            log.info("read {} MTA-STS policies from {}", cache.size(), file);
        } catch (IOException e) {
            log.warn("cannot read the MTA-STS policy cache {}: {}", file, e.toString());
        }
    }

    /** Policies cached now (expired ones included until looked at). */
    public int cached() {
        return cache.size();
    }
}
