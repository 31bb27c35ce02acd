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
import java.util.ArrayList;
import java.util.List;
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
 * waits until it is due and sends it. When the server is slower than the rate, messages start late
 * and the achieved rate ({@link Result#rate()}) shows it.
 */
public final class SmtpLoad {

    /**
     * @param target      where to connect (must be a loopback address)
     * @param sessions    concurrent SMTP sessions
     * @param rate        messages per second over all sessions; 0 = unpaced
     * @param size        approximate message size in bytes (headers and body)
     * @param maxMessages stop after this many messages (Long.MAX_VALUE = no limit)
     * @param duration    stop starting messages after this long (null = no limit)
     * @param from        envelope sender and From: address (its domain is the DKIM signing domain)
     * @param recipient   recipient of message number i
     */
    public record Settings(
            InetSocketAddress target,
            int sessions,
            double rate,
            int size,
            long maxMessages,
            Duration duration,
            String from,
            LongFunction<String> recipient) {
        public Settings {
            if (!target.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("refusing non-loopback target " + target);
            }
            if (sessions < 1 || sessions > 2000) throw new IllegalArgumentException("sessions must be 1..2000");
            if (rate < 0) throw new IllegalArgumentException("rate must be >= 0");
            if (size < 256) throw new IllegalArgumentException("size must be >= 256 bytes");
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
     */
    public record Result(long started, long accepted, long refused, long errors, double seconds) {
        /** Accepted messages per second. */
        public double rate() {
            return seconds > 0 ? accepted / seconds : 0;
        }
    }

    private final Settings settings;
    private final MessageTemplate template;
    private final AtomicLong next = new AtomicLong();
    private final LongAdder started = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile boolean stopped;
    private volatile long startNanos;
    private final AtomicLong lastReplyNanos = new AtomicLong();

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

    /** Runs the load and blocks until every session has finished. */
    public Result run() throws InterruptedException {
        startNanos = System.nanoTime();
        lastReplyNanos.set(startNanos);
        long deadline = settings.duration() == null
                ? Long.MAX_VALUE
                : startNanos + settings.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < settings.sessions(); s++) {
            threads.add(Thread.ofPlatform().name("smtp-load-" + s).daemon().start(() -> session(deadline)));
        }
        for (Thread t : threads) t.join();
        return new Result(
                started.sum(), accepted.sum(), refused.sum(), errors.sum(), (lastReplyNanos.get() - startNanos) / 1e9);
    }

    private void session(long deadline) {
        Connection c = null;
        try {
            while (!stopped) {
                long i = next.getAndIncrement();
                if (i >= settings.maxMessages()) break;
                long due = settings.rate() > 0 ? startNanos + (long) (i * 1e9 / settings.rate()) : 0;
                if (due > deadline || System.nanoTime() > deadline) break;
                waitUntil(due);
                if (stopped) break;
                try {
                    if (c == null) c = Connection.open(settings.target());
                    started.increment();
                    send(c, i);
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

    private void send(Connection c, long i) throws IOException {
        String rcpt = settings.recipient().apply(i);
        c.write("MAIL FROM:<" + settings.from() + ">\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n");
        c.flush();
        int mail = c.reply();
        int rcptCode = c.reply();
        int data = c.reply();
        if (data != 354) {
            if (mail / 100 == 2 || rcptCode / 100 == 2) {
                c.write("RSET\r\n");
                c.flush();
                c.reply();
            }
            refusedAt(i, rcpt, mail, rcptCode, data);
            return;
        }
        c.out.write(template.render(i, rcpt));
        c.flush();
        int end = c.reply();
        replied();
        if (end / 100 == 2) accepted.increment();
        else refusedAt(i, rcpt, mail, rcptCode, end);
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
