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
    Dkim dkim)
    implements Validated {

  public static TernConfig defaults() {
    return new TernConfig(
        Server.defaults(), Spool.defaults(), Injection.defaults(), Admin.defaults(),
        Delivery.defaults(), Dns.defaults(), Map.of(), Events.defaults(), Dkim.defaults());
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
      p.require(hostname != null && !hostname.isBlank() && !hostname.contains(" "), "hostname", "must be a host name");
    }
  }

  /**
   * @param directory      RocksDB spool directory
   * @param sync           sync the WAL before acknowledging (false loses acknowledged mail on power loss)
   * @param minFreeDisk    refuse new mail (452 4.3.1) when free disk space falls below this
   * @param rocksdb        RocksDB tuning
   */
  public record Spool(Path directory, boolean sync, DataSize minFreeDisk, RocksDb rocksdb) implements Validated {
    static Spool defaults() {
      return new Spool(Path.of("data/spool"), true, DataSize.ofMebibytes(512), RocksDb.defaults());
    }

    @Override
    public void validate(Problems p) {
      p.min(minFreeDisk.bytes(), 0, "min_free_disk");
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
   */
  public record Injection(
      HostPort listen, List<Cidr> relayFrom, DataSize maxMessageSize, int maxRecipients,
      int maxConnections, int maxConnectionsPerIp, Duration idleTimeout)
      implements Validated {
    static Injection defaults() {
      return new Injection(new HostPort("127.0.0.1", 2525),
          List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")),
          DataSize.ofMebibytes(50), 1000, 1000, 0, Duration.ofMinutes(5));
    }

    @Override
    public void validate(Problems p) {
      p.min(maxMessageSize.bytes(), 1024, "max_message_size");
      p.require(maxMessageSize.bytes() <= Integer.MAX_VALUE, "max_message_size", "must be < 2GiB");
      p.min(maxRecipients, 1, "max_recipients");
      p.min(maxConnections, 1, "max_connections");
      p.min(maxConnectionsPerIp, 0, "max_connections_per_ip");
      p.require(!idleTimeout.isNegative() && !idleTimeout.isZero(), "idle_timeout", "must be positive");
    }
  }

  /**
   * @param listen address and port of the admin HTTP server (metrics, API)
   * @param token  bearer token required by the admin API ("" disables the API but for health and metrics)
   */
  public record Admin(HostPort listen, String token) {
    static Admin defaults() {
      return new Admin(new HostPort("127.0.0.1", 8025), "");
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
   * @param idleConnectionTimeout       an idle outbound connection is closed after this
   * @param smtpPort                    port of MX hosts found through DNS (25; tests use others)
   * @param timeouts                    SMTP client timeouts per phase (RFC 5321 4.5.3.2)
   */
  public record Delivery(
      String ehloName, int maxConnectionsPerDestination, int maxMessagesPerConnection,
      int maxRecipientsPerTransaction, int maxConnections, Retry retry, Duration maxAge,
      Duration idleConnectionTimeout, int smtpPort, Timeouts timeouts)
      implements Validated {
    static Delivery defaults() {
      return new Delivery("", 20, 100, 100, 2000, Retry.defaults(), Duration.ofDays(3),
          Duration.ofSeconds(5), 25, Timeouts.defaults());
    }

    @Override
    public void validate(Problems p) {
      p.min(maxConnectionsPerDestination, 1, "max_connections_per_destination");
      p.min(maxMessagesPerConnection, 1, "max_messages_per_connection");
      p.min(maxRecipientsPerTransaction, 1, "max_recipients_per_transaction");
      p.min(maxConnections, 1, "max_connections");
      p.require(maxAge.toSeconds() >= 1, "max_age", "must be at least 1s");
      p.require(smtpPort >= 1 && smtpPort <= 65535, "smtp_port", "must be a port number 1..65535 (got " + smtpPort + ")");
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
      Duration connect, Duration banner, Duration ehlo, Duration mail, Duration rcpt,
      Duration dataInit, Duration dataBlock, Duration dataEnd, Duration quit) {
    static Timeouts defaults() {
      return new Timeouts(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
          Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMinutes(3),
          Duration.ofMinutes(10), Duration.ofSeconds(10));
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

  /** @param log JSON-lines event log file */
  public record Events(Path log) {
    static Events defaults() {
      return new Events(Path.of("data/events.jsonl"));
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
   */
  public record Dkim(Map<String, List<DkimKeyConfig>> domains, String fallbackDomain, String canonicalization,
      Duration expiry, List<String> headers) implements Validated {
    static Dkim defaults() {
      return new Dkim(Map.of(), "", "relaxed/relaxed", null, List.of());
    }

    public Dkim {
      domains = domains == null ? Map.of() : domains;
      fallbackDomain = fallbackDomain == null ? "" : fallbackDomain.toLowerCase(java.util.Locale.ROOT);
      headers = headers == null ? List.of() : headers;
    }

    @Override
    public void validate(Problems p) {
      p.require(canonicalization.matches("(simple|relaxed)(/(simple|relaxed))?"), "canonicalization",
          "must be simple or relaxed, or header/body such as relaxed/simple (got '" + canonicalization + "')");
      p.require(fallbackDomain.isEmpty() || domains.containsKey(fallbackDomain), "fallback_domain",
          "'" + fallbackDomain + "' has no keys under dkim.domains");
      p.require(headers.isEmpty() || headers.stream().anyMatch(h -> h.equalsIgnoreCase("From")), "headers", "must include From");
      if (expiry != null) p.require(expiry.toSeconds() >= 1, "expiry", "must be at least 1s");
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
      p.require(selector != null && selector.matches("[A-Za-z0-9._\\-]+"), "selector", "must be a DNS label such as s2026");
      p.require(algorithm.isEmpty() || algorithm.equals("rsa-sha256") || algorithm.equals("ed25519-sha256"),
          "algorithm", "must be rsa-sha256 or ed25519-sha256 (got '" + algorithm + "')");
      if (keyFile == null) {
        p.add("key_file", "is required");
        return;
      }
      try {
        dev.tern.dkim.DkimKey key = dev.tern.dkim.DkimKey.load(keyFile);
        String actual = key.algorithm().tag();
        p.require(algorithm.isEmpty() || algorithm.equals(actual), "algorithm",
            "the key in " + keyFile + " is " + actual + ", not " + algorithm);
      } catch (RuntimeException e) {
        p.add("key_file", "cannot load DKIM key " + keyFile + ": " + e.getMessage());
      }
    }
  }
}
