package dev.tern.core.delivery;

import dev.tern.bounce.LocalFailure;
import dev.tern.core.delivery.OutcomeRecorder.Attempt;
import dev.tern.core.delivery.OutcomeRecorder.Result;
import dev.tern.core.delivery.smtp.LocalRefusal;
import dev.tern.core.delivery.smtp.MessageContent;
import dev.tern.core.delivery.smtp.SmtpClient;
import dev.tern.core.delivery.smtp.SmtpClientSettings;
import dev.tern.core.delivery.smtp.SmtpConnection;
import dev.tern.core.delivery.smtp.SmtpException;
import dev.tern.core.delivery.smtp.SmtpReply;
import dev.tern.core.delivery.smtp.SmtpTransaction;
import dev.tern.core.delivery.smtp.StartTlsGate;
import dev.tern.core.delivery.smtp.TlsCheck;
import dev.tern.core.delivery.smtp.TlsPolicy;
import dev.tern.core.delivery.smtp.TlsResult;
import dev.tern.core.delivery.smtp.TransactionResult;
import dev.tern.core.events.HostAttempt;
import dev.tern.core.telemetry.PathMetrics;
import dev.tern.core.tlspolicy.DestinationTls;
import dev.tern.core.tlspolicy.TlsPolicies;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.RecipientStatus;
import dev.tern.queue.Spool;
import dev.tern.queue.StoredBody;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an admitted connection: connects to the route's hosts in order (MX failover; a failed
 * STARTTLS handshake retries the same host in clear text), then sends entries one after the
 * other on it (chaining, within the site's messages per connection and message pace), each in
 * transactions of at most the site's recipients per transaction, and reports every outcome to
 * the {@link OutcomeRecorder} and every reply to the {@link ReplyReactor}.
 */
final class TransactionRunner implements Admission.Connector {
    private static final Logger log = LoggerFactory.getLogger(TransactionRunner.class);

    /** Where a connection takes its next entry from (null: nothing sendable). */
    interface EntrySource {
        QueueEntry next(Destination d);

        /** Takes back an entry taken by {@link #next} that the connection did not send. */
        void giveBack(Destination d, QueueEntry e);
    }

    /** Everything the runner works with. */
    record Parts(
            Spool spool,
            SmtpClient client,
            String ehloName,
            SmtpClientSettings smtp,
            Admission admission,
            EntrySource entries,
            OutcomeRecorder outcomes,
            ReplyReactor reactor,
            PathMetrics pathMetrics,
            RetryPolicy retry,
            Clock clock,
            LongSupplier nanoTime,
            Executor worker,
            ScheduledExecutorService timer,
            Predicate<Destination> paused,
            BooleanSupplier running,
            java.util.function.Supplier<TlsPolicies> tls,
            java.time.Duration idleTimeout) {}

    private final Parts p;

    TransactionRunner(Parts parts) {
        this.p = parts;
    }

    @Override
    public void connect(Destination d) {
        // the connection takes its first entry now: it is opened for that mail, so it never
        // ends without a MAIL because another connection took the mail meanwhile
        QueueEntry first = p.entries().next(d);
        if (first == null) {
            p.admission().closed(d);
            return;
        }
        d.reserve();
        connect(d, first, 0, null, true, new ArrayList<>());
    }

    /**
     * An open session and what it took to get it (the hosts that failed before it, the session host),
     * with the route and TLS decision of the destination it was opened under; {@code noPolicyCounted}:
     * the recipient domains counted for TLS-RPT {@code no-policy-found}.
     */
    private record Session(
            SmtpConnection conn,
            List<HostAttempt> tried,
            HostAttempt host,
            Route route,
            DestinationTls tls,
            Set<String> noPolicyCounted) {
        Session(SmtpConnection conn, List<HostAttempt> tried, HostAttempt host, Route route, DestinationTls tls) {
            this(conn, tried, host, route, tls, ConcurrentHashMap.newKeySet());
        }

        /** Whether the destination still routes and decides TLS as when the session was opened. */
        boolean current(Destination d) {
            return route.equals(d.route()) && tls.equals(d.tls());
        }
    }

    private void connect(
            Destination d,
            QueueEntry first,
            int hostIndex,
            SmtpException lastFailure,
            boolean tls,
            List<HostAttempt> tried) {
        Route route = d.route();
        DestinationTls destinationTls = d.tls();
        List<InetSocketAddress> hosts = route.hosts();
        if (hostIndex >= hosts.size()) {
            d.unreserve();
            allHostsFailed(d, first, lastFailure, tried);
            return;
        }
        InetSocketAddress host = hosts.get(hostIndex);
        String mxName = host.getHostString();
        DestinationTls.HostTls hostTls = destinationTls.forHost(mxName);
        if (hostTls.refusal() != null) {
            // the host fails its enforced TLS policy before any connection: the next host, never clear text
            DestinationTls.Refusal r = hostTls.refusal();
            p.tls().get().record(hostTls, r.result(), bindAddress(d), mxName, address(host), r.reason());
            SmtpException se = SmtpException.ofTlsPolicy(
                    SmtpException.Phase.CONNECT,
                    r.result(),
                    "TLS policy of " + d.tls().domain() + ": " + r.reason(),
                    null);
            log.info("not connecting to {} for {}: {}", mxName, d.key, r.reason());
            d.lastError = failureText(se);
            tried.add(failedAt(
                    host,
                    HostAttempt.Outcome.TLS_FAILED,
                    failureText(se),
                    hostTls.policy() == null ? null : hostTls.policy().name()));
            connect(d, first, hostIndex + 1, se, true, tried);
            return;
        }
        // a clear-text retry (after a failed opportunistic handshake) checks nothing
        TlsPolicy policy = tls ? hostTls.policy() : TlsPolicy.OPPORTUNISTIC;
        SmtpClientSettings smtp = tls ? p.smtp() : p.smtp().withStartTls(false);
        String ehlo = d.source.ehloName() == null || d.source.ehloName().isEmpty() ? p.ehloName() : d.source.ehloName();
        d.connecting.incrementAndGet();
        Map<String, Result> refusedBeforeTls = new ConcurrentHashMap<>();
        p.client()
                .connect(host, d.source.bind(), ehlo, smtp, policy, tls ? gate(d, first, host, refusedBeforeTls) : null)
                .whenCompleteAsync(
                        (conn, failure) -> {
                            d.connecting.decrementAndGet();
                            if (failure == null) {
                                p.pathMetrics().connected(conn.tlsActive());
                                p.pathMetrics().hostAttempt("connected");
                                if (tls) reportSession(hostTls, conn, mxName);
                                d.unreserve();
                                sendNext(
                                        d,
                                        new Session(
                                                conn,
                                                List.copyOf(tried),
                                                sessionHost(host, conn),
                                                route,
                                                destinationTls),
                                        0,
                                        first);
                                return;
                            }
                            SmtpException se = asSmtp(failure);
                            if (se.localRefusal() != null) {
                                refusedBeforeTls(d, first, host, tried, refusedBeforeTls, se.localRefusal());
                                return;
                            }
                            log.debug("connect to {} for {} failed: {}", host, d.key, se.getMessage());
                            HostAttempt.Outcome outcome = outcomeOf(se);
                            p.pathMetrics().hostAttempt(outcome.wireName());
                            tried.add(failedAt(
                                    host, outcome, failureText(se), tls && policy != null ? policy.name() : null));
                            d.lastError = failureText(se);
                            if (tls && se.tlsFailure())
                                p.tls()
                                        .get()
                                        .record(
                                                hostTls,
                                                se.tlsPolicyFailure() != null
                                                        ? se.tlsPolicyFailure()
                                                        : TlsResult.VALIDATION_FAILURE,
                                                se.local() != null ? address(se.local()) : bindAddress(d),
                                                mxName,
                                                address(host),
                                                se.getMessage());
                            if (se.tlsPolicyFailure() != null) {
                                // the policy forbids clear text: the next host, the policy failure as the reason
                                connect(d, first, hostIndex + 1, se, true, tried);
                            } else if (tls && se.tlsFailure()) {
                                // STARTTLS offered but the handshake failed: the same host again, in clear text
                                p.pathMetrics().tlsFailed();
                                connect(d, first, hostIndex, se, false, tried);
                            } else if (p.reactor().react(d, se.reply())
                                    || p.paused().test(d)) {
                                // a rule or a hold took the site out: its mail waits (or was bounced), no further host
                                d.unreserve();
                                p.entries().giveBack(d, first);
                                p.admission().closed(d);
                            } else {
                                // a clear-text retry after a failed TLS handshake that fails without a reply:
                                // the handshake stays the reason
                                boolean keepTls = !tls
                                                && se.reply() == null
                                                && lastFailure != null
                                                && LocalFailures.of(lastFailure) == LocalFailure.TLS_HANDSHAKE
                                        // an earlier host's TLS policy failure stays the reason over a refused
                                        // connection
                                        || se.reply() == null
                                                && lastFailure != null
                                                && lastFailure.tlsPolicyFailure() != null;
                                connect(d, first, hostIndex + 1, keepTls ? lastFailure : se, true, tried);
                            }
                        },
                        p.worker());
    }

    /**
     * Before STARTTLS, from the server's first EHLO: the local refusal of every transaction of the
     * entry the connection was opened for, when nothing else waits in the lane (null: negotiate TLS);
     * {@code refused} gets each recipient's outcome then. The same rule ({@link LocalRefusal})
     * refuses each transaction after STARTTLS: a session whose only mail cannot go quits in clear
     * text instead of negotiating TLS only to quit without a MAIL. Unknown content (a message
     * spooled before it was recorded) always goes on to TLS.
     */
    private StartTlsGate gate(Destination d, QueueEntry first, InetSocketAddress host, Map<String, Result> refused) {
        MessageContent content = MessageContent.fromAttributes(first.envelope().attributes());
        if (content == null) return null;
        int step = maxRecipients(d);
        List<String> open = first.open().stream().map(RecipientState::address).toList();
        String from = first.envelope().returnPath();
        long size = first.envelope().bodySize();
        return ext -> {
            if (open.isEmpty() || !d.isEmpty()) return null;
            Map<String, Result> results = new HashMap<>();
            SmtpReply firstRefusal = null;
            for (int i = 0; i < open.size(); i += step) {
                List<String> batch = open.subList(i, Math.min(open.size(), i + step));
                boolean utf8 = content.smtpUtf8() || needsSmtpUtf8(from, batch);
                SmtpReply r = LocalRefusal.of(utf8, content.eightBit(), size, ext, host);
                if (r == null) return null; // this transaction can go: negotiate TLS
                if (firstRefusal == null) firstRefusal = r;
                collect(batch, TransactionResult.refusedLocally(r), results, new ArrayList<>());
            }
            refused.putAll(results);
            return firstRefusal;
        };
    }

    /**
     * The session quit before STARTTLS (see {@link #gate}): the entry's recipients get the local
     * refusals, recorded as the same refusal after TLS would be; the lane is served anew.
     */
    private void refusedBeforeTls(
            Destination d,
            QueueEntry first,
            InetSocketAddress host,
            List<HostAttempt> tried,
            Map<String, Result> refused,
            SmtpReply reply) {
        p.pathMetrics().connected(false);
        p.pathMetrics().hostAttempt("connected");
        d.unreserve();
        Map<String, Result> results = new HashMap<>(refused);
        if (results.isEmpty()) {
            // not expected (the gate fills it before it refuses), but no recipient may stay without an outcome
            collect(
                    first.open().stream().map(RecipientState::address).toList(),
                    TransactionResult.refusedLocally(reply),
                    results,
                    new ArrayList<>());
        }
        note(d, results);
        String ip = ipOf(host);
        HostAttempt session = new HostAttempt(hostName(host), ip, host.getPort(), null, null, null, null, "none");
        p.outcomes()
                .record(
                        first,
                        results,
                        new Attempt(d.siteName, ip + ":" + host.getPort(), sourceName(d), "none", tried, session));
        log.debug("{} for {}: nothing to send, quit before STARTTLS ({})", host, d.key, reply);
        p.admission().closed(d);
    }

    /** Counts a connection's TLS outcome for TLS-RPT (only hosts under a published policy are counted). */
    private void reportSession(DestinationTls.HostTls hostTls, SmtpConnection conn, String mxName) {
        if (hostTls.report() == null) return;
        String local = conn.local() == null ? null : conn.local().getAddress().getHostAddress();
        String remote = address(conn.remote());
        if (hostTls.preFailure() != null) {
            p.tls()
                    .get()
                    .record(
                            hostTls,
                            hostTls.preFailure().result(),
                            local,
                            mxName,
                            remote,
                            hostTls.preFailure().reason());
            return;
        }
        TlsCheck check = conn.tlsCheck();
        if (check == null || check.tls() && check.passed())
            p.tls().get().record(hostTls, null, local, mxName, remote, null);
        else
            p.tls()
                    .get()
                    .record(
                            hostTls,
                            check.failure() != null ? check.failure() : TlsResult.STARTTLS_NOT_SUPPORTED,
                            local,
                            mxName,
                            remote,
                            check.detail());
    }

    /**
     * TLS-RPT for a recipient domain without a published policy (RFC 8460 section 4.3, policy type
     * {@code no-policy-found}): the session counts once per domain it carries mail for. Domains with
     * a published policy are counted by {@link #reportSession}; static routes are not reported.
     */
    private void countNoPolicy(Destination d, Session s, QueueEntry entry) {
        if (s.route().site() instanceof SiteKey.Relay) return;
        String mx = s.host().host();
        DestinationTls.HostTls hostTls = s.tls().forHost(mx);
        if (hostTls.report() != null || !s.noPolicyCounted().add(entry.domain())) return;
        SmtpConnection conn = s.conn();
        p.tls()
                .get()
                .recordNoPolicy(
                        entry.domain(),
                        conn.tlsActive(),
                        conn.local() == null ? null : conn.local().getAddress().getHostAddress(),
                        mx,
                        address(conn.remote()));
    }

    /** The egress source's address, or null for the system's choice (known only on a connection). */
    private static String bindAddress(Destination d) {
        return d.source.bind() == null ? null : d.source.bind().getHostAddress();
    }

    private static String address(InetSocketAddress a) {
        return a == null || a.getAddress() == null ? null : a.getAddress().getHostAddress();
    }

    /**
     * No host of the destination could be reached: a connection-level failure defers the whole
     * queue, and the site is left alone until the first retry delay has passed.
     */
    private void allHostsFailed(Destination d, QueueEntry first, SmtpException lastFailure, List<HostAttempt> tried) {
        String text = lastFailure == null ? "451 4.4.1 no reachable host" : failureText(lastFailure);
        boolean permanent = lastFailure != null && !lastFailure.isTransient();
        if (!permanent)
            d.downUntil = p.clock().millis() + p.retry().delayAfter(1).toMillis();
        d.lastError = text;
        RecipientStatus status = permanent ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED;
        LocalFailure local = lastFailure == null ? LocalFailure.CONNECT_REFUSED : LocalFailures.of(lastFailure);
        List<QueueEntry> all = new ArrayList<>();
        all.add(first);
        all.addAll(d.drain());
        Attempt attempt = new Attempt(d.siteName, null, sourceName(d), null, tried, null);
        for (QueueEntry e : all) {
            if (!permanent) d.deferrals.incrementAndGet();
            p.outcomes().recordAll(e, status, text, attempt, local);
        }
        p.admission().free(d);
    }

    /**
     * Sends the next entry on the session: {@code reserved} (the entry the connection was opened
     * for) first, then entries of the lane while the limits allow.
     */
    private void sendNext(Destination d, Session s, int sent, QueueEntry reserved) {
        sendNext(d, s, sent, reserved, false);
    }

    /**
     * {@code onWorker}: the caller is a delivery worker thread with nothing else to do (the end of
     * {@link #sent}), so the body is read on it rather than on a new one (one hand-off less per message).
     */
    private void sendNext(Destination d, Session s, int sent, QueueEntry reserved, boolean onWorker) {
        SmtpConnection conn = s.conn();
        int maxMessages = Math.min(
                d.site.limits().maxMessagesPerConnection(), d.pair.limits().maxMessagesPerConnection());
        if (!p.running().getAsBoolean()
                || p.paused().test(d)
                || sent >= maxMessages
                || !conn.isOpen()
                // a reload or a new TLS policy (MTA-STS, DANE) since: the next mail gets a new session
                || reserved == null && !s.current(d)
                || d.site.overFleetShare(p.nanoTime().getAsLong())) {
            if (reserved != null) p.entries().giveBack(d, reserved);
            quit(d, conn);
            return;
        }
        if (reserved == null && d.isEmpty()) {
            idle(d, s, sent);
            return;
        }
        long now = p.nanoTime().getAsLong();
        long wait = d.site.tryMessage(now);
        if (wait == 0) wait = d.pair.tryMessage(now);
        if (wait > 0) {
            if (wait > Admission.MAX_IDLE_WAIT_NANOS) {
                if (reserved != null) p.entries().giveBack(d, reserved);
                quit(d, conn);
            } else
                p.timer()
                        .schedule(
                                () -> p.worker().execute(() -> sendNext(d, s, sent, reserved)),
                                wait,
                                TimeUnit.NANOSECONDS);
            return;
        }
        QueueEntry entry = reserved != null ? reserved : p.entries().next(d);
        if (entry == null) {
            quit(d, conn);
            return;
        }
        countNoPolicy(d, s, entry);
        d.sending.incrementAndGet();
        int maxRecipients = maxRecipients(d);
        List<SmtpReply> replies = new CopyOnWriteArrayList<>();
        // filled per finished transaction: when a later transaction of the entry fails, the
        // recipients of the earlier ones keep their outcome (a 250 already given is not sent again)
        Map<String, Result> finished = new ConcurrentHashMap<>();
        // the hosts that failed before this session are part of the first message's attempt only
        Attempt attempt = attempt(d, conn, sent == 0 ? s.tried() : List.of(), s.host());
        // a large body's tail stays in its spool file and is read in chunks while it is sent
        (onWorker
                        ? openBody(entry)
                        : CompletableFuture.supplyAsync(() -> p.spool().openBody(entry), p.worker()))
                .thenCompose(body -> body.isEmpty()
                        // the message vanished from the spool (purged): nothing to send
                        ? CompletableFuture.completedFuture(Map.<String, Result>of())
                        : sendEntry(conn, entry, body.get(), maxRecipients, replies, finished))
                .whenCompleteAsync(
                        (results, failure) -> sent(d, s, entry, attempt, results, failure, replies, finished, sent),
                        p.worker());
    }

    private void sent(
            Destination d,
            Session s,
            QueueEntry entry,
            Attempt attempt,
            Map<String, Result> results,
            Throwable failure,
            List<SmtpReply> replies,
            Map<String, Result> finished,
            int sent) {
        d.sending.decrementAndGet();
        SmtpConnection conn = s.conn();
        if (failure != null) {
            SmtpException se = asSmtp(failure);
            Map<String, Result> outcome = new HashMap<>(finished);
            Result cut = new Result(
                    se.isTransient() ? RecipientStatus.DEFERRED : RecipientStatus.BOUNCED,
                    failureText(se),
                    LocalFailures.of(se));
            for (RecipientState r : entry.open()) outcome.putIfAbsent(r.address(), cut);
            note(d, outcome);
            p.outcomes().record(entry, outcome, attempt);
            p.reactor().react(d, se.reply());
            conn.close();
            p.admission().closed(d);
            return;
        }
        note(d, results);
        if (results.isEmpty()) p.outcomes().vanished(entry); // the message was purged meanwhile
        else p.outcomes().record(entry, results, attempt);
        for (SmtpReply r : replies) p.reactor().react(d, r);
        sendNext(d, s, sent + 1, null, true);
    }

    /** The entry's body read on this thread, as {@code supplyAsync} would complete with it. */
    private CompletableFuture<java.util.Optional<StoredBody>> openBody(QueueEntry entry) {
        try {
            return CompletableFuture.completedFuture(p.spool().openBody(entry));
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(new java.util.concurrent.CompletionException(e));
        }
    }

    /** Keeps the destination's last error and deferral count for {@code tern queues}. */
    private static void note(Destination d, Map<String, Result> results) {
        for (Result r : results.values()) {
            if (r.status() == RecipientStatus.DELIVERED) continue;
            d.lastError = r.reply();
            if (r.status() == RecipientStatus.DEFERRED) d.deferrals.incrementAndGet();
        }
    }

    /**
     * Keeps a session with nothing to send open for the next mail of its destination, at most
     * {@code delivery.idle_connection_timeout} (Postfix's connection cache, KumoMTA's idle_timeout):
     * mail arriving meanwhile resumes it ({@link Admission#maybeConnect}) instead of a new
     * connection with its banner, EHLO and QUIT. Without a timeout the session ends at once.
     */
    private void idle(Destination d, Session s, int sent) {
        long timeout = p.idleTimeout() == null ? 0 : p.idleTimeout().toNanos();
        // a fleet-wide connection limit: an idle connection would keep a lease another node's mail waits for
        if (timeout <= 0 || d.site.shared()) {
            quit(d, s.conn());
            return;
        }
        Destination.Idle w = new Destination.Idle(
                () -> sendNext(d, s, sent, null, true), // resumed on a worker (Admission): it reads the body
                () -> quit(d, s.conn()),
                p.nanoTime().getAsLong() + timeout);
        if (!d.park(w)) {
            sendNext(d, s, sent, null); // mail arrived meanwhile
            return;
        }
        sweepIdle(d, timeout);
    }

    /** Ends the idle sessions of {@code d} at their deadline: one timer per destination, not per session. */
    private void sweepIdle(Destination d, long delayNanos) {
        synchronized (d) {
            if (d.idleSweepScheduled) return;
            d.idleSweepScheduled = true;
        }
        try {
            p.timer()
                    .schedule(
                            () -> p.worker().execute(() -> {
                                synchronized (d) {
                                    d.idleSweepScheduled = false;
                                }
                                long now = p.nanoTime().getAsLong();
                                for (Destination.Idle w : d.expiredIdle(now))
                                    w.expire().run();
                                Long next = d.nextIdleDeadline();
                                if (next != null) sweepIdle(d, Math.max(1, next - now));
                            }),
                            delayNanos,
                            TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping: the engine ends idle sessions itself (quitIdle)
            synchronized (d) {
                d.idleSweepScheduled = false;
            }
        }
    }

    /** Ends every idle session of {@code d} with QUIT (the engine stops). */
    void quitIdle(Destination d) {
        for (Destination.Idle w : d.drainIdle()) w.expire().run();
    }

    private void quit(Destination d, SmtpConnection conn) {
        conn.quit().whenComplete((v, e) -> p.admission().closed(d));
    }

    /**
     * Sends the open recipients of an entry in transactions of at most {@code step} recipients;
     * {@code results} gets each transaction's outcomes as soon as it ends.
     */
    private CompletableFuture<Map<String, Result>> sendEntry(
            SmtpConnection conn,
            QueueEntry entry,
            StoredBody body,
            int step,
            List<SmtpReply> replies,
            Map<String, Result> results) {
        List<String> open = entry.open().stream().map(RecipientState::address).toList();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        // recorded at injection; a message spooled before that was recorded is scanned here
        MessageContent content = MessageContent.fromAttributes(entry.envelope().attributes());
        if (content == null) content = MessageContent.scan(body.head(), body.head().length, body.tailEightBit());
        boolean eightBit = content.eightBit();
        boolean utf8Headers = content.smtpUtf8();
        SmtpTransaction.Tail tail = body.streamed() ? new SmtpTransaction.Tail(body.tail(), body.tailSize()) : null;
        if (open.size() <= step) {
            // one transaction (the common case): the same steps without the chain's links
            boolean utf8 = utf8Headers || needsSmtpUtf8(entry.envelope().returnPath(), open);
            SmtpTransaction tx =
                    new SmtpTransaction(entry.envelope().returnPath(), open, body.head(), tail, eightBit, utf8);
            long start = System.nanoTime();
            return conn.send(tx)
                    .whenComplete((r, e) -> p.pathMetrics().transaction(System.nanoTime() - start))
                    .thenApply(r -> {
                        collect(open, r, results, replies);
                        return results;
                    });
        }
        for (int i = 0; i < open.size(); i += step) {
            List<String> batch = open.subList(i, Math.min(open.size(), i + step));
            boolean utf8 = utf8Headers || needsSmtpUtf8(entry.envelope().returnPath(), batch);
            SmtpTransaction tx =
                    new SmtpTransaction(entry.envelope().returnPath(), batch, body.head(), tail, eightBit, utf8);
            chain = chain.thenCompose(v -> {
                        long start = System.nanoTime();
                        return conn.send(tx)
                                .whenComplete((r, e) -> p.pathMetrics().transaction(System.nanoTime() - start));
                    })
                    .thenAccept(r -> collect(batch, r, results, replies));
        }
        return chain.thenApply(v -> results);
    }

    /** Each recipient's outcome from a transaction's replies (MAIL, then its RCPT, then DATA). */
    static void collect(
            List<String> recipients, TransactionResult r, Map<String, Result> out, List<SmtpReply> replies) {
        if (!r.mailReply().positive()) replies.add(r.mailReply());
        for (SmtpReply rr : r.recipientReplies()) if (!rr.positive()) replies.add(rr);
        if (r.dataReply() != null) replies.add(r.dataReply());
        for (int i = 0; i < recipients.size(); i++) {
            SmtpReply reply;
            if (!r.mailReply().positive()) reply = r.mailReply();
            else if (!r.recipientReplies().get(i).positive())
                reply = r.recipientReplies().get(i);
            else reply = r.dataReply();
            if (reply == null) reply = r.recipientReplies().get(i);
            RecipientStatus status = reply.positive()
                    ? RecipientStatus.DELIVERED
                    : reply.permanentFailure() ? RecipientStatus.BOUNCED : RecipientStatus.DEFERRED;
            out.put(recipients.get(i), new Result(status, reply.toString(), LocalFailures.of(r)));
        }
    }

    static Attempt attempt(Destination d, String remote) {
        return new Attempt(d.siteName, remote, d.source.name().isEmpty() ? null : d.source.name());
    }

    /**
     * The attempt on an open connection: with the TLS policy it ran under (the policy's name; "none"
     * without TLS), the hosts that failed before it and the session host.
     */
    static Attempt attempt(Destination d, SmtpConnection conn, List<HostAttempt> tried, HostAttempt session) {
        return new Attempt(d.siteName, remote(conn), sourceName(d), tlsPolicyName(conn), tried, session);
    }

    private static String tlsPolicyName(SmtpConnection conn) {
        TlsCheck c = conn.tlsCheck();
        return c == null ? null : c.tls() ? c.policy().name() : "none";
    }

    private static String sourceName(Destination d) {
        return d.source.name().isEmpty() ? null : d.source.name();
    }

    private static String remote(SmtpConnection conn) {
        return conn.remoteText();
    }

    /** Recipients per transaction: the tighter of the site's and the source pair's limit. */
    private static int maxRecipients(Destination d) {
        return Math.min(
                d.site.limits().maxRecipientsPerTransaction(), d.pair.limits().maxRecipientsPerTransaction());
    }

    /** The IP address of a route's host, or its name when it was not resolved. */
    private static String ipOf(InetSocketAddress a) {
        return a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    }

    /** The host name of a route's address (the route's MX name), or null when only the address is known. */
    private static String hostName(InetSocketAddress a) {
        String name = a.getHostString();
        String ip = a.getAddress() == null ? null : a.getAddress().getHostAddress();
        return name == null || name.equals(ip) ? null : name;
    }

    private static HostAttempt failedAt(InetSocketAddress a, HostAttempt.Outcome o, String text, String tlsPolicy) {
        String ip = ipOf(a);
        return new HostAttempt(hostName(a), ip, a.getPort(), o, text, null, null, tlsPolicy);
    }

    private static HostAttempt sessionHost(InetSocketAddress a, SmtpConnection conn) {
        String ip = ipOf(a);
        return new HostAttempt(
                hostName(a), ip, a.getPort(), null, null, conn.tlsVersion(), conn.tlsCipher(), tlsPolicyName(conn));
    }

    /** How a connection-level failure at one host ended, for the attempt record and its counter. */
    static HostAttempt.Outcome outcomeOf(SmtpException e) {
        if (e.tlsFailure() || e.phase() == SmtpException.Phase.TLS_HANDSHAKE) return HostAttempt.Outcome.TLS_FAILED;
        if (e.timeout()) return HostAttempt.Outcome.TIMEOUT;
        if (e.phase() == SmtpException.Phase.CONNECT)
            return LocalFailures.of(e) == LocalFailure.CONNECT_TIMEOUT
                    ? HostAttempt.Outcome.TIMEOUT
                    : HostAttempt.Outcome.CONNECT_FAILED;
        if (e.reply() != null && e.phase() == SmtpException.Phase.BANNER) return HostAttempt.Outcome.GREETING_REFUSED;
        if (e.reply() != null && (e.phase() == SmtpException.Phase.EHLO || e.phase() == SmtpException.Phase.HELO))
            return HostAttempt.Outcome.EHLO_REFUSED;
        return HostAttempt.Outcome.CONNECTION_LOST;
    }

    static String failureText(SmtpException e) {
        if (e.tlsPolicyFailure() != null) return "451 4.7.5 " + e.getMessage();
        return e.reply() != null
                ? e.reply().toString()
                : (e.isTransient() ? "451 4.4.2 " : "550 5.4.0 ") + e.getMessage();
    }

    static SmtpException asSmtp(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof SmtpException se) return se;
        return new SmtpException(null, null, true, c.toString(), c);
    }

    /** Whether the envelope of one transaction has non-ASCII addresses (the header section is recorded apart). */
    static boolean needsSmtpUtf8(String from, List<String> rcpts) {
        if (!ascii(from)) return true;
        for (String r : rcpts) if (!ascii(r)) return true;
        return false;
    }

    private static boolean ascii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) if (s.charAt(i) >= 128) return false;
        return true;
    }
}
