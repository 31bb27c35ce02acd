package dev.tern.bench.load;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * A load generator for an SMTP listener on loopback: {@code sessions} connections, each sending one
 * message after the other over the same connection with PIPELINING (MAIL, RCPT and DATA in one
 * write), paced by a shared schedule to {@code rate} messages per second (0 = as fast as the server
 * accepts). Message {@code i} goes to {@code recipient.apply(i)}; its size is about {@code size}
 * bytes. Unlike Postfix's smtp-source it can vary the recipient per message and pace finer than
 * one message per session per second.
 *
 * <p>Pacing: message {@code i} is due at {@code start + i / rate}; a session takes the next number,
 * waits until it is due and sends it. When the server (or this process) is slower than the rate,
 * messages start late: {@link Window} reports how late, and the achieved rate shows it. Several
 * processes can share one schedule ({@link Settings#shards()}, started at one wall-clock instant),
 * each sending every {@code shards}-th message, when one process cannot keep the pace alone.
 */
public final class SmtpLoad {

    /**
     * @param target      where to connect (must be a loopback address)
     * @param sessions    concurrent SMTP sessions (of this process)
     * @param rate        messages per second over all sessions of all shards; 0 = unpaced
     * @param size        approximate message size in bytes (headers and body)
     * @param maxMessages stop after this many messages over all shards (Long.MAX_VALUE = no limit)
     * @param duration    stop starting messages after this long (null = no limit)
     * @param from        envelope sender and From: address (its domain is the DKIM signing domain)
     * @param recipient   recipient of message number i
     * @param pipelining  MAIL, RCPT and DATA in one write (RFC 2920); false = one command per round trip,
     *                    as Postfix's smtp-source does
     * @param shard       which of {@code shards} load processes this is: it sends the messages
     *                    {@code i} with {@code i % shards == shard} of the shared schedule
     * @param shards      load processes sharing one schedule (1 = this one alone)
     * @param warmup      the first {@code warmup} messages (global numbers) warm up the injector and are not
     *                    part of the measured window ({@link Result#measured()})
     * @param startAtEpochMillis wall-clock start of the schedule (to line up several processes); 0 = now
     */
    public record Settings(
            InetSocketAddress target,
            int sessions,
            double rate,
            int size,
            long maxMessages,
            Duration duration,
            String from,
            LongFunction<String> recipient,
            boolean pipelining,
            int shard,
            int shards,
            long warmup,
            long startAtEpochMillis) {
        public Settings {
            if (!target.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("refusing non-loopback target " + target);
            }
            if (sessions < 1 || sessions > 2000) throw new IllegalArgumentException("sessions must be 1..2000");
            if (rate < 0) throw new IllegalArgumentException("rate must be >= 0");
            if (size < 256) throw new IllegalArgumentException("size must be >= 256 bytes");
            if (shards < 1 || shard < 0 || shard >= shards) {
                throw new IllegalArgumentException("shard must be 0.." + (shards - 1) + ", got " + shard);
            }
            if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0");
        }

        /** One process, PIPELINING, no warm-up, starting now. */
        public Settings(
                InetSocketAddress target,
                int sessions,
                double rate,
                int size,
                long maxMessages,
                Duration duration,
                String from,
                LongFunction<String> recipient) {
            this(target, sessions, rate, size, maxMessages, duration, from, recipient, true, 0, 1, 0, 0);
        }
    }

    /**
     * What a load run did.
     *
     * @param started  messages for which MAIL was sent
     * @param accepted messages the server answered 250 after the final dot
     * @param refused  messages refused with a 4xx/5xx at MAIL, RCPT, DATA or after the dot
     * @param errors   connection errors (each costs the message in progress; the session reconnects)
     * @param seconds  time from the start to the last reply
     * @param measured the messages after the warm-up
     */
    public record Result(long started, long accepted, long refused, long errors, double seconds, Window measured) {
        /** Accepted messages per second. */
        public double rate() {
            return seconds > 0 ? accepted / seconds : 0;
        }
    }

    /**
     * The measured window: the messages numbered from the warm-up count on.
     *
     * @param accepted        measured messages accepted
     * @param startEpochNanos wall-clock time the first measured message was due (paced) or the run started
     * @param lastReplyEpochNanos wall-clock time of the last reply to a measured message
     * @param lateP50Ms       median of how late a measured message's MAIL was sent after it was due (paced)
     * @param lateP99Ms       99th percentile of that
     * @param lateMaxMs       the largest
     * @param injectP50Ms     median time from MAIL to the reply after the final dot
     * @param injectP99Ms     99th percentile of that
     */
    public record Window(
            long accepted,
            long startEpochNanos,
            long lastReplyEpochNanos,
            double lateP50Ms,
            double lateP99Ms,
            double lateMaxMs,
            double injectP50Ms,
            double injectP99Ms) {
        /** Seconds from the window's start to its last reply. */
        public double seconds() {
            return Math.max(0, lastReplyEpochNanos - startEpochNanos) / 1e9;
        }

        /** Accepted measured messages per second over the window. */
        public double rate() {
            double s = seconds();
            return s > 0 ? accepted / s : 0;
        }
    }

    private final Settings settings;
    private final MessageTemplate template;
    private final AtomicLong next = new AtomicLong();
    private final LongAdder started = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder measuredAccepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Samples> samples = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;
    private volatile long startNanos;
    private final AtomicLong lastReplyNanos = new AtomicLong();
    private final AtomicLong lastMeasuredReplyNanos = new AtomicLong();

    public SmtpLoad(Settings settings) {
        this.settings = settings;
        this.template = new MessageTemplate(settings.from(), settings.size());
    }

    /** Messages accepted so far (for sampling while {@link #run()} runs in another thread). */
    public long accepted() {
        return accepted.sum();
    }

    public long refused() {
        return refused.sum();
    }

    public long errors() {
        return errors.sum();
    }

    /** The last connection or protocol error seen, or null. */
    public String lastError() {
        return lastError.get();
    }

    /** Asks the sessions to finish the message in progress and stop. */
    public void stop() {
        stopped = true;
    }

    /**
     * Runs the load and blocks until every session has finished. The sessions connect (banner, EHLO)
     * before the schedule starts, so that connection set-up does not make the first messages late.
     */
    public Result run() throws InterruptedException {
        int n = settings.sessions();
        CountDownLatch connected = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            threads.add(Thread.ofPlatform().name("smtp-load-" + s).daemon().start(() -> {
                Connection c = null;
                try {
                    c = Connection.open(settings.target());
                } catch (IOException e) {
                    errors.increment();
                    lastError.set(e.toString());
                } finally {
                    connected.countDown();
                }
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (c != null) c.closeQuietly();
                    return;
                }
                session(c, deadline[0]);
            }));
        }
        connected.await();
        long startEpochNanos;
        if (settings.startAtEpochMillis() > 0) {
            long wait = settings.startAtEpochMillis() - System.currentTimeMillis();
            if (wait > 0) Thread.sleep(wait);
        }
        // one reading of both clocks: wall-clock times reported below are start + (nanoTime - startNanos)
        Instant now = Instant.now();
        startNanos = System.nanoTime();
        startEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        if (settings.startAtEpochMillis() > 0) {
            // line up with the other shards: the schedule starts at the agreed instant, even if this one is late
            long shift = startEpochNanos - settings.startAtEpochMillis() * 1_000_000L;
            startNanos -= shift;
            startEpochNanos -= shift;
        }
        lastReplyNanos.set(startNanos);
        deadline[0] = settings.duration() == null
                ? Long.MAX_VALUE
                : startNanos + settings.duration().toNanos();
        go.countDown();
        for (Thread t : threads) t.join();

        long warmupDue = settings.rate() > 0 ? (long) (settings.warmup() * 1e9 / settings.rate()) : 0;
        long measureStart = startEpochNanos + warmupDue;
        long lastMeasured = lastMeasuredReplyNanos.get();
        long lastMeasuredEpoch = lastMeasured == 0 ? measureStart : startEpochNanos + (lastMeasured - startNanos);
        long[] late = merged(true);
        long[] inject = merged(false);
        Window w = new Window(
                measuredAccepted.sum(),
                measureStart,
                lastMeasuredEpoch,
                percentileMs(late, 50),
                percentileMs(late, 99),
                late.length == 0 ? Double.NaN : late[late.length - 1] / 1e6,
                percentileMs(inject, 50),
                percentileMs(inject, 99));
        return new Result(
                started.sum(),
                accepted.sum(),
                refused.sum(),
                errors.sum(),
                (lastReplyNanos.get() - startNanos) / 1e9,
                w);
    }

    private long[] merged(boolean late) {
        int total = 0;
        for (Samples x : samples) total += x.size;
        long[] all = new long[total];
        int k = 0;
        for (Samples x : samples) {
            System.arraycopy(late ? x.late : x.inject, 0, all, k, x.size);
            k += x.size;
        }
        Arrays.sort(all);
        return all;
    }

    private static double percentileMs(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.max(1, Math.ceil(p / 100.0 * sorted.length));
        return sorted[rank - 1] / 1e6;
    }

    private void session(Connection first, long deadline) {
        Connection c = first;
        Samples mine = new Samples();
        samples.add(mine);
        try {
            while (!stopped) {
                long i = next.getAndIncrement() * settings.shards() + settings.shard();
                if (i >= settings.maxMessages()) break;
                long due = settings.rate() > 0 ? startNanos + (long) (i * 1e9 / settings.rate()) : 0;
                if (due > deadline || System.nanoTime() > deadline) break;
                waitUntil(due);
                if (stopped) break;
                try {
                    if (c == null) c = Connection.open(settings.target());
                    started.increment();
                    long t0 = System.nanoTime();
                    boolean ok = send(c, i);
                    long t1 = System.nanoTime();
                    if (i >= settings.warmup()) {
                        mine.add(settings.rate() > 0 ? Math.max(0, t0 - due) : 0, t1 - t0);
                        lastMeasuredReplyNanos.accumulateAndGet(t1, Math::max);
                        if (ok) measuredAccepted.increment();
                    }
                } catch (IOException e) {
                    errors.increment();
                    lastError.set(e.toString());
                    if (c != null) c.closeQuietly();
                    c = null;
                    LockSupport.parkNanos(100_000_000L); // do not spin on a dead listener
                }
            }
        } finally {
            if (c != null) c.quit();
        }
    }

    /** Sends message {@code i}; true if the server accepted it. */
    private boolean send(Connection c, long i) throws IOException {
        String rcpt = settings.recipient().apply(i);
        int mail;
        int rcptCode;
        int data;
        if (settings.pipelining()) {
            c.write("MAIL FROM:<" + settings.from() + ">\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n");
            c.flush();
            mail = c.reply();
            rcptCode = c.reply();
            data = c.reply();
        } else {
            mail = c.command("MAIL FROM:<" + settings.from() + ">\r\n");
            rcptCode = mail / 100 == 2 ? c.command("RCPT TO:<" + rcpt + ">\r\n") : 0;
            data = rcptCode / 100 == 2 ? c.command("DATA\r\n") : 0;
        }
        if (data != 354) {
            if (mail / 100 == 2 || rcptCode / 100 == 2) {
                c.write("RSET\r\n");
                c.flush();
                c.reply();
            }
            refusedAt(i, rcpt, mail, rcptCode, data);
            return false;
        }
        c.out.write(template.render(i, rcpt));
        c.flush();
        int end = c.reply();
        replied();
        if (end / 100 == 2) {
            accepted.increment();
            return true;
        }
        refusedAt(i, rcpt, mail, rcptCode, end);
        return false;
    }

    private void refusedAt(long i, String rcpt, int mail, int rcptCode, int last) {
        refused.increment();
        replied();
        lastError.set(
                "message " + i + " to " + rcpt + " refused: MAIL " + mail + ", RCPT " + rcptCode + ", then " + last);
    }

    private void replied() {
        long now = System.nanoTime();
        lastReplyNanos.accumulateAndGet(now, Math::max);
    }

    private static void waitUntil(long due) {
        long left;
        while ((left = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    /** One session's timings of measured messages (nanoseconds), read after the session ended. */
    private static final class Samples {
        long[] late = new long[1024];
        long[] inject = new long[1024];
        int size;

        void add(long lateNanos, long injectNanos) {
            if (size == late.length) {
                late = Arrays.copyOf(late, size * 2);
                inject = Arrays.copyOf(inject, size * 2);
            }
            late[size] = lateNanos;
            inject[size] = injectNanos;
            size++;
        }
    }

    /** One SMTP connection with buffered streams; replies are read line by line. */
    private static final class Connection {
        final Socket socket;
        final OutputStream out;
        final InputStream in;
        private final StringBuilder line = new StringBuilder();

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.out = new BufferedOutputStream(socket.getOutputStream(), 65536);
            this.in = new BufferedInputStream(socket.getInputStream(), 16384);
        }

        static Connection open(InetSocketAddress target) throws IOException {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.setSoTimeout(120_000);
                s.connect(target, 10_000);
                Connection c = new Connection(s);
                expect(c.reply(), 220, "banner");
                c.write("EHLO load.bench.localdomain\r\n");
                c.flush();
                expect(c.reply(), 250, "EHLO");
                return c;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        private static void expect(int code, int want, String what) throws IOException {
            if (code != want) throw new IOException(what + " answered " + code);
        }

        /** Sends one command and returns its reply code. */
        int command(String line) throws IOException {
            write(line);
            flush();
            return reply();
        }

        void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
        }

        void flush() throws IOException {
            out.flush();
        }

        /** Reads one (possibly multi-line) reply and returns its code. */
        int reply() throws IOException {
            while (true) {
                String l = readLine();
                if (l.length() < 3) throw new IOException("bad reply line: " + l);
                if (l.length() == 3 || l.charAt(3) != '-') {
                    try {
                        return Integer.parseInt(l.substring(0, 3));
                    } catch (NumberFormatException e) {
                        throw new IOException("bad reply line: " + l);
                    }
                }
            }
        }

        private String readLine() throws IOException {
            line.setLength(0);
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) throw new IOException("connection closed by the server");
                if (b != '\r') line.append((char) b);
                if (line.length() > 4096) throw new IOException("reply line too long");
            }
            return line.toString();
        }

        void quit() {
            try {
                write("QUIT\r\n");
                flush();
                reply();
            } catch (IOException ignored) {
                // closing anyway
            }
            closeQuietly();
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
