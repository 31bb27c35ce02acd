package dev.tern.core.inject;

import dev.tern.core.inject.tls.ServerTls;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time discipline for injection connections, below SubEthaSMTP at the socket: besides the idle
 * timeout of a single read, each request (a command line, or a message text; it starts with the
 * first read after the server's last reply) has a whole-request deadline, which received bytes
 * extend at {@code minDataRate} (N bytes add N / rate seconds) but never beyond the deadline
 * itself. A client dripping one byte every few seconds is closed once the deadline passes
 * ({@code 421 4.4.2}, on a plain connection). A TLS handshake (STARTTLS or SMTPS) has its own
 * fixed deadline. With {@code stressThreshold} of {@code maxConnections} sessions open, the
 * listener is under stress: idle timeout and deadline drop to {@code stressTimeout}, logged once a
 * minute. Real time; the log limiter uses {@code clock}.
 *
 * <p>Reads block without a socket timeout: one watchdog thread per guard (running while
 * connections are open) checks the connections in a read every {@link #TICK_NANOS} and shuts the
 * input of one whose deadline or idle timeout has passed, so that read ends in the timeout. A
 * blocking read of a virtual thread with a timeout would arm and cancel a timer in the JDK's
 * scheduler for every command; this way limits are enforced up to one tick late.
 */
final class ConnectionGuard {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

    /** The limits; durations in milliseconds. */
    record Settings(
            Duration idleTimeout,
            Duration commandDeadline,
            int minDataRate,
            int maxConnections,
            double stressThreshold,
            Duration stressTimeout,
            Duration handshakeTimeout) {}

    /** How often the watchdog checks the connections in a read (stress, deadlines, idle timeouts). */
    static final long TICK_NANOS = 100_000_000L;

    private final Settings settings;
    private final LogLimiter stressLog;
    private final String hostname;
    private final AtomicInteger open = new AtomicInteger();
    private final java.util.Set<Guarded> watched = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final WhileBusyLoop watchdog =
            new WhileBusyLoop("tern-inject-deadlines", TICK_NANOS, () -> watched.isEmpty(), this::checkWatched);
    final LogLimiter clientErrors;

    ConnectionGuard(Settings settings, String hostname, Clock clock) {
        this.settings = settings;
        this.hostname = hostname;
        this.clientErrors = new LogLimiter(log, clock, 3);
        this.stressLog = new LogLimiter(log, clock, 1);
    }

    /** Connections open now over the listeners sharing this guard. */
    int open() {
        return open.get();
    }

    boolean stressed() {
        return open.get() >= Math.max(1, (int) Math.ceil(settings.maxConnections() * settings.stressThreshold()));
    }

    private long idleMillis() {
        long idle = settings.idleTimeout().toMillis();
        return stressed() ? Math.min(idle, settings.stressTimeout().toMillis()) : idle;
    }

    private long deadlineNanos() {
        long d = settings.commandDeadline().toNanos();
        return stressed() ? Math.min(d, settings.stressTimeout().toNanos()) : d;
    }

    /**
     * An unbound listening socket whose accepted sockets are guarded and have TCP_NODELAY set; with {@code implicitTls}, each
     * is wrapped for implicit TLS (the handshake, under the handshake deadline, is {@link #handshake}'s).
     */
    ServerSocket serverSocket(ServerTls implicitTls) throws IOException {
        return new ServerSocket() {
            @Override
            public Socket accept() throws IOException {
                Guarded s = new Guarded();
                implAccept(s);
                // replies leave at once (one write per pipelined group, ReplyBatcher): without
                // this, Nagle holds a write behind an unacknowledged one until the client's
                // delayed ACK (about 40 ms on Linux); under STARTTLS/SMTPS the same socket
                try {
                    s.setTcpNoDelay(true);
                } catch (java.net.SocketException e) {
                    // the client is already gone: its session sees that at the first read or write
                }
                open.incrementAndGet();
                watch(s);
                if (stressed())
                    stressLog.warn(
                            "stress",
                            "injection listener under stress: " + open.get() + " of " + settings.maxConnections()
                                    + " connections open; idle timeout and command deadline cut to "
                                    + settings.stressTimeout().toSeconds() + "s");
                if (implicitTls == null) return s;
                s.beginHandshake();
                SSLSocket tls = implicitTls.wrap(s);
                layered(tls, s);
                return tls;
            }
        };
    }

    /** Puts an accepted socket under the watchdog, starting it if it is not running. */
    private void watch(Guarded s) {
        watched.add(s);
        watchdog.ensureRunning();
    }

    /** One tick of the watchdog: expires the reads past their limits. */
    private void checkWatched() {
        long now = System.nanoTime();
        for (Guarded g : watched) g.check(now);
    }

    /**
     * Runs the TLS handshake of an implicit-TLS connection under the handshake deadline; false after
     * a failure, which is one rate-limited log line (the caller ends the session quietly).
     */
    boolean handshake(Socket socket) {
        if (!(socket instanceof SSLSocket ssl)) return true;
        try {
            ssl.startHandshake();
            Guarded g = underlying(ssl);
            if (g != null) g.endHandshake();
            return true;
        } catch (IOException e) {
            handshakeFailed(socket, e);
            return false;
        }
    }

    /** One rate-limited line for a failed handshake (never a stack trace). */
    void handshakeFailed(Socket socket, IOException e) {
        clientErrors.warn(
                "tls",
                "TLS handshake with " + socket.getInetAddress().getHostAddress() + " failed: "
                        + Replies.excerpt(String.valueOf(e.getMessage())));
    }

    // a layered SSLSocket does not expose its base socket: remembered at wrap time
    private static final java.util.Map<Socket, Guarded> BASES =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The guarded socket under a layered TLS socket (or the socket itself); null if not guarded. */
    static Guarded underlying(Socket s) {
        return s instanceof Guarded g ? g : BASES.get(s);
    }

    /** Records that {@code tls} runs over {@code base} and from now on carries TLS. */
    static void layered(SSLSocket tls, Socket base) {
        if (base instanceof Guarded g) {
            g.underTls = true;
            BASES.put(tls, g);
        }
    }

    /** A server-side socket whose reads run under the deadlines. */
    final class Guarded extends Socket {
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean handshaking;
        private volatile boolean underTls;
        private volatile long deadline; // System.nanoTime() by which the current request must be in; 0: none
        private long budget; // the full deadline of the current request
        private volatile long requestStart;
        private volatile long readingSince; // System.nanoTime() when the read in progress began; 0: none
        private volatile String expiredBy; // why the watchdog ended the read in progress, or null
        private boolean expireReported; // the timeout was logged, answered and the connection closed
        private InputStream in;
        private OutputStream out;
        /** The read timeout last set by {@link GuardedIn#read}, -1 after anyone else set one. */
        private volatile int readTimeout = -1;

        @Override
        public void setSoTimeout(int timeout) throws java.net.SocketException {
            readTimeout = -1;
            super.setSoTimeout(timeout);
        }

        /** The next reads are a TLS handshake: one fixed deadline, no extension. */
        void beginHandshake() {
            handshaking = true;
            budget = settings.handshakeTimeout().toNanos();
            deadline = System.nanoTime() + budget;
        }

        void endHandshake() {
            handshaking = false;
            deadline = 0;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) in = new GuardedIn(super.getInputStream());
            return in;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) out = new GuardedOut(super.getOutputStream());
            return out;
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed.compareAndSet(false, true)) open.decrementAndGet();
            watched.remove(this);
            super.close();
        }

        /** Why a read that began at {@code since} must end at {@code now} (a passed limit), or null. */
        private String due(long since, long now) {
            long d = deadline;
            if (d == 0) return null;
            long due = handshaking || !stressed()
                    ? d
                    : Math.min(d, requestStart + settings.stressTimeout().toNanos());
            if (now - due >= 0) return "command deadline exceeded";
            if (now - (since + idleMillis() * 1_000_000L) >= 0) return "idle timeout";
            return null;
        }

        /** The watchdog's check: a read past its limits is ended by shutting the input. */
        void check(long now) {
            long since = readingSince;
            if (since == 0 || expiredBy != null) return;
            String why = due(since, now);
            if (why == null) return;
            expiredBy = why;
            try {
                shutdownInput(); // the blocked read returns the end of the stream; GuardedIn turns it into the timeout
            } catch (IOException e) {
                // closed meanwhile: the read has ended anyway
            }
        }

        /** The deadline passed: a reply on a plain connection, then the connection is closed. */
        private SocketTimeoutException expire(String what) throws IOException {
            if (expireReported) return new SocketTimeoutException(what); // a later read: said and closed already
            expireReported = true;
            String addr = getInetAddress().getHostAddress();
            if (handshaking) {
                clientErrors.warn("timeout", "TLS handshake with " + addr + " timed out; connection closed");
            } else {
                clientErrors.warn("timeout", what + " from " + addr + "; connection closed");
                try {
                    // only on a connection without TLS: above TLS this socket carries ciphertext
                    if (!underTls) {
                        super.getOutputStream()
                                .write(("421 4.4.2 " + hostname + " Error: timeout exceeded\r\n")
                                        .getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException ignored) {
                    // the client may be gone
                }
            }
            close();
            return new SocketTimeoutException(what);
        }

        private final class GuardedIn extends FilterInputStream {
            GuardedIn(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n <= 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                long start = System.nanoTime();
                if (deadline == 0) {
                    requestStart = start;
                    budget = deadlineNanos();
                    deadline = start + budget;
                }
                String why = expiredBy != null ? expiredBy : due(start, start);
                if (why != null) throw expire(why);
                if (readTimeout != 0) { // no timeout of the socket's own: the watchdog enforces the limits
                    Guarded.super.setSoTimeout(0);
                    readTimeout = 0;
                }
                int n;
                readingSince = start == 0 ? 1 : start;
                try {
                    n = super.read(b, off, len);
                } catch (IOException e) {
                    if (expiredBy != null) throw expire(expiredBy);
                    throw e;
                } finally {
                    readingSince = 0;
                }
                if (n < 0 && expiredBy != null) throw expire(expiredBy);
                if (n > 0 && !handshaking && settings.minDataRate() > 0) {
                    long after = System.nanoTime();
                    deadline = Math.min(deadline + n * 1_000_000_000L / settings.minDataRate(), after + budget);
                }
                return n;
            }
        }

        private final class GuardedOut extends FilterOutputStream {
            GuardedOut(OutputStream out) {
                super(out);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                if (!handshaking) deadline = 0; // a reply: the next read starts a new request
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
                if (!handshaking) deadline = 0;
            }
        }
    }
}
