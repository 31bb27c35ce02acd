package dev.tern.core.delivery.smtp;

import dev.tern.core.delivery.smtp.SmtpException.Phase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol state machine of one client connection (see the package documentation). Every method
 * runs on the channel's event loop; nothing blocks. Commands written wait for their replies in a FIFO
 * of expectations, which makes pipelined and one-at-a-time conversations the same code: pipelining
 * only changes how many commands are written before the first reply is read.
 */
final class SmtpClientHandler extends SimpleChannelInboundHandler<SmtpReply> {
    private static final Logger log = LoggerFactory.getLogger(SmtpClientHandler.class);

    private record Expect(Phase phase, Consumer<SmtpReply> then) {}

    /** The transaction in progress. */
    private static final class Tx {
        final SmtpTransaction transaction;
        final CompletableFuture<TransactionResult> future;
        final boolean pipelined;
        SmtpReply mail;
        final List<SmtpReply> recipients = new ArrayList<>();
        int accepted;

        Tx(SmtpTransaction transaction, CompletableFuture<TransactionResult> future, boolean pipelined) {
            this.transaction = transaction;
            this.future = future;
            this.pipelined = pipelined;
        }
    }

    private final SmtpClient client;
    private final SmtpClientSettings settings;
    private final String ehloName;
    private final InetSocketAddress remote;
    private final TlsPolicy policy;
    private final StartTlsGate gate;
    final CompletableFuture<SmtpConnection> connected = new CompletableFuture<>();
    private SmtpConnection connection;
    private ChannelHandlerContext ctx;

    private final ArrayDeque<Expect> expected = new ArrayDeque<>();
    /** The scheduled timeout check (see {@link #arm}), null when none is scheduled. */
    private ScheduledFuture<?> timer;
    /** When the scheduled check runs, and the armed timeout ({@link System#nanoTime()}). */
    private long timerAt, deadline;

    private boolean armed;
    private Phase armedPhase;
    private long armedMillis;
    private Phase state = Phase.CONNECT;
    private volatile boolean closed;
    private SmtpReply closingReply;

    volatile SmtpReply banner;
    volatile Map<String, String> extensions = Map.of();
    /** What the transactions need from {@link #extensions} (event loop only; set with them). */
    private LocalRefusal.Offer offer = LocalRefusal.Offer.NONE;

    volatile boolean tls;
    /** The negotiated TLS protocol and cipher suite, null without TLS. */
    volatile String tlsVersion, tlsCipher;

    volatile TlsCheck tlsCheck;
    volatile int transactions;

    private boolean needsReset;
    private Tx tx;
    private CompletableFuture<Void> quitFuture;
    private DotStuffer body;
    private boolean writingBody;
    /** Commands appended by {@link #command} and not yet written, or null. */
    private ByteBuf pending;

    private static final short CRLF = ('\r' << 8) | '\n';

    /** The expectations of every transaction, made once (immutable): no allocation per command. */
    private final Expect afterMail = new Expect(Phase.MAIL, this::onMail),
            afterRcpt = new Expect(Phase.RCPT, this::onRcpt),
            afterData = new Expect(Phase.DATA, this::onData),
            afterDataEnd = new Expect(Phase.DATA_END, this::onDataEnd);

    SmtpClientHandler(
            SmtpClient client,
            SmtpClientSettings settings,
            String ehloName,
            InetSocketAddress remote,
            TlsPolicy policy,
            StartTlsGate gate) {
        super(SmtpReply.class);
        this.client = client;
        this.settings = settings;
        this.ehloName = ehloName;
        this.remote = remote;
        this.policy = policy;
        this.gate = gate;
    }

    boolean isClosed() {
        return closed;
    }

    // ---- channel events ---------------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.connection = new SmtpConnection(ctx.channel(), this, remote);
        state = Phase.BANNER;
        expect(Phase.BANNER, this::onBanner);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SmtpReply reply) {
        if (closed) return;
        if (reply.code() == 421) closingReply = reply; // the server is about to close: keep its reason
        Expect e = expected.pollFirst();
        if (e == null) {
            fail(SmtpException.ofReply(Phase.IDLE, reply, "unsolicited reply from " + remote));
            return;
        }
        cancelTimer();
        if (!expected.isEmpty() && !writingBody) arm(expected.peekFirst().phase());
        e.then().accept(reply);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (writingBody && ctx.channel().isWritable()) writeBody();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closed) {
            Phase p = phase();
            String what = "connection closed by " + remote + " " + during(p);
            fail(
                    closingReply != null
                            ? SmtpException.ofReply(p, closingReply, what)
                            : SmtpException.ofTransient(p, what, null));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closed) return;
        Phase p = phase();
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        boolean tlsError = p == Phase.TLS_HANDSHAKE || root instanceof SSLException;
        String what = root instanceof SSLException
                ? "TLS error"
                : root instanceof IOException
                        ? "I/O error (connection reset?)"
                        : cause instanceof DecoderException ? "protocol error" : "error";
        fail(new SmtpException(
                tlsError && p == Phase.STARTTLS ? Phase.TLS_HANDSHAKE : p,
                null,
                true,
                what + " with " + remote + " " + during(p) + ": " + root.getMessage(),
                root,
                tlsError));
    }

    // ---- greeting ---------------------------------------------------------------------------------

    private void onBanner(SmtpReply r) {
        banner = r;
        if (r.code() != 220) {
            fail(SmtpException.ofReply(Phase.BANNER, r, remote + " refused the session at the banner"));
            return;
        }
        sendEhlo();
    }

    private void sendEhlo() {
        state = Phase.EHLO;
        command("EHLO " + ehloName, Phase.EHLO, this::onEhlo);
        flush();
    }

    private void onEhlo(SmtpReply r) {
        if (r.code() == 250) {
            offered(parseExtensions(r));
            afterGreeting();
        } else if (r.permanentFailure()) {
            state = Phase.HELO;
            command("HELO " + ehloName, Phase.HELO, this::onHelo);
            flush();
        } else {
            fail(SmtpException.ofReply(Phase.EHLO, r, remote + " refused EHLO"));
        }
    }

    private void onHelo(SmtpReply r) {
        if (r.code() != 250) {
            fail(SmtpException.ofReply(Phase.HELO, r, remote + " refused EHLO and HELO"));
            return;
        }
        offered(Map.of());
        afterGreeting();
    }

    private void offered(Map<String, String> ext) {
        extensions = ext;
        offer = LocalRefusal.Offer.of(ext);
    }

    private static Map<String, String> parseExtensions(SmtpReply r) {
        Map<String, String> ext = new LinkedHashMap<>();
        List<String> lines = r.lines();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) continue;
            int sp = line.indexOf(' ');
            String keyword = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
            ext.putIfAbsent(keyword, sp < 0 ? "" : line.substring(sp + 1).trim());
        }
        return Map.copyOf(ext);
    }

    private void afterGreeting() {
        if (settings.startTls() && !tls && extensions.containsKey("STARTTLS")) {
            SmtpReply refused = gate == null ? null : gate.refusal(extensions);
            if (refused != null) {
                quitBeforeTls(refused);
                return;
            }
            state = Phase.STARTTLS;
            command("STARTTLS", Phase.STARTTLS, this::onStartTls);
            flush();
        } else if (!tls && policy.requiresTls()) {
            fail(SmtpException.ofTlsPolicy(
                    Phase.STARTTLS,
                    TlsResult.STARTTLS_NOT_SUPPORTED,
                    remote + " does not offer STARTTLS, which TLS policy " + policy.name() + " requires",
                    null,
                    localAddress()));
        } else {
            ready();
        }
    }

    /**
     * Nothing the session holds can go to this server: no TLS session only to quit without a MAIL.
     * The connection fails at once with the refusal; QUIT goes out in clear text.
     */
    private void quitBeforeTls(SmtpReply refused) {
        connected.completeExceptionally(SmtpException.ofLocalRefusal(
                Phase.STARTTLS, refused, remote + ": nothing to send before STARTTLS: " + refused));
        state = Phase.QUIT;
        command("QUIT", Phase.QUIT, r -> {
            closed = true;
            cancelTimer();
            ctx.close();
        });
        flush();
    }

    private void onStartTls(SmtpReply r) {
        if (r.code() != 220) {
            if (policy.requiresTls()) {
                fail(SmtpException.ofTlsPolicy(
                        Phase.STARTTLS,
                        TlsResult.STARTTLS_NOT_SUPPORTED,
                        remote + " refused STARTTLS (" + r + "), which TLS policy " + policy.name() + " requires",
                        null,
                        localAddress()));
                return;
            }
            log.debug("{} refused STARTTLS ({}); going on without TLS", remote, r);
            ready();
            return;
        }
        state = Phase.TLS_HANDSHAKE;
        CertificateChecks.PolicyTrustManager checker =
                policy.checksCertificate() ? new CertificateChecks.PolicyTrustManager(policy, client.trust()) : null;
        SslHandler ssl = (checker != null
                        ? client.policyContext(checker)
                        : client.sslContext(settings.verifyCertificates()))
                .newHandler(ctx.alloc(), remote.getHostString(), remote.getPort());
        ssl.setHandshakeTimeoutMillis(settings.ehloTimeout().toMillis());
        ctx.pipeline().addFirst("tls", ssl);
        ssl.handshakeFuture().addListener((Future<? super io.netty.channel.Channel> f) -> {
            if (closed) return;
            if (f.isSuccess()) {
                javax.net.ssl.SSLSession session = ssl.engine().getSession();
                tlsVersion = session.getProtocol();
                tlsCipher = session.getCipherSuite();
                tls = true;
                CertificateChecks.Failure failed = checker == null ? null : checker.failure;
                tlsCheck = new TlsCheck(
                        policy, true, failed == null ? null : failed.result(), failed == null ? null : failed.detail());
                offered(Map.of());
                sendEhlo();
            } else {
                Throwable cause = f.cause();
                CertificateChecks.Failure failed = checker == null ? null : checker.failure;
                if (policy.requiresTls()) {
                    fail(SmtpException.ofTlsPolicy(
                            Phase.TLS_HANDSHAKE,
                            failed != null ? failed.result() : TlsResult.VALIDATION_FAILURE,
                            "TLS policy " + policy.name() + ": handshake with " + remote + " failed: "
                                    + (failed != null ? failed.detail() : String.valueOf(cause)),
                            cause,
                            localAddress()));
                    return;
                }
                fail(new SmtpException(
                        Phase.TLS_HANDSHAKE,
                        null,
                        true,
                        "TLS handshake with " + remote + " failed: " + cause,
                        cause,
                        true));
            }
        });
    }

    private InetSocketAddress localAddress() {
        return ctx == null ? null : (InetSocketAddress) ctx.channel().localAddress();
    }

    private void ready() {
        if (tlsCheck == null) {
            boolean checked = policy.level() != TlsPolicy.Level.OPPORTUNISTIC;
            tlsCheck = new TlsCheck(
                    policy,
                    false,
                    checked ? TlsResult.STARTTLS_NOT_SUPPORTED : null,
                    checked ? remote + " did not negotiate STARTTLS" : null);
        }
        state = Phase.IDLE;
        connected.complete(connection);
    }

    // ---- transactions -----------------------------------------------------------------------------

    /** Starts a transaction; the caller (SmtpConnection) guarantees none is in progress. */
    void send(SmtpTransaction t, CompletableFuture<TransactionResult> future) {
        if (closed) {
            connection.release();
            future.completeExceptionally(
                    SmtpException.ofTransient(Phase.IDLE, "connection to " + remote + " is closed", null));
            return;
        }
        LocalRefusal.Offer ext = offer;
        SmtpReply refused = LocalRefusal.of(t.smtpUtf8(), t.eightBit(), t.size(), ext, remote);
        if (refused != null) {
            complete(future, TransactionResult.refusedLocally(refused));
            return;
        }
        boolean pipelined = ext.pipelining();
        tx = new Tx(t, future, pipelined);
        if (needsReset) {
            needsReset = false;
            state = Phase.RSET;
            command("RSET", Phase.RSET, r -> {
                if (r.code() / 100 != 2) fail(SmtpException.ofReply(Phase.RSET, r, remote + " refused RSET"));
                else if (!pipelined) sendMail();
            });
            if (!pipelined) {
                flush();
                return;
            }
        }
        sendMail();
    }

    private void complete(CompletableFuture<TransactionResult> future, TransactionResult result) {
        connection.release();
        future.complete(result);
    }

    private void sendMail() {
        SmtpTransaction t = tx.transaction;
        LocalRefusal.Offer ext = offer;
        StringBuilder mail =
                new StringBuilder(64).append("MAIL FROM:<").append(t.mailFrom()).append('>');
        if (ext.size()) mail.append(" SIZE=").append(t.size()); // the tail too
        if ((t.eightBit() || t.smtpUtf8()) && ext.eightBitMime()) mail.append(" BODY=8BITMIME");
        if (t.smtpUtf8()) mail.append(" SMTPUTF8");
        state = Phase.MAIL;
        command(mail.toString(), afterMail);
        if (tx.pipelined) {
            for (int i = 0; i < t.recipients().size(); i++) command(rcpt(i), afterRcpt);
            command("DATA", afterData);
        }
        flush();
    }

    private String rcpt(int i) {
        return "RCPT TO:<" + tx.transaction.recipients().get(i) + ">";
    }

    private void onMail(SmtpReply r) {
        tx.mail = r;
        if (tx.pipelined) return; // RCPT and DATA replies follow
        if (r.positive()) {
            state = Phase.RCPT;
            command(rcpt(0), afterRcpt);
            flush();
        } else {
            finishTransaction(null, false);
        }
    }

    private void onRcpt(SmtpReply r) {
        if (!tx.mail.positive()) return; // pipelined after a failed MAIL: not part of the result
        tx.recipients.add(r);
        if (r.positive()) tx.accepted++;
        if (tx.pipelined) return;
        int next = tx.recipients.size();
        if (next < tx.transaction.recipients().size()) {
            command(rcpt(next), afterRcpt);
        } else if (tx.accepted > 0) {
            state = Phase.DATA;
            command("DATA", afterData);
        } else {
            finishTransaction(null, true);
            return;
        }
        flush();
    }

    private void onData(SmtpReply r) {
        boolean open = tx.mail.positive();
        if (r.code() != 354) {
            finishTransaction(open && tx.accepted > 0 ? r : null, open);
            return;
        }
        if (!open || tx.accepted == 0) {
            // a server that accepts DATA without recipients: end the empty message at once and ignore it
            state = Phase.DATA_END;
            command(".", Phase.DATA_END, end -> finishTransaction(null, open && end.code() / 100 != 2));
            flush();
            return;
        }
        state = Phase.DATA_BLOCK;
        SmtpTransaction.Tail tail = tx.transaction.tail();
        body = new DotStuffer(tx.transaction.message(), tail == null ? null : tail.file(), ctx.alloc());
        writingBody = true;
        expected.addLast(afterDataEnd); // armed once the body is written
        arm(Phase.DATA_BLOCK);
        writeBody();
    }

    /** Writes body chunks while the channel is writable; resumes on writability changes. */
    private void writeBody() {
        writePending(); // none expected: every command is flushed where it is appended
        while (writingBody && body.hasNext() && ctx.channel().isWritable()) {
            ByteBuf chunk;
            try {
                chunk = body.next();
            } catch (java.io.UncheckedIOException e) {
                fail(SmtpException.ofTransient(Phase.DATA_BLOCK, e.getMessage(), e.getCause()));
                return;
            }
            boolean last = !body.hasNext();
            ChannelFuture f = ctx.write(chunk);
            f.addListener(done -> chunkWritten(done, last));
        }
        flush();
    }

    private void chunkWritten(Future<?> done, boolean last) {
        if (closed || !writingBody) return;
        if (!done.isSuccess()) {
            fail(SmtpException.ofTransient(
                    Phase.DATA_BLOCK, "writing the message to " + remote + " failed: " + done.cause(), done.cause()));
            return;
        }
        if (last) {
            writingBody = false;
            state = Phase.DATA_END;
            arm(Phase.DATA_END);
        } else {
            arm(Phase.DATA_BLOCK); // progress: the block timeout starts again
        }
    }

    private void onDataEnd(SmtpReply r) {
        boolean early = writingBody; // the server replied before the whole body was written
        writingBody = false;
        if (body != null) body.close();
        body = null;
        finishTransaction(r, false);
        if (early) fail(SmtpException.ofReply(Phase.DATA_BLOCK, r, remote + " replied before the end of the message"));
    }

    private void finishTransaction(SmtpReply dataReply, boolean reset) {
        Tx t = tx;
        tx = null;
        needsReset = reset;
        state = Phase.IDLE;
        transactions++;
        List<SmtpReply> recipients = t.mail.positive() ? t.recipients : List.of();
        complete(t.future, new TransactionResult(t.mail, recipients, dataReply));
    }

    // ---- quit and failure ---------------------------------------------------------------------------

    void quit(CompletableFuture<Void> future) {
        if (closed) {
            future.complete(null);
            return;
        }
        quitFuture = future;
        state = Phase.QUIT;
        command("QUIT", Phase.QUIT, r -> {
            closed = true;
            cancelTimer();
            ctx.close();
            future.complete(null);
        });
        flush();
    }

    void close() {
        if (!closed) fail(SmtpException.ofTransient(phase(), "connection to " + remote + " closed locally", null));
    }

    void fail(SmtpException e) {
        if (closed) return;
        closed = true;
        cancelTimer();
        expected.clear();
        writingBody = false;
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (body != null) body.close();
        body = null;
        log.debug("SMTP connection to {} failed: {}", remote, e.getMessage());
        if (!connected.isDone()) connected.completeExceptionally(e);
        Tx t = tx;
        tx = null;
        if (t != null) {
            connection.release();
            t.future.completeExceptionally(e);
        }
        if (quitFuture != null) quitFuture.complete(null); // the connection is gone: QUIT is done too
        if (ctx != null) ctx.close();
    }

    // ---- plumbing ---------------------------------------------------------------------------------

    /**
     * Appends a command line to the commands not yet written (a pipelined group becomes one buffer:
     * one {@code write}, not a {@code writev} of one buffer per command) and expects its reply.
     */
    private void command(String line, Phase phase, Consumer<SmtpReply> then) {
        command(line, new Expect(phase, then));
    }

    private void command(String line, Expect e) {
        ByteBuf out = pending;
        if (out == null) pending = out = ctx.alloc().buffer(Math.max(128, line.length() + 2));
        ByteBufUtil.writeUtf8(out, line);
        out.writeShort(CRLF);
        expect(e);
    }

    /** Writes the commands appended since the last flush, then flushes the channel. */
    private void flush() {
        writePending();
        ctx.flush();
    }

    private void writePending() {
        ByteBuf out = pending;
        if (out != null) {
            pending = null;
            ctx.write(out);
        }
    }

    private void expect(Phase phase, Consumer<SmtpReply> then) {
        expect(new Expect(phase, then));
    }

    private void expect(Expect e) {
        expected.addLast(e);
        if (expected.size() == 1 && !writingBody) arm(e.phase());
    }

    /**
     * Starts the timeout of {@code phase}. Lazily: a reply only disarms, and arming again moves the
     * deadline; the one scheduled check, when it runs before the deadline, schedules itself for the
     * rest. So a transaction's replies cost no timer (de)scheduling on the event loop, and a
     * timeout still fires at its deadline.
     */
    private void arm(Phase phase) {
        long millis = settings.timeout(phase).toMillis();
        long now = System.nanoTime();
        armed = true;
        armedPhase = phase;
        armedMillis = millis;
        deadline = now + TimeUnit.MILLISECONDS.toNanos(millis);
        if (timer != null) {
            if (timerAt - deadline <= 0) return; // the check comes first and re-schedules itself
            timer.cancel(false);
        }
        schedule(deadline - now);
    }

    private void schedule(long nanos) {
        timerAt = System.nanoTime() + nanos;
        timer = ctx.executor().schedule(this::timerDue, nanos, TimeUnit.NANOSECONDS);
    }

    private void timerDue() {
        timer = null;
        if (!armed || closed) return;
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        Phase phase = armedPhase;
        fail(SmtpException.ofTimeout(
                phase,
                "timeout: " + remote + " did not "
                        + (phase == Phase.DATA_BLOCK ? "take message data" : "reply") + " "
                        + during(phase) + " within " + armedMillis + " ms"));
    }

    /** Disarms the timeout; once the connection is closed, the scheduled check is cancelled too. */
    private void cancelTimer() {
        armed = false;
        if (closed && timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Where the conversation is: the oldest command awaiting a reply, or the state. */
    private Phase phase() {
        if (writingBody) return Phase.DATA_BLOCK;
        Expect head = expected.peekFirst();
        return head != null ? head.phase() : state;
    }

    private static String during(Phase p) {
        return switch (p) {
            case CONNECT -> "while connecting";
            case BANNER -> "before the banner";
            case TLS_HANDSHAKE -> "during the TLS handshake";
            case DATA_BLOCK -> "while sending the message";
            case DATA_END -> "after the end of the message";
            case IDLE -> "between transactions";
            default -> "after " + p.name();
        };
    }
}
