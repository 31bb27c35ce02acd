package dev.tern.core.delivery;

import dev.tern.core.delivery.smtp.SmtpClient;
import dev.tern.core.delivery.smtp.SmtpClientSettings;
import dev.tern.core.delivery.smtp.SmtpConnection;
import dev.tern.core.delivery.smtp.SmtpException;
import dev.tern.core.delivery.smtp.SmtpReply;
import dev.tern.core.delivery.smtp.SmtpTransaction;
import dev.tern.core.delivery.smtp.TransactionResult;
import dev.tern.core.delivery.OutcomeRecorder.Attempt;
import dev.tern.core.delivery.OutcomeRecorder.Result;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves due entries from the spool to per-destination ready queues and delivers them over
 * pooled SMTP connections. Stages: scheduler thread (spool -> routing), destination ready
 * queues, connection workers (future chains on the Netty event loop), outcome recording
 * (on a worker executor, never on the event loop). The spool stays the source of truth:
 * an entry is only removed or rescheduled after its outcome is known.
 */
public final class DeliveryEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);

  /** Settings of the engine. */
  public record Settings(
      String ehloName, int maxConnectionsPerDestination, int maxMessagesPerConnection,
      int maxRecipientsPerTransaction, int maxConnections, int maxInFlight, long pollMillis,
      SmtpClientSettings smtp) {}

  private final Spool spool;
  private final Router router;
  private final SmtpClient client;
  private final OutcomeRecorder outcomes;
  private final Settings settings;
  private final Clock clock;
  private final Map<String, Destination> destinations = new ConcurrentHashMap<>();
  private final ExecutorService worker = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tern-delivery-", 0).factory());
  private final Semaphore connectionSlots;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger activeTransactions = new AtomicInteger();
  private final java.util.Set<String> suspendedDestinations = ConcurrentHashMap.newKeySet();
  private final java.util.Set<String> suspendedDomains = ConcurrentHashMap.newKeySet();
  /** Entries kept in memory per suspended destination; more go back to the spool. */
  private static final int HELD_PER_SUSPENDED_DESTINATION = 1000;
  /** When entries put back to the spool by a suspension are due again. */
  private static final long SUSPENDED_RETRY_MILLIS = 60_000;
  private volatile boolean running;
  private Thread scheduler;

  public DeliveryEngine(Spool spool, Router router, SmtpClient client, dev.tern.core.events.EventBus events,
      RetryPolicy retry, dev.tern.bounce.classify.ReplyClassifier classifier, Settings settings, Clock clock) {
    this.spool = spool;
    this.router = router;
    this.client = client;
    this.outcomes = new OutcomeRecorder(spool, events, retry, classifier, clock);
    this.settings = settings;
    this.clock = clock;
    this.connectionSlots = new Semaphore(settings.maxConnections());
  }

  public void start() {
    running = true;
    scheduler = Thread.ofPlatform().name("tern-scheduler").start(this::schedule);
  }

  /** Wakes the scheduler (new mail was spooled). */
  public void wake() {
    Thread s = scheduler;
    if (s != null) LockSupport.unpark(s);
  }

  /** Entries leased from the spool and not yet finished. */
  public int inFlight() {
    return inFlight.get();
  }

  /** One destination's ready queue, for the admin API and metrics. */
  public record DestinationStatus(String key, int ready, int connections, boolean suspended) {}

  /** A snapshot of every destination seen since start (and of suspended keys not seen yet). */
  public List<DestinationStatus> destinations() {
    List<DestinationStatus> out = new ArrayList<>();
    for (Destination d : destinations.values()) {
      out.add(new DestinationStatus(d.key, d.size(), d.connections(), suspendedDestinations.contains(d.key)));
    }
    for (String key : suspendedDestinations) {
      if (!destinations.containsKey(key)) out.add(new DestinationStatus(key, 0, 0, true));
    }
    return out;
  }

  /** Outbound connections open or being opened. */
  public int openConnections() {
    return settings.maxConnections() - connectionSlots.availablePermits();
  }

  /**
   * Suspends a destination ("mx:..." or "route:host:port"): no new connection is opened to
   * it and open connections take no further message. Its entries wait in memory (up to
   * {@value #HELD_PER_SUSPENDED_DESTINATION}) or go back to the spool for a minute.
   */
  public void suspendDestination(String key) {
    suspendedDestinations.add(key);
  }

  /** Resumes a suspended destination and restarts its delivery; false if it was not suspended. */
  public boolean resumeDestination(String key) {
    if (!suspendedDestinations.remove(key)) return false;
    Destination d = destinations.get(key);
    if (d != null) worker.execute(() -> maybeConnect(d));
    wake();
    return true;
  }

  /** Suspends a destination domain: its due entries go back to the spool for a minute. */
  public void suspendDomain(String domain) {
    suspendedDomains.add(domain.toLowerCase(java.util.Locale.ROOT));
  }

  /** Resumes a domain; its entries are due again when their hold time ends (see retry-now). */
  public boolean resumeDomain(String domain) {
    boolean was = suspendedDomains.remove(domain.toLowerCase(java.util.Locale.ROOT));
    wake();
    return was;
  }

  public java.util.Set<String> suspendedDestinations() {
    return java.util.Set.copyOf(suspendedDestinations);
  }

  public java.util.Set<String> suspendedDomains() {
    return java.util.Set.copyOf(suspendedDomains);
  }

  /** The next entry of the ready queue whose domain is not suspended (those go back to the spool). */
  private QueueEntry nextSendable(Destination d) {
    QueueEntry e;
    while ((e = d.poll()) != null && suspendedDomains.contains(e.domain())) hold(e);
    return e;
  }

  /** Puts a leased entry back into the spool, due when a suspension's hold time ends. */
  private void hold(QueueEntry entry) {
    finish(spool.update(entry.rescheduled(clock.millis() + SUSPENDED_RETRY_MILLIS, false)));
  }

  private void schedule() {
    while (running) {
      try {
        int room = settings.maxInFlight() - inFlight.get();
        int got = 0;
        if (room > 0) {
          List<QueueEntry> due = spool.due(clock.millis(), Math.min(room, 1000));
          got = due.size();
          inFlight.addAndGet(got);
          for (QueueEntry e : due) dispatch(e);
        }
        if (got == 0 || room <= got) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(settings.pollMillis()));
      } catch (RuntimeException e) {
        if (running) {
          log.error("scheduler: {}", e.toString(), e);
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
        }
      }
    }
  }

  private void dispatch(QueueEntry entry) {
    if (suspendedDomains.contains(entry.domain())) {
      worker.execute(() -> hold(entry));
      return;
    }
    router.route(entry.domain()).whenCompleteAsync((route, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
        RouteException re = cause instanceof RouteException r ? r
            : new RouteException(false, "4.4.3", "routing failed: " + cause);
        RecipientStatus status = re.permanent() ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED;
        Map<String, Result> results = new HashMap<>();
        for (RecipientState r : entry.open()) results.put(r.address(), new Result(status, re.replyText()));
        finish(outcomes.record(entry, results, new Attempt(entry.domain(), null, null)));
        return;
      }
      Destination d = destinations.computeIfAbsent(route.key(), k -> new Destination(k, route));
      d.route(route);
      if (suspendedDestinations.contains(d.key) && d.size() >= HELD_PER_SUSPENDED_DESTINATION) {
        hold(entry);
        return;
      }
      d.add(entry);
      maybeConnect(d);
    }, worker);
  }

  private void finish(CompletableFuture<Void> stored) {
    stored.whenComplete((v, e) -> {
      inFlight.decrementAndGet();
      if (e != null && running) log.error("recording a delivery outcome failed: {}", e.toString());
      wake();
    });
  }

  private void maybeConnect(Destination d) {
    while (running && !suspendedDestinations.contains(d.key) && d.reserveConnection(settings.maxConnectionsPerDestination())) {
      if (!connectionSlots.tryAcquire()) {
        d.releaseConnection();
        return;
      }
      connect(d, 0, null);
    }
  }

  private void connectionClosed(Destination d) {
    connectionSlots.release();
    d.releaseConnection();
    maybeConnect(d);
  }

  private void connect(Destination d, int hostIndex, SmtpException lastFailure) {
    List<InetSocketAddress> hosts = d.route().hosts();
    if (hostIndex >= hosts.size()) {
      // no host of the destination could be reached: connection-level failure defers the whole queue
      String text = lastFailure == null ? "451 4.4.1 no reachable host" : failureText(lastFailure);
      boolean permanent = lastFailure != null && !lastFailure.isTransient();
      for (QueueEntry e : d.drain()) recordAll(e, permanent ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED, text, d, null);
      connectionSlots.release();
      d.releaseConnection();
      return;
    }
    InetSocketAddress host = hosts.get(hostIndex);
    client.connect(host, null, settings.ehloName(), settings.smtp()).whenComplete((conn, failure) -> {
      if (failure != null) {
        SmtpException se = asSmtp(failure);
        log.debug("connect to {} for {} failed: {}", host, d.key, se.getMessage());
        connect(d, hostIndex + 1, se);
        return;
      }
      sendNext(d, conn, 0);
    });
  }

  private void sendNext(Destination d, SmtpConnection conn, int sent) {
    QueueEntry entry = (running && !suspendedDestinations.contains(d.key) && sent < settings.maxMessagesPerConnection())
        ? nextSendable(d) : null;
    if (entry == null || !conn.isOpen()) {
      if (entry != null) d.add(entry);
      conn.quit().whenComplete((v, e) -> connectionClosed(d));
      return;
    }
    activeTransactions.incrementAndGet();
    CompletableFuture.supplyAsync(() -> spool.body(entry.messageId()), worker)
        .thenCompose(body -> {
          if (body.isEmpty()) {
            // the message vanished from the spool (purged): nothing to send
            return CompletableFuture.completedFuture(Map.<String, Result>of());
          }
          return sendEntry(conn, entry, body.get());
        })
        .whenCompleteAsync((results, failure) -> {
          activeTransactions.decrementAndGet();
          String remote = conn.remote().getAddress().getHostAddress() + ":" + conn.remote().getPort();
          if (failure != null) {
            SmtpException se = asSmtp(failure);
            recordAll(entry, se.isTransient() ? RecipientStatus.DEFERRED : RecipientStatus.BOUNCED, failureText(se), d, remote);
            conn.close();
            connectionClosed(d);
            return;
          }
          if (results.isEmpty()) {
            inFlight.decrementAndGet();
          } else {
            finish(outcomes.record(entry, results, new Attempt(d.key, remote, null)));
          }
          sendNext(d, conn, sent + 1);
        }, worker);
  }

  /** Sends the open recipients of an entry in transactions of at most maxRecipientsPerTransaction. */
  private CompletableFuture<Map<String, Result>> sendEntry(SmtpConnection conn, QueueEntry entry, byte[] body) {
    List<String> open = entry.open().stream().map(RecipientState::address).toList();
    Map<String, Result> results = new HashMap<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    int step = settings.maxRecipientsPerTransaction();
    boolean eightBit = hasEightBit(body);
    for (int i = 0; i < open.size(); i += step) {
      List<String> batch = open.subList(i, Math.min(open.size(), i + step));
      boolean utf8 = needsSmtpUtf8(entry.envelope().returnPath(), batch);
      SmtpTransaction tx = new SmtpTransaction(entry.envelope().returnPath(), batch, body, eightBit, utf8);
      chain = chain.thenCompose(v -> conn.send(tx)).thenAccept(r -> collect(batch, r, results));
    }
    return chain.thenApply(v -> results);
  }

  private static void collect(List<String> recipients, TransactionResult r, Map<String, Result> out) {
    for (int i = 0; i < recipients.size(); i++) {
      SmtpReply reply;
      if (!r.mailReply().positive()) reply = r.mailReply();
      else if (!r.recipientReplies().get(i).positive()) reply = r.recipientReplies().get(i);
      else reply = r.dataReply();
      if (reply == null) reply = r.recipientReplies().get(i);
      RecipientStatus status = reply.positive() ? RecipientStatus.DELIVERED
          : reply.permanentFailure() ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED;
      out.put(recipients.get(i), new Result(status, reply.toString()));
    }
  }

  private void recordAll(QueueEntry e, RecipientStatus status, String text, Destination d, String remote) {
    Map<String, Result> results = new HashMap<>();
    for (RecipientState r : e.open()) results.put(r.address(), new Result(status, text));
    finish(outcomes.record(e, results, new Attempt(d.key, remote, null)));
  }

  private static String failureText(SmtpException e) {
    return e.reply() != null ? e.reply().toString() : (e.isTransient() ? "451 4.4.2 " : "550 5.4.0 ") + e.getMessage();
  }

  private static SmtpException asSmtp(Throwable t) {
    Throwable c = t;
    while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof SmtpException se) return se;
    return new SmtpException(null, null, true, c.toString(), c);
  }

  private static boolean hasEightBit(byte[] body) {
    for (byte b : body) if (b < 0) return true;
    return false;
  }

  private static boolean needsSmtpUtf8(String from, List<String> rcpts) {
    if (!from.chars().allMatch(ch -> ch < 128)) return true;
    for (String r : rcpts) if (!r.chars().allMatch(ch -> ch < 128)) return true;
    return false;
  }

  /**
   * Stops scheduling, lets transactions in progress finish (up to {@code grace}), and hands
   * every entry not attempted back to the spool. Entries still in flight after the grace
   * period stay leased in the spool and are recovered on the next start.
   */
  public void stop(java.time.Duration grace) {
    running = false;
    Thread s = scheduler;
    if (s != null) {
      LockSupport.unpark(s);
      try {
        s.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Destination d : destinations.values()) {
      for (QueueEntry e : d.drain()) {
        spool.release(e);
        inFlight.decrementAndGet();
      }
    }
    long deadline = System.nanoTime() + grace.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    if (inFlight.get() > 0) log.warn("{} deliveries still in progress at shutdown: they stay spooled and are retried on restart", inFlight.get());
  }

  @Override
  public void close() {
    stop(java.time.Duration.ofSeconds(10));
    worker.shutdownNow();
  }
}
