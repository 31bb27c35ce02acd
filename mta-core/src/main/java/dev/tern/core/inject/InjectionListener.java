package dev.tern.core.inject;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.EventBus;
import dev.tern.core.feedback.Feedback;
import dev.tern.queue.Spool;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.SessionHandler;

/**
 * The SMTP injection listener (SubEthaSMTP, one virtual thread per session): ESMTP with
 * PIPELINING, 8BITMIME, SIZE, ENHANCEDSTATUSCODES; relay only from allowed client blocks;
 * every accepted message is durably spooled before the 250.
 */
public final class InjectionListener implements AutoCloseable {
  private final SMTPServer server;
  private final ExecutorService sessions;

  /**
   * With {@code feedback}: suppressed recipients are refused (or reported), VERP return paths
   * are set, paused campaigns are held off, and mail to bounce/FBL domains is accepted from any
   * client and consumed by the feedback intake instead of being queued. {@code metrics}
   * records the injection latency (end of DATA to durable).
   */
  public InjectionListener(TernConfig config, Spool spool, EventBus events, DkimSigning dkim, Clock clock, Feedback feedback,
      dev.tern.core.metrics.PathMetrics metrics) {
    TernConfig.Injection c = config.injection();
    InjectionPolicy policy = new InjectionPolicy(c.relayFrom(), c.maxMessageSize().bytes(), c.maxRecipients());
    InjectionSession.Injector injector = new InjectionSession.Injector(spool, events, policy,
        config.server().hostname(), config.delivery().maxAge().toMillis(), dkim, clock, feedback, metrics);
    sessions = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tern-inject-", 0).factory());
    InetAddress bind;
    try {
      bind = InetAddress.getByName(c.listen().host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("injection.listen: unknown host " + c.listen().host(), e);
    }
    SMTPServer.Builder builder = SMTPServer.port(c.listen().port())
        .bindAddress(bind)
        .hostName(config.server().hostname())
        .softwareName("Tern")
        .messageHandlerFactory(ctx -> new InjectionSession(ctx, injector))
        .executorService(sessions)
        .insertReceivedHeaders(false)
        .maxMessageSize((int) c.maxMessageSize().bytes())
        .maxRecipients(c.maxRecipients() + 1) // Tern answers the limit itself, with 452 4.5.3
        .maxConnections(c.maxConnections())
        .connectionTimeout((int) c.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
    if (c.maxConnectionsPerIp() > 0) {
      builder.sessionHandler(SessionHandler.limitConcurrentSessionsBySource(c.maxConnectionsPerIp()));
    }
    server = builder.build();
    server.getCommandHandler().addCommand(new TernEhloCommand());
    server.getCommandHandler().addCommand(new TernDataCommand());
  }

  public void start() {
    server.start();
  }

  /** The bound address (the real port when configured with port 0). */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.getBindAddress().orElse(InetAddress.getLoopbackAddress()), server.getPortAllocated());
  }

  /** Stops accepting connections and ends open sessions. */
  @Override
  public void close() {
    server.stop();
    sessions.shutdown();
    try {
      // let sessions that are writing to the spool finish before the spool closes
      if (!sessions.awaitTermination(10, TimeUnit.SECONDS)) sessions.shutdownNow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sessions.shutdownNow();
    }
  }
}
