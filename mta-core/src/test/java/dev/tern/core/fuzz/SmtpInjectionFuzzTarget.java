package dev.tern.core.fuzz;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.server.TernServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Fuzz target for the SMTP injection listener (SubEthaSMTP 7.2.2 with Tern's EHLO and DATA commands and
 * its session handler): a real Tern server on 127.0.0.1 gets the input as a client's side of a session
 * after the banner, followed by {@code CRLF . CRLF RSET QUIT} so that every session ends. Properties:
 * every line the server sends is a well-formed reply (three digits, 2xx-5xx, then space, hyphen or end;
 * printable ASCII only, so no echoed NUL or control byte; at most 512 characters),
 * the session ends within a bounded time, the server logs no error and no unexpected exception, and
 * afterwards the listener still accepts a good message (250 after DATA) on a new connection.
 */
public final class SmtpInjectionFuzzTarget {
    /**
     * A loopback server and Netty threads run beside the fuzzed code, so libFuzzer's coverage feedback
     * depends on their timing: the suite's bounded campaign is feedback-free (seeded mutations, same inputs
     * every run); {@code bin/tern test --fuzz-long} fuzzes it coverage-guided.
     */
    static final boolean THREADED = true;

    /** Runs of the bounded (fixed-seed) campaign of the test suite: sized to this target's speed. */
    static final int CAMPAIGN_RUNS = 600;

    /**
     * Loopback connections are the point of this target: Jazzer's SSRF detector would report them. Jazzer
     * 0.28.0's Unsafe sanitizer breaks Netty's JCTools queues on JDK 25 (NullPointerException in its hook).
     */
    static final String[] JAZZER_ARGS = {
        "--disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery"
                + ":com.code_intelligence.jazzer.sanitizers.UnsafeSanitizer"
    };

    static final String INSTRUMENTATION_INCLUDES =
            "dev.tern.core.inject.**:org.subethamail.**:dev.tern.core.feedback.**";
    private static final Pattern REPLY = Pattern.compile("[2-5]\\d\\d([ -][\\x20-\\x7e]*)?");
    /** Longest reply line: replies quote client input only as a short excerpt (RFC 5321 4.5.3.1.5: 512). */
    private static final int MAX_REPLY_LINE = 512;

    private static final byte[] TRAILER = "\r\n.\r\nRSET\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final ConcurrentLinkedQueue<String> PROBLEMS = new ConcurrentLinkedQueue<>();
    private static Path dir;
    private static TernServer tern;

    private SmtpInjectionFuzzTarget() {}

    public static void fuzzerInitialize() throws IOException {
        dir = Files.createTempDirectory("tern-fuzz-inject");
        tern = TernServer.start(
                ConfigLoader.parse("""
                server: { hostname: fuzz.tern.test }
                spool: { directory: "%s", min_free_disk: 1MiB }
                admin: { listen: 127.0.0.1:0 }
                events: { log: "%s" }
                routes: { "*": 127.0.0.1:9 }
                injection: { listen: 127.0.0.1:0, max_message_size: 64KiB, max_recipients: 20, idle_timeout: 3s }
                """.formatted(dir.resolve("spool"), dir.resolve("events.jsonl")), "fuzz"));
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        AppenderBase<ILoggingEvent> watcher = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                if (unexpected(e)) {
                    PROBLEMS.add(e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()
                            + (e.getThrowableProxy() == null
                                    ? ""
                                    : " " + e.getThrowableProxy().getClassName() + ": "
                                            + e.getThrowableProxy().getMessage()));
                }
            }
        };
        watcher.setContext(root.getLoggerContext());
        watcher.start();
        root.addAppender(watcher);
        goodMessage();
    }

    /** An error, or any warning that carries an exception other than an I/O one (client went away). */
    private static boolean unexpected(ILoggingEvent e) {
        if (!e.getLevel().isGreaterOrEqual(Level.WARN) || e.getLoggerName().startsWith("dev.tern.core.delivery")) {
            return false; // delivery to the unreachable route is expected to fail
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (e.getLevel() == Level.ERROR) {
            return true;
        }
        return t != null
                && !t.getClassName().startsWith("java.io.")
                && !t.getClassName().startsWith("java.net.");
    }

    public static void fuzzerTearDown() throws IOException {
        if (tern != null) {
            tern.close();
            tern = null;
        }
    }

    public static void fuzzerTestOneInput(byte[] clientSide) throws IOException {
        if (tern == null) {
            fuzzerInitialize();
        }
        PROBLEMS.clear();
        List<String> replies = session(clientSide);
        for (String line : replies) {
            if (line.startsWith("220 ")) break; // STARTTLS accepted: what follows is TLS records, not reply lines
            if (!REPLY.matcher(line).matches() || line.length() > MAX_REPLY_LINE) {
                throw new IllegalStateException("malformed reply line " + quote(line) + " in " + replies);
            }
        }
        goodMessage();
        if (!PROBLEMS.isEmpty()) {
            throw new IllegalStateException("server logged: " + PROBLEMS);
        }
    }

    /** The server's reply lines (banner excluded) for one session; fails when the session does not end. */
    private static List<String> session(byte[] clientSide) throws IOException {
        InetSocketAddress a = tern.injectionAddress();
        try (Socket s = new Socket(a.getAddress(), a.getPort())) {
            s.setSoTimeout(15_000);
            InputStream in = s.getInputStream();
            String banner = readLine(in);
            if (banner == null || !banner.startsWith("220")) {
                throw new IllegalStateException("banner " + banner);
            }
            OutputStream out = s.getOutputStream();
            try {
                out.write(clientSide);
                out.write(TRAILER);
                out.flush();
            } catch (SocketException closedByServer) {
                // the server may end a session early (421, too many errors); its replies are still read
            }
            List<String> lines = new ArrayList<>();
            try {
                for (String line; (line = readLine(in)) != null; ) {
                    lines.add(line);
                }
            } catch (SocketTimeoutException e) {
                throw new IllegalStateException("session did not end within 15 s; replies so far: " + lines);
            } catch (SocketException reset) {
                // connection reset after the server closed with unread input: the replies read so far count
            }
            return lines;
        }
    }

    private static void goodMessage() throws IOException {
        InetSocketAddress a = tern.injectionAddress();
        try (Socket s = new Socket(a.getAddress(), a.getPort())) {
            s.setSoTimeout(15_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            out.write(("EHLO good.example\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> lines = new ArrayList<>();
            String last = "";
            for (String line; !last.startsWith("354") && (line = readLine(in)) != null; ) {
                lines.add(line);
                last = line;
            }
            if (!last.startsWith("354")) {
                throw new IllegalStateException("listener no longer takes a good message: " + lines);
            }
            out.write("From: a@x.example\r\nSubject: good\r\n\r\nhello\r\n.\r\nQUIT\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String end = readLine(in);
            if (end == null || !end.startsWith("250")) {
                throw new IllegalStateException(
                        "good message refused after the case: " + end + " (before: " + lines + ")");
            }
        }
    }

    /** One line without its CRLF (a bare LF also ends it), or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                byte[] l = line.toByteArray();
                int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                return new String(l, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : new String(line.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }
}
