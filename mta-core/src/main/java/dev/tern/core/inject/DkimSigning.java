package dev.tern.core.inject;

import dev.tern.core.config.TernConfig;
import dev.tern.dkim.Canonicalization;
import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimSigner;
import dev.tern.dkim.MultiSigner;
import dev.tern.dkim.SignerSettings;
import dev.tern.dkim.SigningEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the DKIM keys for a message by its From domain (or a parent domain, or the
 * configured fallback domain) and signs it. Key files are re-read when they change on disk,
 * without a restart; a key that fails to load on reload is logged and the old one kept.
 */
public final class DkimSigning implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DkimSigning.class);

    private volatile TernConfig.Dkim config;
    private volatile Map<String, MultiSigner> signers;
    private final Map<Path, FileTime> loadedAt = new HashMap<>();
    private ScheduledExecutorService watcher;

    private final MeterRegistry registry;
    private final Timer signingTime;
    private final Map<String, Counter> signed = new ConcurrentHashMap<>();
    private final Map<String, Counter> failed = new ConcurrentHashMap<>();

    /** @throws dev.tern.core.config.ConfigException naming {@code dkim.rsa_engine} if the native engine is required but absent */
    public DkimSigning(TernConfig.Dkim config) {
        this(config, new SimpleMeterRegistry());
    }

    /**
     * @param registry where the signing meters go: {@code tern_dkim_signatures_total{domain,selector,algorithm}},
     *     {@code tern_dkim_signing_failures_total{domain}}, {@code tern_dkim_signing_seconds} (time spent in
     *     DKIM code per message: body hashing and the signatures)
     */
    public DkimSigning(TernConfig.Dkim config, MeterRegistry registry) {
        this.registry = registry;
        this.signingTime = Timer.builder("tern.dkim.signing")
                .description("Time spent signing one message (body hash and every signature)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.config = config;
        this.signers = build(config, Map.of(), loadedAt);
        watchKeys();
        if (!signers.isEmpty()) {
            SigningEngine e = engine(config);
            log.info(
                    "DKIM signs for {} domain(s); signing engine: {}",
                    signers.size(),
                    (e == null ? SigningEngine.preferred() : e).description());
        }
    }

    /**
     * The signing engine {@code dkim.rsa_engine} asks for (RSA and Ed25519 keys alike); null for auto
     * (each key takes the native engine where it loads and accepts the key, else pure Java).
     */
    static SigningEngine engine(TernConfig.Dkim config) {
        return switch (config.rsaEngine()) {
            case "java" -> SigningEngine.JAVA;
            case "native" -> {
                if (!SigningEngine.nativeAvailable()) {
                    throw new dev.tern.core.config.ConfigException(
                            "dkim",
                            List.of("dkim.rsa_engine: the native signing engine is not available on this machine ("
                                    + SigningEngine.nativeUnavailableReason() + "); use auto or java"));
                }
                yield SigningEngine.NATIVE;
            }
            default -> null;
        };
    }

    private synchronized void watchKeys() {
        if (watcher != null || config.domains().isEmpty()) return;
        watcher = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("tern-dkim-keys").daemon(true).unstarted(r));
        watcher.scheduleWithFixedDelay(this::reloadChanged, 5, 5, TimeUnit.SECONDS);
    }

    /**
     * Loads the keys of {@code next} (a configuration reload) without using them yet; the
     * returned action switches signing to them.
     *
     * @throws dev.tern.core.config.ConfigException naming {@code dkim.domains.DOMAIN} if a key cannot be loaded
     */
    public Runnable prepare(TernConfig.Dkim next) {
        Map<Path, FileTime> times = new HashMap<>();
        Map<String, MultiSigner> built;
        try {
            built = build(next, Map.of(), times);
        } catch (KeyFailure e) {
            throw new dev.tern.core.config.ConfigException(
                    "dkim", List.of("dkim.domains." + e.domain + ": " + e.getMessage()));
        }
        return () -> {
            synchronized (this) {
                config = next;
                signers = built;
                loadedAt.clear();
                loadedAt.putAll(times);
            }
            watchKeys();
            log.info("DKIM now signs for {} domain(s)", built.size());
        };
    }

    private static final class KeyFailure extends RuntimeException {
        final String domain;

        KeyFailure(String domain, RuntimeException cause) {
            super(cause.getMessage(), cause);
            this.domain = domain;
        }
    }

    /** True when at least one signing domain is configured. */
    public boolean enabled() {
        return !signers.isEmpty();
    }

    /**
     * The {@code DKIM-Signature} fields to prepend to {@code message} (CRLF-terminated), or ""
     * when no key applies.
     */
    public String sign(byte[] message, String fromDomain) {
        Signing s = start(fromDomain);
        if (s == null) return "";
        s.update(message, 0, message.length);
        return s.finish();
    }

    /**
     * A signing session for a message with this From domain, to be fed the message (without
     * Tern's control headers) as it arrives; null when no key applies.
     */
    public Signing start(String fromDomain) {
        String d = signingDomain(fromDomain);
        MultiSigner s = d == null ? null : signers.get(d);
        return s == null ? null : new Signing(s, d);
    }

    /**
     * One message being signed: a {@link dev.tern.dkim.SigningSession} that also records the
     * signing meters (time spent in it, signatures per key, failures). Not thread-safe.
     */
    public final class Signing extends OutputStream {
        private final dev.tern.dkim.SigningSession session;
        private final MultiSigner signers;
        private final String domain;
        private long nanos;

        private Signing(MultiSigner signers, String domain) {
            this.signers = signers;
            this.domain = domain;
            this.session = signers.start();
        }

        /** Feeds the next message bytes. */
        public void update(byte[] b, int off, int len) {
            long t0 = System.nanoTime();
            try {
                session.update(b, off, len);
            } finally {
                nanos += System.nanoTime() - t0;
            }
        }

        @Override
        public void write(int b) {
            update(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            update(b, off, len);
        }

        /** Ends the message: the {@code DKIM-Signature} fields, ready to prepend. */
        public String finish() {
            long t0 = System.nanoTime();
            String fields;
            try {
                fields = session.finish();
            } catch (RuntimeException e) {
                failure();
                throw e;
            }
            signed(nanos + System.nanoTime() - t0);
            return fields;
        }

        /**
         * Ends the body: a signer of variants of the header section (fields Tern adds on top, client
         * fields it leaves out), each signed over the one body hash ({@link
         * dev.tern.dkim.SigningSession#finishBody}). Every variant is metered as one signed message.
         */
        public Variants finishBody() {
            long t0 = System.nanoTime();
            dev.tern.dkim.SigningSession.Variants v;
            try {
                v = session.finishBody();
            } catch (RuntimeException e) {
                failure();
                throw e;
            }
            nanos += System.nanoTime() - t0;
            return new Variants(v);
        }

        /** The signer of header variants of one finished message body. */
        public final class Variants {
            private final dev.tern.dkim.SigningSession.Variants variants;

            private Variants(dev.tern.dkim.SigningSession.Variants variants) {
                this.variants = variants;
            }

            /**
             * The {@code DKIM-Signature} fields of the message whose header section is {@code top}
             * followed by the fed fields {@code omit} does not match.
             */
            public String sign(String top, java.util.function.Predicate<String> omit) {
                long t0 = System.nanoTime();
                String fields;
                try {
                    fields = variants.sign(top, omit);
                } catch (RuntimeException e) {
                    failure();
                    throw e;
                }
                signed(nanos + System.nanoTime() - t0);
                nanos = 0; // the body's share is counted with the first variant
                return fields;
            }
        }

        private void failure() {
            failed.computeIfAbsent(
                            domain,
                            x -> Counter.builder("tern.dkim.signing.failures")
                                    .tag("domain", x)
                                    .description("Messages whose DKIM signing failed, by signing domain")
                                    .register(registry))
                    .increment();
        }

        private void signed(long spentNanos) {
            signingTime.record(spentNanos, TimeUnit.NANOSECONDS);
            for (dev.tern.dkim.DkimSigner k : signers.signers()) {
                var st = k.settings();
                String alg = st.key().algorithm().tag();
                signed.computeIfAbsent(
                                st.domain() + "\n" + st.selector() + "\n" + alg,
                                x -> Counter.builder("tern.dkim.signatures")
                                        .tag("domain", st.domain())
                                        .tag("selector", st.selector())
                                        .tag("algorithm", alg)
                                        .description("DKIM signatures made, by signing domain, selector and algorithm")
                                        .register(registry))
                        .increment();
            }
        }
    }

    /** The signing domain used for a From domain, or null. */
    String signingDomain(String fromDomain) {
        Map<String, MultiSigner> current = signers;
        if (fromDomain != null) {
            String d = fromDomain.toLowerCase(Locale.ROOT);
            while (true) {
                if (current.containsKey(d)) return d;
                int dot = d.indexOf('.');
                if (dot < 0) break;
                d = d.substring(dot + 1);
            }
        }
        return current.containsKey(config.fallbackDomain()) ? config.fallbackDomain() : null;
    }

    private MultiSigner signerFor(String fromDomain) {
        String d = signingDomain(fromDomain);
        return d == null ? null : signers.get(d);
    }

    private static Map<String, MultiSigner> build(
            TernConfig.Dkim config, Map<String, MultiSigner> previous, Map<Path, FileTime> loadedAt) {
        String[] canon = config.canonicalization().split("/");
        Canonicalization header = Canonicalization.valueOf(canon[0].toUpperCase(Locale.ROOT));
        Canonicalization body = Canonicalization.valueOf(canon[canon.length - 1].toUpperCase(Locale.ROOT));
        SigningEngine engine = engine(config);
        Map<String, MultiSigner> out = new HashMap<>();
        for (var e : config.domains().entrySet()) {
            String domain = e.getKey().toLowerCase(Locale.ROOT);
            List<DkimSigner> list = new ArrayList<>();
            try {
                for (TernConfig.DkimKeyConfig k : e.getValue()) {
                    loadedAt.put(k.keyFile(), mtime(k.keyFile()));
                    SignerSettings s = SignerSettings.of(
                                    domain, k.selector(), withEngine(DkimKey.load(k.keyFile()), engine))
                            .withCanonicalization(header, body);
                    if (!config.headers().isEmpty())
                        s = s.withHeaders(config.headers(), SignerSettings.DEFAULT_OVERSIGNED);
                    if (config.expiry() != null) s = s.withExpiry(config.expiry());
                    list.add(new DkimSigner(s));
                }
                if (!list.isEmpty()) out.put(domain, new MultiSigner(list));
            } catch (RuntimeException ex) {
                if (!previous.containsKey(domain)) throw new KeyFailure(domain, ex);
                log.error(
                        "DKIM keys of {} could not be reloaded, keeping the previous ones: {}",
                        domain,
                        ex.getMessage());
                out.put(domain, previous.get(domain));
            }
        }
        return Map.copyOf(out);
    }

    private static DkimKey withEngine(DkimKey key, SigningEngine engine) {
        return engine == null ? key : key.withEngine(engine);
    }

    /** Re-reads the keys now (configuration reload). */
    public synchronized void reload() {
        signers = build(config, signers, loadedAt);
        log.info("DKIM keys reloaded for {} domain(s)", signers.size());
    }

    private synchronized void reloadChanged() {
        boolean changed = false;
        for (var e : loadedAt.entrySet()) {
            if (!e.getValue().equals(mtime(e.getKey()))) changed = true;
        }
        if (changed) reload();
    }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    @Override
    public synchronized void close() {
        if (watcher != null) watcher.shutdownNow();
    }
}
