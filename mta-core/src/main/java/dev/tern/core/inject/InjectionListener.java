package dev.tern.core.inject;

import dev.tern.core.config.DataLimits;
import dev.tern.core.config.InjectionTls;
import dev.tern.core.config.TernConfig;
import dev.tern.core.events.EventBus;
import dev.tern.core.feedback.Feedback;
import dev.tern.core.inject.tls.KeyMaterial;
import dev.tern.core.inject.tls.SelfSignedCertificate;
import dev.tern.core.inject.tls.ServerTls;
import dev.tern.core.inject.tls.TlsFileException;
import dev.tern.queue.Spool;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.server.SMTPServer;

/**
 * The SMTP injection listener (SubEthaSMTP, one virtual thread per session): ESMTP with
 * PIPELINING, 8BITMIME, SIZE, ENHANCEDSTATUSCODES, STARTTLS and AUTH PLAIN/LOGIN; optionally a
 * second, implicit-TLS (SMTPS) listener with the same handlers. Relay only from allowed client
 * blocks or for authenticated users; every accepted message is durably spooled before the 250.
 */
public final class InjectionListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InjectionListener.class);
    private final SMTPServer server;
    private final SMTPServer smtps; // null: no implicit-TLS listener
    private final ExecutorService sessions;
    private final ConnectionGuard guard;
    private final ConnectionLimits limits;

    /**
     * With {@code feedback}: suppressed recipients are refused (or reported), VERP return paths
     * are set, paused campaigns are held off, and mail to bounce/FBL domains is accepted from any
     * client and consumed by the feedback intake instead of being queued. {@code metrics}
     * records the injection latency (end of DATA to durable). {@code clock} also times AUTH
     * lockouts and user message rates.
     */
    public InjectionListener(
            TernConfig config,
            Spool spool,
            EventBus events,
            DkimSigning dkim,
            Clock clock,
            Feedback feedback,
            dev.tern.core.telemetry.PathMetrics metrics) {
        TernConfig.Injection c = config.injection();
        String hostname = config.server().hostname();
        SmtpAuth auth = new SmtpAuth(c.auth(), clock);
        InjectionPolicy policy =
                new InjectionPolicy(c.relayFrom(), c.maxMessageSize().bytes(), c.maxRecipients(), auth.rates);
        InjectionSession.Injector injector = new InjectionSession.Injector(
                        spool,
                        events,
                        policy,
                        hostname,
                        config.delivery().maxAge().toMillis(),
                        dkim,
                        clock,
                        feedback,
                        metrics,
                        new MemoryBudget(c.maxMemory().bytes()),
                        c.data().memoryThreshold().bytes())
                .tags(TagPolicy.of(config))
                .headers(
                        c.headers(),
                        feedback == null
                                        || feedback.unsubscribes() == null
                                        || !config.unsubscribe().enabled()
                                ? null
                                : new dev.tern.core.unsubscribe.ListUnsubscribe(
                                        config.unsubscribe(),
                                        feedback.unsubscribes().tokens()));
        if (metrics != null) auth.failures.onFailure(metrics::authFailed);
        ServerTls tls = c.tls().enabled() ? serverTls(c.tls(), hostname) : null;
        limits = new ConnectionLimits(c.maxConnectionsPerIp());
        guard = new ConnectionGuard(
                new ConnectionGuard.Settings(
                        c.idleTimeout(),
                        c.commandDeadline(),
                        c.minDataRate(),
                        c.maxConnections(),
                        c.stressThreshold(),
                        c.stressTimeout(),
                        c.tls().handshakeTimeout()),
                hostname,
                clock);
        if (c.iKnowThisIsAnOpenRelay())
            log.warn(
                    "injection.i_know_this_is_an_open_relay is true: relay_from {} is not checked for an open relay",
                    c.relayFrom());
        sessions = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("tern-inject-", 0).factory());

        SMTPServer.Builder plain =
                builder(config, c.listen().host(), c.listen().port(), "injection.listen", injector, limits);
        plain.serverSocketFactory(() -> guard.serverSocket(null));
        plain.executorService(new SessionExecutor(sessions, guard, false));
        if (tls != null && c.tls().starttls()) plain.enableTLS(true).startTlsSocketFactory(tls::wrap);
        server = withCommands(plain.build(), auth, c.data(), guard);
        if (c.tls().smtpsListen() != null) {
            SMTPServer.Builder implicit = builder(
                    config,
                    c.tls().smtpsListen().host(),
                    c.tls().smtpsListen().port(),
                    "injection.tls.smtps_listen",
                    injector,
                    limits);
            implicit.serverSocketFactory(() -> guard.serverSocket(tls));
            // the handshake runs first on the session's own thread, under the handshake deadline
            implicit.executorService(new SessionExecutor(sessions, guard, true));
            smtps = withCommands(implicit.build(), auth, c.data(), guard);
        } else {
            smtps = null;
        }
    }

    private SMTPServer.Builder builder(
            TernConfig config,
            String host,
            int port,
            String key,
            InjectionSession.Injector injector,
            ConnectionLimits limits) {
        TernConfig.Injection c = config.injection();
        InetAddress bind;
        try {
            bind = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(key + ": unknown host " + host, e);
        }
        return SMTPServer.port(port)
                .bindAddress(bind)
                .hostName(config.server().hostname())
                .softwareName("Tern")
                .messageHandlerFactory(ctx -> new InjectionSession(ctx, injector))
                .executorService(sessions)
                .insertReceivedHeaders(false)
                .maxMessageSize((int) c.maxMessageSize().bytes())
                .maxRecipients(c.maxRecipients() + 1) // Tern answers the limit itself, with 452 4.5.3
                .maxConnections(c.maxConnections())
                .connectionTimeout((int) c.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .sessionHandler(limits);
    }

    private static SMTPServer withCommands(SMTPServer s, SmtpAuth auth, DataLimits data, ConnectionGuard guard) {
        for (var command : TernMailCommands.all()) s.getCommandHandler().addCommand(command);
        s.getCommandHandler().addCommand(new TernEhloCommand(auth));
        s.getCommandHandler().addCommand(new TernDataCommand(data));
        s.getCommandHandler().addCommand(new TernBdatCommand(data));
        s.getCommandHandler().addCommand(new TernAuthCommand(auth));
        s.getCommandHandler().addCommand(new TernStartTlsCommand(guard));
        return s;
    }

    /**
     * Drain ({@code tern drain}): while on, every new session on both listeners is answered
     * "421 4.3.2" and closed; sessions already open finish. Off: new sessions are accepted again.
     */
    public void drain(boolean on) {
        if (on != limits.draining())
            log.info(
                    on
                            ? "draining: refusing new SMTP sessions (421 4.3.2)"
                            : "drain cancelled: accepting SMTP sessions again");
        limits.draining(on);
    }

    /** Whether new sessions are refused ({@link #drain}). */
    public boolean draining() {
        return limits.draining();
    }

    /** Connections open now on the plain and the SMTPS listener. */
    public int openConnections() {
        return guard.open();
    }

    /**
     * Runs sessions on the shared executor with {@link EnhancedReplies} under their replies and
     * {@link CommandLoop} reading their commands; on the
     * implicit-TLS listener each is preceded by its TLS handshake ({@link ConnectionGuard#handshake}).
     * Shutting it down shuts the shared one down.
     */
    private static final class SessionExecutor extends java.util.concurrent.AbstractExecutorService {
        private final ExecutorService delegate;
        private final ConnectionGuard guard;

        private final boolean implicitTls;

        SessionExecutor(ExecutorService delegate, ConnectionGuard guard, boolean implicitTls) {
            this.delegate = delegate;
            this.guard = guard;
            this.implicitTls = implicitTls;
        }

        @Override
        public void execute(Runnable command) {
            delegate.execute(() -> {
                // after a failed handshake the session only releases its slot: quit() closes the
                // connection and makes run() end without a reply or a log line
                if (command instanceof org.subethamail.smtp.server.Session s) {
                    if (implicitTls && !guard.handshake(s.getSocket())) s.quit();
                    else EnhancedReplies.install(s);
                    CommandLoop.run(s); // the library's loop, reading command lines from Tern's buffer
                    return;
                }
                command.run();
            });
        }

        @Override
        public void shutdown() {
            delegate.shutdown();
        }

        @Override
        public java.util.List<Runnable> shutdownNow() {
            return delegate.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return delegate.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return delegate.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }
    }

    /** Reads the certificate and key, first generating a self-signed pair when configured and neither file exists. */
    static ServerTls serverTls(InjectionTls t, String hostname) {
        if (t.generate()) {
            SelfSignedCertificate.write(t.certificate(), t.privateKey(), hostname);
            log.warn(
                    "generated a SELF-SIGNED certificate for {} in {} (key {}): clients that verify certificates will not trust it;"
                            + " configure injection.tls.certificate and private_key with a real one",
                    hostname,
                    t.certificate(),
                    t.privateKey());
        }
        try {
            KeyMaterial material = KeyMaterial.read(t.certificate(), t.privateKey());
            var cert = material.chain().get(0);
            if (material.chain().size() == 1 && cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                log.warn(
                        "the injection TLS certificate {} ({}) is self-signed: clients that verify certificates will not trust it",
                        t.certificate(),
                        cert.getSubjectX500Principal().getName());
            }
            return new ServerTls(material, t.protocols(), t.cipherSuites());
        } catch (TlsFileException e) {
            String key = e.part() == TlsFileException.Part.CERTIFICATE ? "certificate" : "private_key";
            throw new IllegalArgumentException("injection.tls." + key + ": " + e.getMessage(), e);
        }
    }

    public void start() {
        server.start();
        if (smtps != null) {
            try {
                smtps.start();
            } catch (RuntimeException e) {
                server.stop();
                throw e;
            }
        }
    }

    /** The bound address (the real port when configured with port 0). */
    public InetSocketAddress address() {
        return address(server);
    }

    /** The bound address of the implicit-TLS (SMTPS) listener, if there is one. */
    public Optional<InetSocketAddress> smtpsAddress() {
        return Optional.ofNullable(smtps).map(InjectionListener::address);
    }

    private static InetSocketAddress address(SMTPServer s) {
        return new InetSocketAddress(s.getBindAddress().orElse(InetAddress.getLoopbackAddress()), s.getPortAllocated());
    }

    /** Stops accepting connections and ends open sessions. */
    @Override
    public void close() {
        server.stop();
        if (smtps != null) smtps.stop();
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
