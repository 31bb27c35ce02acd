package dev.tern.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Tern's whole configuration, as read from {@code tern.yaml}. Every section has defaults
 * ({@code defaults()}), so an empty file is a valid configuration. YAML keys are the
 * snake_case names of the components below; {@code config/tern.yaml} documents each one.
 */
public record TernConfig(
        Server server,
        Spool spool,
        Injection injection,
        Admin admin,
        Delivery delivery,
        Dns dns,
        Map<String, HostPort> routes,
        Events events,
        Dkim dkim,
        Bounces bounces,
        SuppressionSettings suppression,
        Campaigns campaigns,
        Fleet fleet,
        Unsubscribe unsubscribe)
        implements Validated {

    public static TernConfig defaults() {
        return new TernConfig(
                Server.defaults(),
                Spool.defaults(),
                Injection.defaults(),
                Admin.defaults(),
                Delivery.defaults(),
                Dns.defaults(),
                Map.of(),
                Events.defaults(),
                Dkim.defaults(),
                Bounces.defaults(),
                SuppressionSettings.defaults(),
                Campaigns.defaults(),
                null,
                Unsubscribe.defaults());
    }

    /** Whether this node is part of a fleet (a {@code fleet:} section with keys is present). */
    public boolean inFleet() {
        return fleet != null;
    }

    public TernConfig {
        routes = routes == null ? Map.of() : routes;
    }

    @Override
    public void validate(Problems problems) {
        for (String pattern : routes.keySet()) {
            if (!pattern.equals("*") && !pattern.matches("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.\\-]*[A-Za-z0-9])?")) {
                problems.at("routes").add(ConfigBinder.quoteKey(pattern), "not a domain, '*.domain' wildcard or '*'");
            }
        }
    }

    /** @param hostname this MTA's name: SMTP banner, Received headers, default EHLO name */
    public record Server(String hostname) implements Validated {
        static Server defaults() {
            return new Server("localhost");
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    hostname != null && !hostname.isBlank() && !hostname.contains(" "),
                    "hostname",
                    "must be a host name");
        }
    }

    /**
     * @param directory      RocksDB spool directory
     * @param sync           sync the WAL before acknowledging (false loses acknowledged mail on power loss)
     * @param minFreeDisk    refuse new mail (452 4.3.1) when free disk space falls below this
     * @param rocksdb        RocksDB tuning
     * @param bodyCache      most bytes of just-stored bodies kept in memory for their delivery
     *                       (a read shortcut; 0 keeps none)
     */
    public record Spool(Path directory, boolean sync, DataSize minFreeDisk, RocksDb rocksdb, DataSize bodyCache)
            implements Validated {
        static Spool defaults() {
            return new Spool(
                    Path.of("data/spool"),
                    true,
                    DataSize.ofMebibytes(512),
                    RocksDb.defaults(),
                    DataSize.ofMebibytes(16)); // SpoolSettings.DEFAULT_BODY_CACHE_BYTES
        }

        @Override
        public void validate(Problems p) {
            p.min(minFreeDisk.bytes(), 0, "min_free_disk");
            p.min(bodyCache.bytes(), 0, "body_cache");
        }
    }

    /**
     * @param writeBuffer    memtable size per column family
     * @param blockCache     shared block cache for reads
     * @param blobMinSize    bodies at least this large are stored in blob files
     * @param backgroundJobs flush and compaction threads
     */
    public record RocksDb(DataSize writeBuffer, DataSize blockCache, DataSize blobMinSize, int backgroundJobs)
            implements Validated {
        static RocksDb defaults() {
            return new RocksDb(DataSize.ofMebibytes(64), DataSize.ofMebibytes(64), new DataSize(4096), 2);
        }

        @Override
        public void validate(Problems p) {
            p.min(writeBuffer.bytes(), 1 << 20, "write_buffer");
            p.min(blockCache.bytes(), 0, "block_cache");
            p.min(blobMinSize.bytes(), 0, "blob_min_size");
            p.min(backgroundJobs, 1, "background_jobs");
        }
    }

    /**
     * @param listen             address and port of the SMTP injection listener
     * @param relayFrom          client address blocks allowed to relay (inject) mail
     * @param maxMessageSize     largest message accepted (advertised with SIZE)
     * @param maxRecipients      most recipients per message
     * @param maxConnections     most concurrent injection sessions
     * @param maxConnectionsPerIp most concurrent sessions from one client address (0: no limit)
     * @param idleTimeout        a session idle this long is closed
     * @param tls                STARTTLS and SMTPS ({@link InjectionTls})
     * @param auth               SMTP AUTH users and lockout ({@link InjectionAuth})
     * @param data               limits on the message text ({@link DataLimits})
     * @param tags               accepted X-Tern-Pool / X-Tern-Tenant values ({@link InjectionTags})
     * @param commandDeadline    one command line, or one message text, must arrive within this, however the
     *                           client spaces its bytes (extended by {@code minDataRate}, never beyond itself)
     * @param minDataRate        bytes per second that earn more time: each read of N bytes adds N / rate
     *                           seconds to the current deadline (0 = none: the deadline is fixed)
     * @param stressThreshold    fraction of {@code maxConnections} open at which the listener is under stress
     * @param stressTimeout      idle timeout and command deadline while under stress
     * @param iKnowThisIsAnOpenRelay accept a {@code relayFrom} block wider than private/loopback ranges on a
     *                           non-loopback listener (an open relay); without it that is a config error
     * @param maxMemory          heap all sessions together may use for message texts being received;
     *                           a DATA that cannot get its share now gets {@code 452 4.3.1}
     * @param headers            Message-ID, Date and From hygiene ({@link InjectionHeaders})
     */
    public record Injection(
            HostPort listen,
            List<Cidr> relayFrom,
            DataSize maxMessageSize,
            int maxRecipients,
            int maxConnections,
            int maxConnectionsPerIp,
            Duration idleTimeout,
            InjectionTls tls,
            InjectionAuth auth,
            DataLimits data,
            DataSize maxMemory,
            Duration commandDeadline,
            int minDataRate,
            double stressThreshold,
            Duration stressTimeout,
            boolean iKnowThisIsAnOpenRelay,
            InjectionTags tags,
            InjectionHeaders headers)
            implements Validated {
        static Injection defaults() {
            return new Injection(
                    new HostPort("127.0.0.1", 2525),
                    List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")),
                    DataSize.ofMebibytes(50),
                    1000,
                    1000,
                    50,
                    Duration.ofMinutes(5),
                    InjectionTls.defaults(),
                    InjectionAuth.defaults(),
                    DataLimits.defaults(),
                    DataSize.ofMebibytes(256),
                    Duration.ofMinutes(5),
                    500,
                    0.8,
                    Duration.ofSeconds(10),
                    false,
                    InjectionTags.defaults(),
                    InjectionHeaders.defaults());
        }

        @Override
        public void validate(Problems p) {
            p.min(maxMessageSize.bytes(), 1024, "max_message_size");
            p.require(maxMessageSize.bytes() <= Integer.MAX_VALUE, "max_message_size", "must be < 2GiB");
            p.min(maxRecipients, 1, "max_recipients");
            p.min(maxConnections, 1, "max_connections");
            p.min(maxConnectionsPerIp, 0, "max_connections_per_ip");
            p.require(!idleTimeout.isNegative() && !idleTimeout.isZero(), "idle_timeout", "must be positive");
            p.require(
                    data == null
                            || maxMemory.bytes() >= 2 * data.memoryThreshold().bytes(),
                    "max_memory",
                    "must be at least twice injection.data.memory_threshold (one message buffer and its copy)");
            p.require(
                    !commandDeadline.isNegative() && !commandDeadline.isZero(), "command_deadline", "must be positive");
            p.min(minDataRate, 0, "min_data_rate");
            p.require(stressThreshold > 0 && stressThreshold <= 1, "stress_threshold", "must be in (0, 1]");
            p.require(!stressTimeout.isNegative() && !stressTimeout.isZero(), "stress_timeout", "must be positive");
            if (!iKnowThisIsAnOpenRelay) {
                boolean publicListener = !Admin.isLoopback(listen.host())
                        || (tls != null
                                && tls.smtpsListen() != null
                                && !Admin.isLoopback(tls.smtpsListen().host()));
                for (int i = 0; i < relayFrom.size(); i++) {
                    Cidr block = relayFrom.get(i);
                    if (publicListener && RelayBlocks.open(block)) {
                        p.add(
                                "relay_from[" + i + "]",
                                block + " lets clients anywhere relay without AUTH through a non-loopback listener"
                                        + " (an open relay); name your platform's addresses (private ranges, or public"
                                        + " blocks of at most /24 (IPv4) or /48 (IPv6)), or set"
                                        + " injection.i_know_this_is_an_open_relay: true");
                    }
                }
            }
        }
    }

    /**
     * @param listen        address and port of the admin HTTP server (metrics, API); loopback by default
     * @param token         bearer token required by the admin API (and by /metrics when set here); "" = the
     *                      token in {@code tokenFile}
     * @param tokenFile     with an empty token: file holding the API token, generated (mode 0600) on the first
     *                      start; the CLI reads it when it talks to a loopback Tern. null ({@code ""}) = no
     *                      token file: with an empty token the API is off (403)
     * @param publicMetrics serve /metrics without the token (for Prometheus set-ups without bearer auth)
     */
    public record Admin(HostPort listen, String token, Path tokenFile, boolean publicMetrics) implements Validated {
        static Admin defaults() {
            return new Admin(new HostPort("127.0.0.1", 8025), "", Path.of("data/admin.token"), false);
        }

        public Admin {
            token = token == null ? "" : token;
            if (tokenFile != null && tokenFile.toString().isEmpty()) tokenFile = null;
        }

        @Override
        public void validate(Problems p) {
            if ((token == null || token.isEmpty()) && !isLoopback(listen.host())) {
                p.add(
                        "token",
                        "required when admin.listen is not a loopback address (" + listen.host()
                                + "): without a token /metrics would be open to the network");
            }
        }

        private static boolean isLoopback(String host) {
            if (host.equals("localhost")) return true;
            try {
                // literal addresses only: a name is not resolved here
                if (!host.matches("[0-9.]+|\\[?[0-9A-Fa-f:.]+]?")) return false;
                return java.net.InetAddress.getByName(host.replace("[", "").replace("]", ""))
                        .isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
    }

    /**
     * @param ehloName                    name sent in EHLO ("" = server.hostname)
     * @param maxConnectionsPerDestination concurrent connections per destination (site or route)
     * @param maxMessagesPerConnection    messages sent over one connection before it is closed
     * @param maxRecipientsPerTransaction recipients per SMTP transaction
     * @param maxConnections              concurrent outbound connections in total
     * @param retry                       retry schedule for temporary failures
     * @param maxAge                      undelivered mail older than this expires (bounce, reason expired)
     * @param idleConnectionTimeout       an outbound connection with nothing to send waits this long for more
     *                                    mail to its destination, then QUIT (0: at once; at most 10m)
     * @param smtpPort                    port of MX hosts found through DNS (25; tests use others)
     * @param timeouts                    SMTP client timeouts per phase (RFC 5321 4.5.3.2)
     * @param shapingFile                 traffic shaping rules; null ({@code ""}) = the limits above for every site.
     *                                    The default {@link #DEFAULT_SHAPING_FILE} is used only if it exists
     *                                    (see {@link #effectiveShapingFile}); any other path must exist.
     *                                    Reloaded with the configuration; problems name the key inside that file
     * @param sources                     egress sources (virtual MTAs) by name: local address to bind + EHLO name
     * @param pools                       egress pools by name: source name -> weight
     * @param tenantPools                 tenant -> pool, for messages without X-Tern-Pool
     * @param defaultPool                 pool of messages that name none ("" = "default", or the only pool)
     * @param tls                         outbound TLS policy, MTA-STS, DANE and TLS-RPT ({@link OutboundTls})
     */
    public record Delivery(
            String ehloName,
            int maxConnectionsPerDestination,
            int maxMessagesPerConnection,
            int maxRecipientsPerTransaction,
            int maxConnections,
            Retry retry,
            Duration maxAge,
            Duration idleConnectionTimeout,
            int smtpPort,
            Timeouts timeouts,
            Path shapingFile,
            Map<String, Source> sources,
            Map<String, Map<String, Integer>> pools,
            Map<String, String> tenantPools,
            String defaultPool,
            OutboundTls tls,
            int eventLoops)
            implements Validated {
        static Delivery defaults() {
            return new Delivery(
                    "",
                    20,
                    1024,
                    100,
                    2000,
                    Retry.defaults(),
                    Duration.ofDays(3),
                    Duration.ofSeconds(5),
                    25,
                    Timeouts.defaults(),
                    DEFAULT_SHAPING_FILE,
                    Map.of(),
                    Map.of(),
                    Map.of(),
                    "",
                    OutboundTls.defaults(),
                    0);
        }

        /**
         * Netty event loop threads for outbound SMTP (the admin API and the unsubscribe listener share
         * them): {@code event_loops}, or with 0 (the default) one per 4 cores, at least 1. Outbound
         * connections only do I/O and TLS there; on 2 cores one loop costs less CPU per message than two
         * (more ready connections per {@code epoll_wait}, fewer wake-ups; benchmarks/README.md).
         */
        public int effectiveEventLoops() {
            return eventLoops > 0
                    ? eventLoops
                    : Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
        }

        /** The shipped shaping file, relative to the working directory. */
        public static final Path DEFAULT_SHAPING_FILE = Path.of("config/shaping.yaml");

        public Delivery {
            if (shapingFile != null && shapingFile.toString().isEmpty()) shapingFile = null;
            sources = sources == null ? Map.of() : sources;
            pools = pools == null ? Map.of() : pools;
            tenantPools = tenantPools == null ? Map.of() : tenantPools;
            defaultPool = defaultPool == null ? "" : defaultPool;
            tls = tls == null ? OutboundTls.defaults() : tls;
        }

        /**
         * The shaping file to read now: {@code shaping_file}, except that the default path counts as
         * unset while no such file exists (a fresh directory without config/); null = no shaping file.
         */
        public Path effectiveShapingFile() {
            if (shapingFile == null) return null;
            if (shapingFile.equals(DEFAULT_SHAPING_FILE) && !java.nio.file.Files.exists(shapingFile)) return null;
            return shapingFile;
        }

        /** The pool of messages that name none: default_pool, else "default", else the only pool ("" when no pools). */
        public String effectiveDefaultPool() {
            if (!defaultPool.isEmpty()) return defaultPool;
            if (pools.containsKey("default") || pools.isEmpty()) return pools.isEmpty() ? "" : "default";
            return pools.size() == 1 ? pools.keySet().iterator().next() : "";
        }

        @Override
        public void validate(Problems p) {
            p.min(maxConnectionsPerDestination, 1, "max_connections_per_destination");
            p.min(maxMessagesPerConnection, 1, "max_messages_per_connection");
            p.min(maxRecipientsPerTransaction, 1, "max_recipients_per_transaction");
            p.min(maxConnections, 1, "max_connections");
            p.require(
                    eventLoops >= 0 && eventLoops <= 1024,
                    "event_loops",
                    "must be 0 (one per 4 cores, at least 1) .. 1024 (got " + eventLoops + ")");
            p.require(maxAge.toSeconds() >= 1, "max_age", "must be at least 1s");
            p.require(
                    idleConnectionTimeout == null
                            || !idleConnectionTimeout.isNegative()
                                    && idleConnectionTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
                    "idle_connection_timeout",
                    "must be 0s..10m");
            p.require(
                    smtpPort >= 1 && smtpPort <= 65535,
                    "smtp_port",
                    "must be a port number 1..65535 (got " + smtpPort + ")");
            for (var pool : pools.entrySet()) {
                Problems at = p.at("pools").at(ConfigBinder.quoteKey(pool.getKey()));
                if (pool.getValue().isEmpty()) at.add("a pool needs at least one source");
                for (var member : pool.getValue().entrySet()) {
                    at.require(
                            sources.containsKey(member.getKey()),
                            ConfigBinder.quoteKey(member.getKey()),
                            "no such source under delivery.sources (have: "
                                    + String.join(", ", new java.util.TreeSet<>(sources.keySet())) + ")");
                    at.require(
                            member.getValue() != null && member.getValue() >= 1,
                            ConfigBinder.quoteKey(member.getKey()),
                            "weight must be >= 1");
                }
            }
            if (pools.isEmpty() && !sources.isEmpty())
                p.add("pools", "sources are only used through pools: define at least one pool");
            if (!pools.isEmpty()) {
                p.require(
                        !effectiveDefaultPool().isEmpty() && pools.containsKey(effectiveDefaultPool()),
                        "default_pool",
                        defaultPool.isEmpty()
                                ? "is required when there are several pools and none is named 'default'"
                                : "no such pool under delivery.pools: '" + defaultPool + "'");
            }
            for (var t : tenantPools.entrySet()) {
                p.require(
                        pools.containsKey(t.getValue()),
                        "tenant_pools." + ConfigBinder.quoteKey(t.getKey()),
                        "no such pool under delivery.pools: '" + t.getValue() + "'");
            }
            // a shaping file that is there is checked now; a missing one is reported when Tern starts
            // (relative paths are relative to the working directory, like every path here)
            if (shapingFile != null && java.nio.file.Files.isRegularFile(shapingFile)) {
                try {
                    loadShaping(shapingFile);
                } catch (ConfigException e) {
                    for (String problem : e.problems()) p.add("shaping_file", shapingFile + ": " + problem);
                }
            }
        }
    }

    /**
     * Reads and validates a traffic shaping file ({@code delivery.shaping_file}); a missing or
     * wrong file is a {@link ConfigException} whose problems name the key inside the file.
     */
    public static dev.tern.core.config.ShapingConfig loadShaping(Path file) {
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper(
                            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .readTree(java.nio.file.Files.readString(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of("file not found"));
        } catch (java.io.IOException e) {
            throw new ConfigException(file.toString(), List.of("(root): cannot read or parse: " + e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) return dev.tern.core.config.ShapingConfig.empty();
        Problems problems = new Problems();
        dev.tern.core.config.ShapingConfig cfg = new ConfigBinder(problems)
                .bind(
                        root,
                        dev.tern.core.config.ShapingConfig.class,
                        dev.tern.core.config.ShapingConfig.empty(),
                        problems);
        if (!problems.isEmpty()) throw new ConfigException(file.toString(), problems.list());
        return cfg;
    }

    /**
     * An egress source (virtual MTA).
     *
     * @param address  local IP address outbound connections are bound to; it must be on this machine
     * @param ehloName name sent in EHLO ("" = delivery.ehlo_name); it should resolve to address and back
     */
    public record Source(String address, String ehloName) implements Validated {
        public Source {
            ehloName = ehloName == null ? "" : ehloName;
        }

        @Override
        public void validate(Problems p) {
            if (address == null || !address.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                p.add("address", "must be an IP address (got '" + address + "')");
                return;
            }
            try {
                java.net.InetAddress a = java.net.InetAddress.getByName(address);
                try (java.net.Socket s = new java.net.Socket()) {
                    s.bind(new java.net.InetSocketAddress(a, 0));
                }
            } catch (java.io.IOException e) {
                p.add("address", address + " is not an address of this machine (" + e.getMessage() + ")");
            }
            p.require(!ehloName.contains(" "), "ehlo_name", "must be a host name");
        }
    }

    /**
     * @param initial    delay before the first retry
     * @param multiplier each further delay is the previous one times this
     * @param max        longest delay between two attempts
     * @param jitter     random spread of each delay, as a fraction (0.2 = +-20%)
     */
    public record Retry(Duration initial, double multiplier, Duration max, double jitter) implements Validated {
        static Retry defaults() {
            return new Retry(Duration.ofMinutes(1), 2.0, Duration.ofHours(1), 0.2);
        }

        @Override
        public void validate(Problems p) {
            p.require(!initial.isNegative() && !initial.isZero(), "initial", "must be positive");
            p.require(multiplier >= 1.0, "multiplier", "must be >= 1 (got " + multiplier + ")");
            p.require(max.compareTo(initial) >= 0, "max", "must be >= initial");
            p.require(jitter >= 0 && jitter < 1, "jitter", "must be in [0, 1) (got " + jitter + ")");
        }
    }

    /** SMTP client timeouts per phase. */
    public record Timeouts(
            Duration connect,
            Duration banner,
            Duration ehlo,
            Duration mail,
            Duration rcpt,
            Duration dataInit,
            Duration dataBlock,
            Duration dataEnd,
            Duration quit) {
        static Timeouts defaults() {
            return new Timeouts(
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(2),
                    Duration.ofMinutes(3),
                    Duration.ofMinutes(10),
                    Duration.ofSeconds(10));
        }
    }

    /**
     * @param servers   DNS servers (host:port); empty = the system's resolvers (/etc/resolv.conf)
     * @param timeout   per query
     * @param attempts  tries per query
     * @param cacheSize most cached names
     */
    public record Dns(List<HostPort> servers, Duration timeout, int attempts, int cacheSize) implements Validated {
        static Dns defaults() {
            return new Dns(List.of(), Duration.ofSeconds(5), 2, 100_000);
        }

        @Override
        public void validate(Problems p) {
            p.min(attempts, 1, "attempts");
            p.min(cacheSize, 0, "cache_size");
        }
    }

    /**
     * @param log            JSON-lines event log file (the active segment)
     * @param rotateSize     rotate the log when it reaches this size (0 = never by size)
     * @param rotateInterval rotate the log when its active segment is this old (0s = never by time)
     * @param keep           rotated (gzipped) segments kept; older ones are deleted
     * @param webhook        HTTP webhook fed from the log
     */
    public record Events(Path log, DataSize rotateSize, Duration rotateInterval, int keep, Webhook webhook)
            implements Validated {
        static Events defaults() {
            return new Events(
                    Path.of("data/events.jsonl"),
                    DataSize.ofMebibytes(256),
                    Duration.ofDays(1),
                    30,
                    Webhook.defaults());
        }

        @Override
        public void validate(Problems p) {
            p.min(rotateSize.bytes(), 0, "rotate_size");
            p.require(
                    rotateSize.bytes() == 0 || rotateSize.bytes() >= 4096,
                    "rotate_size",
                    "must be 0 (never) or at least 4KiB");
            p.require(
                    !rotateInterval.isNegative() && (rotateInterval.isZero() || rotateInterval.toMillis() >= 1000),
                    "rotate_interval",
                    "must be 0s (never) or at least 1s");
            p.min(keep, 1, "keep");
        }
    }

    /**
     * @param url           endpoint receiving POSTed JSON arrays of events ("" = no webhook)
     * @param headers       extra request headers (e.g. Authorization)
     * @param batchSize     most events per POST
     * @param batchInterval a partial batch is sent once its oldest event waited this long
     * @param timeout       request timeout
     * @param retryInitial  first delay after a failed POST (doubles per failure)
     * @param retryMax      longest delay between retries
     * @param cursor        file holding the position of the last acknowledged event ("" = next to the log)
     * @param secret        HMAC-SHA256 key: requests then carry {@code X-Tern-Signature: t=..,v1=..} ("" = unsigned)
     */
    public record Webhook(
            String url,
            Map<String, String> headers,
            int batchSize,
            Duration batchInterval,
            Duration timeout,
            Duration retryInitial,
            Duration retryMax,
            String cursor,
            String secret)
            implements Validated {
        static Webhook defaults() {
            return new Webhook(
                    "",
                    Map.of(),
                    500,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(5),
                    "",
                    "");
        }

        public Webhook {
            secret = secret == null ? "" : secret;
            headers = headers == null ? Map.of() : headers;
            url = url == null ? "" : url;
            cursor = cursor == null ? "" : cursor;
        }

        public boolean enabled() {
            return !url.isEmpty();
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    url.isEmpty() || url.matches("(?i)https?://.+"),
                    "url",
                    "must be an http:// or https:// URL (got '" + url + "')");
            p.min(batchSize, 1, "batch_size");
            p.require(batchInterval.toMillis() >= 1, "batch_interval", "must be positive");
            p.require(timeout.toMillis() >= 1, "timeout", "must be positive");
            p.require(retryInitial.toMillis() >= 1, "retry_initial", "must be positive");
            p.require(retryMax.compareTo(retryInitial) >= 0, "retry_max", "must be >= retry_initial");
            p.require(
                    secret.isEmpty() || secret.length() >= 16,
                    "secret",
                    "must be at least 16 characters (or \"\" for unsigned requests)");
        }
    }

    /**
     * Asynchronous bounces, feedback loops and VERP.
     *
     * @param domain      domain receiving bounces (VERP return paths b-TOKEN@domain); "" = none
     * @param verp        use VERP return paths b-TOKEN@domain for delivery (needs domain and keys)
     * @param keys        VERP HMAC secrets by key id (one character 0-9 or a-z)
     * @param currentKey  key id used for new return paths (others still verify)
     * @param fblDomains  domains receiving feedback-loop (ARF) reports
     * @param ternIdHeader add a signed {@code X-Tern-Id} header (next to Tern's Received header, outside the DKIM signature; needs keys)
     * @param index       directory of the sent-message index used to match returned mail ("" = next to the spool)
     * @param indexTtl    how long the index remembers a message
     * @param fblReporters feedback-loop providers whose ARF reports count as complaints (others are logged)
     */
    public record Bounces(
            String domain,
            boolean verp,
            Map<String, String> keys,
            String currentKey,
            List<String> fblDomains,
            boolean ternIdHeader,
            String index,
            Duration indexTtl,
            List<FblReporter> fblReporters)
            implements Validated {
        static Bounces defaults() {
            return new Bounces("", false, Map.of(), "", List.of(), true, "", Duration.ofDays(30), List.of());
        }

        public Bounces {
            domain = domain == null ? "" : domain.toLowerCase(java.util.Locale.ROOT);
            keys = keys == null ? Map.of() : keys;
            currentKey = currentKey == null ? "" : currentKey;
            fblDomains = fblDomains == null
                    ? List.of()
                    : fblDomains.stream()
                            .map(d -> d.toLowerCase(java.util.Locale.ROOT))
                            .toList();
            index = index == null ? "" : index;
            fblReporters = fblReporters == null ? List.of() : List.copyOf(fblReporters);
        }

        /** True when mail to bounce or FBL domains is accepted and processed. */
        public boolean intakeEnabled() {
            return !domain.isEmpty() || !fblDomains.isEmpty();
        }

        @Override
        public void validate(Problems p) {
            String dom = "[a-z0-9]([a-z0-9\\-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9\\-]*[a-z0-9])?)+";
            p.require(domain.isEmpty() || domain.matches(dom), "domain", "not a domain name: '" + domain + "'");
            for (int i = 0; i < fblDomains.size(); i++) {
                p.require(
                        fblDomains.get(i).matches(dom),
                        "fbl_domains[" + i + "]",
                        "not a domain name: '" + fblDomains.get(i) + "'");
            }
            for (var e : keys.entrySet()) {
                p.require(
                        e.getKey().matches("[0-9a-z]"),
                        ConfigBinder.quoteKey(e.getKey()),
                        "key ids are one character 0-9 or a-z");
                p.require(
                        e.getValue() != null && e.getValue().length() >= 16,
                        ConfigBinder.quoteKey(e.getKey()),
                        "secret must be at least 16 characters");
            }
            if (verp) {
                p.require(!domain.isEmpty(), "domain", "is required when verp is true");
                p.require(!keys.isEmpty(), "keys", "at least one key is required when verp is true");
                p.require(
                        keys.containsKey(currentKey),
                        "current_key",
                        "must name one of keys (got '" + currentKey + "')");
            } else {
                p.require(
                        currentKey.isEmpty() || keys.containsKey(currentKey),
                        "current_key",
                        "must name one of keys (got '" + currentKey + "')");
            }
            p.require(indexTtl.toSeconds() >= 60, "index_ttl", "must be at least 1m");
        }
    }

    /**
     * A feedback-loop provider whose ARF reports are trusted for complaint counting: a report
     * matches when the connecting client is in {@code ips} or the report carries a DKIM
     * signature that verifies with {@code d=} equal to (or under) one of {@code dkimDomains}.
     *
     * @param name        label for logs and events
     * @param ips         address blocks the provider sends reports from
     * @param dkimDomains signing domains of the provider's reports
     */
    public record FblReporter(String name, List<Cidr> ips, List<String> dkimDomains) implements Validated {
        public FblReporter {
            name = name == null ? "" : name;
            ips = ips == null ? List.of() : List.copyOf(ips);
            dkimDomains = dkimDomains == null
                    ? List.of()
                    : dkimDomains.stream()
                            .map(d -> d.toLowerCase(java.util.Locale.ROOT))
                            .toList();
        }

        @Override
        public void validate(Problems p) {
            p.require(!name.isEmpty(), "name", "is required");
            p.require(!ips.isEmpty() || !dkimDomains.isEmpty(), "ips", "give ips or dkim_domains (or both)");
        }
    }

    /** What injection does with a suppressed recipient. */
    public enum SuppressionMode {
        REFUSE,
        REPORT
    }

    /**
     * @param mode    refuse: 550 5.7.1 at RCPT; report: accept, drop the recipient, emit a suppressed event
     * @param reasons hard-bounce reasons that add the recipient to the list (complaints always do)
     */
    public record SuppressionSettings(
            SuppressionMode mode, List<String> reasons, Duration confirmAfter, List<String> confirmReasons)
            implements Validated {
        static SuppressionSettings defaults() {
            return new SuppressionSettings(
                    SuppressionMode.REFUSE,
                    List.of("userunknown", "hostunknown", "hasmoved", "notaccept"),
                    Duration.ofHours(1),
                    List.of("hostunknown", "notaccept"));
        }

        public SuppressionSettings {
            reasons = reasons == null ? List.of() : reasons;
            confirmAfter = confirmAfter == null ? Duration.ofHours(1) : confirmAfter;
            confirmReasons = confirmReasons == null ? List.of() : confirmReasons;
        }

        @Override
        public void validate(Problems p) {
            for (int i = 0; i < reasons.size(); i++) {
                String r = reasons.get(i);
                boolean known =
                        java.util.Arrays.stream(dev.tern.bounce.Reason.values()).anyMatch(x -> x.id().equals(r));
                p.require(known, "reasons[" + i + "]", "not a bounce reason: '" + r + "'");
            }
            for (int i = 0; i < confirmReasons.size(); i++) {
                String r = confirmReasons.get(i);
                boolean known =
                        java.util.Arrays.stream(dev.tern.bounce.Reason.values()).anyMatch(x -> x.id().equals(r));
                p.require(known, "confirm_reasons[" + i + "]", "not a bounce reason: '" + r + "'");
            }
            p.require(!confirmAfter.isNegative(), "confirm_after", "must not be negative");
        }
    }

    /**
     * @param guard      pause campaigns whose complaint, hard-bounce or unsubscribe rate is too high
     * @param metricsTop campaigns exported to Prometheus by name (the most injected); the rest are "other"
     */
    public record Campaigns(Guard guard, int metricsTop) implements Validated {
        static Campaigns defaults() {
            return new Campaigns(Guard.defaults(), 20);
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    metricsTop >= 0 && metricsTop <= 1000,
                    "metrics_top",
                    "must be in 0..1000 (got " + metricsTop + ")");
        }
    }

    /**
     * @param enabled            turn the guard on
     * @param maxComplaintRate   complaints / delivered above which the campaign is paused
     * @param maxHardBounceRate  hard bounces / (delivered + bounced) above which the campaign is paused
     * @param minVolume          rates are only judged after this many distinct recipients had an outcome
     * @param maxUnsubscribeRate unsubscribes / delivered above which the campaign is paused
     */
    public record Guard(
            boolean enabled,
            double maxComplaintRate,
            double maxHardBounceRate,
            long minVolume,
            double maxUnsubscribeRate)
            implements Validated {
        static Guard defaults() {
            return new Guard(false, 0.003, 0.05, 1000, 0.02);
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    maxComplaintRate > 0 && maxComplaintRate <= 1,
                    "max_complaint_rate",
                    "must be in (0, 1] (got " + maxComplaintRate + ")");
            p.require(
                    maxHardBounceRate > 0 && maxHardBounceRate <= 1,
                    "max_hard_bounce_rate",
                    "must be in (0, 1] (got " + maxHardBounceRate + ")");
            p.require(
                    maxUnsubscribeRate > 0 && maxUnsubscribeRate <= 1,
                    "max_unsubscribe_rate",
                    "must be in (0, 1] (got " + maxUnsubscribeRate + ")");
            p.min(minVolume, 1, "min_volume");
        }
    }

    /**
     * DKIM signing at injection.
     *
     * @param domains          signing domain -> its keys (one signature per key, e.g. RSA and Ed25519)
     * @param fallbackDomain   sign with this domain's keys when the From domain (or a parent) has none; "" = leave unsigned
     * @param canonicalization header/body canonicalization, e.g. relaxed/relaxed
     * @param expiry           if set (e.g. 7d), signatures carry x= = t= + expiry
     * @param headers          header fields to sign (empty = Tern's default list, with over-signing)
     * @param rsaEngine        where signatures are computed, RSA and Ed25519 alike: auto (native AWS-LC where it
     *                         loads, else pure Java), native (required: start fails without it) or java (the
     *                         JDK's RSA, Bouncy Castle's Ed25519)
     */
    public record Dkim(
            Map<String, List<DkimKeyConfig>> domains,
            String fallbackDomain,
            String canonicalization,
            Duration expiry,
            List<String> headers,
            String rsaEngine)
            implements Validated {
        static Dkim defaults() {
            return new Dkim(Map.of(), "", "relaxed/relaxed", null, List.of(), "auto");
        }

        public Dkim {
            domains = domains == null ? Map.of() : domains;
            fallbackDomain = fallbackDomain == null ? "" : fallbackDomain.toLowerCase(java.util.Locale.ROOT);
            headers = headers == null ? List.of() : headers;
            rsaEngine = rsaEngine == null ? "auto" : rsaEngine.toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    canonicalization.matches("(simple|relaxed)(/(simple|relaxed))?"),
                    "canonicalization",
                    "must be simple or relaxed, or header/body such as relaxed/simple (got '" + canonicalization
                            + "')");
            p.require(
                    fallbackDomain.isEmpty() || domains.containsKey(fallbackDomain),
                    "fallback_domain",
                    "'" + fallbackDomain + "' has no keys under dkim.domains");
            p.require(
                    headers.isEmpty() || headers.stream().anyMatch(h -> h.equalsIgnoreCase("From")),
                    "headers",
                    "must include From");
            if (expiry != null) p.require(expiry.toSeconds() >= 1, "expiry", "must be at least 1s");
            p.require(
                    rsaEngine.equals("auto") || rsaEngine.equals("native") || rsaEngine.equals("java"),
                    "rsa_engine",
                    "must be auto, native or java (got '" + rsaEngine + "')");
        }
    }

    /**
     * One DKIM key of a signing domain.
     *
     * @param selector  the selector (the key is published at selector._domainkey.domain)
     * @param keyFile   PEM private key (PKCS#1 or PKCS#8, RSA or Ed25519) or a raw base64 Ed25519 seed
     * @param algorithm expected algorithm, rsa-sha256 or ed25519-sha256 ("" = whatever the key is)
     */
    public record DkimKeyConfig(String selector, Path keyFile, String algorithm) implements Validated {
        public DkimKeyConfig {
            algorithm = algorithm == null ? "" : algorithm.toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    selector != null && selector.matches("[A-Za-z0-9._\\-]+"),
                    "selector",
                    "must be a DNS label such as s2026");
            p.require(
                    algorithm.isEmpty() || algorithm.equals("rsa-sha256") || algorithm.equals("ed25519-sha256"),
                    "algorithm",
                    "must be rsa-sha256 or ed25519-sha256 (got '" + algorithm + "')");
            if (keyFile == null) {
                p.add("key_file", "is required");
                return;
            }
            FileChecks.installed().dkimKey(keyFile, algorithm, p);
        }
    }

    /**
     * {@code fleet:} several Tern nodes acting as one sender. Absent (or empty): this node is alone and
     * no fleet code runs. Present: site limits, holds and suppressions are shared through Redis.
     *
     * @param nodeId       this node's name in the fleet, unique per node ("" = {@code server.hostname})
     * @param redis        Redis URL: {@code redis://host:port[/db]} (or {@code rediss://} for TLS) of the
     *                     shared limits, holds and suppressions; "" = none (they stay per node)
     * @param size         N, the number of nodes in the fleet; the default {@code local_share} is 1/N
     * @param localShare   the fraction of every shared limit this node enforces on its own while Redis
     *                     is unreachable (null: 1/{@code size})
     * @param leaseTtl     a connection lease not renewed for this long expires (a crashed node's
     *                     connections are freed after at most this)
     * @param timeout      one Redis command waits at most this; beyond, the node goes to degraded mode
     * @param tokenBatch   message tokens are taken from Redis for this much of a site's rate at a time
     *                     (one round trip per batch; at least one token)
     * @param kafka        events to a Kafka topic ({@link KafkaEvents}; no bootstrap = none)
     */
    public record Fleet(
            String nodeId,
            String redis,
            int size,
            Double localShare,
            Duration leaseTtl,
            Duration timeout,
            Duration tokenBatch,
            KafkaEvents kafka)
            implements Validated {
        static Fleet defaults() {
            return new Fleet(
                    "",
                    "",
                    1,
                    null,
                    Duration.ofSeconds(15),
                    Duration.ofMillis(500),
                    Duration.ofMillis(50),
                    KafkaEvents.defaults());
        }

        public Fleet {
            nodeId = nodeId == null ? "" : nodeId.strip();
            kafka = kafka == null ? KafkaEvents.defaults() : kafka;
        }

        /** Whether limits, holds and suppressions are shared on Redis ({@code redis} set). */
        public boolean sharesOnRedis() {
            return redis != null && !redis.isEmpty();
        }

        /** The share of each limit enforced alone while Redis is down: {@code local_share}, else 1/{@code size}. */
        public double effectiveLocalShare() {
            return localShare != null ? localShare : 1.0 / Math.max(1, size);
        }

        @Override
        public void validate(Problems p) {
            p.require(
                    nodeId.isEmpty() || nodeId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
                    "node_id",
                    "must be letters, digits, '.', '_' or '-' (at most 64), or empty for server.hostname");
            p.require(
                    redis != null && (redis.isEmpty() || redis.matches("(?i)rediss?://[^\\s/]+(/[0-9]{1,2})?")),
                    "redis",
                    "must be a URL redis://host:port[/db] or rediss://host:port[/db], got '" + redis + "'");
            p.require(size >= 1 && size <= 1000, "size", "must be between 1 and 1000");
            if (localShare != null)
                p.require(
                        localShare > 0 && localShare <= 1,
                        "local_share",
                        "must be a fraction in (0, 1], e.g. 0.34 for a third");
            p.require(leaseTtl.compareTo(Duration.ofSeconds(3)) >= 0, "lease_ttl", "must be at least 3s");
            p.require(
                    !timeout.isNegative() && !timeout.isZero() && timeout.compareTo(Duration.ofSeconds(10)) <= 0,
                    "timeout",
                    "must be between 1ms and 10s");
            p.require(
                    !tokenBatch.isNegative() && tokenBatch.compareTo(Duration.ofSeconds(1)) <= 0,
                    "token_batch",
                    "must be between 0 (one token per round trip) and 1s");
        }
    }
}
