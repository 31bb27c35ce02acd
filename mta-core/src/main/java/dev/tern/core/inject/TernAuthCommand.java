package dev.tern.core.inject;

import dev.tern.core.inject.auth.AuthUser;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * AUTH PLAIN and LOGIN (RFC 4954, 4616) for the injection listener, replacing SubEthaSMTP's:
 * refused before TLS (538 5.7.11) unless allowed, refused unchecked while the client address
 * is locked out (454 4.7.0), 535 5.7.8 for wrong credentials, and the connection closed
 * (421 4.7.0) after too many failures in one session.
 */
final class TernAuthCommand extends BaseCommand {
    private static final Logger log = LoggerFactory.getLogger(TernAuthCommand.class);
    private final SmtpAuth auth;
    /** Failed attempts per live session (sessions are dropped from the map once collected). */
    private final Map<Session, Integer> sessionFailures = Collections.synchronizedMap(new WeakHashMap<>());

    TernAuthCommand(SmtpAuth auth) {
        super("AUTH", "Authentication service", "AUTH <mechanism> [initial-response]");
        this.auth = auth;
    }

    @Override
    public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
        if (!auth.enabled) {
            sess.sendResponse("502 5.5.1 AUTH not available");
            return;
        }
        if (!auth.offered(sess)) {
            sess.sendResponse(
                    "538 5.7.11 Encryption required for requested authentication mechanism: use STARTTLS first");
            return;
        }
        if (sess.isAuthenticated()) {
            sess.sendResponse("503 5.5.1 Already authenticated");
            return;
        }
        if (sess.isMailTransactionInProgress()) {
            sess.sendResponse("503 5.5.1 AUTH is not allowed during a mail transaction");
            return;
        }
        if (sess.getHelo().isEmpty()) {
            sess.sendResponse("503 5.5.1 Send EHLO first");
            return;
        }
        String[] args = getArgs(commandString);
        if (args.length < 2 || args.length > 3) {
            sess.sendResponse("501 5.5.4 Syntax: AUTH mechanism [initial-response]");
            return;
        }
        String mechanism = args[1].toUpperCase(Locale.ROOT);
        if (!mechanism.equals("PLAIN") && !mechanism.equals("LOGIN")) {
            sess.sendResponse("504 5.5.4 Unrecognized authentication type (PLAIN and LOGIN are offered)");
            return;
        }
        InetAddress client = sess.getRemoteAddress().getAddress();
        if (auth.failures.lockedFor(client).isPresent()) {
            // refused without looking at the credentials, so guessing on goes nowhere
            failed(
                    sess,
                    client,
                    null,
                    "454 4.7.0 Too many failed authentication attempts from your address, try again later",
                    false);
            return;
        }
        String initial = args.length == 3 ? args[2] : null;
        Credentials credentials;
        try {
            credentials = mechanism.equals("PLAIN") ? plain(sess, initial) : login(sess, initial);
        } catch (Canceled e) {
            sess.sendResponse("501 5.7.0 Authentication canceled");
            return;
        } catch (Malformed e) {
            failed(sess, client, null, "501 5.5.2 Cannot decode the authentication response", true);
            return;
        }
        if (credentials == null) return; // the client went away
        Optional<AuthUser> user;
        try {
            user = auth.users.authenticate(credentials.name, credentials.password);
        } finally {
            Arrays.fill(credentials.password, '\0');
        }
        if (user.isPresent()) {
            sess.setAuthenticationHandler(new SmtpAuth.Identity(user.get()));
            sessionFailures.remove(sess);
            log.info("AUTH {} as '{}' from {}", mechanism, printable(credentials.name), client.getHostAddress());
            sess.sendResponse("235 2.7.0 Authentication successful");
        } else {
            log.warn(
                    "AUTH {} failed for '{}' from {}", mechanism, printable(credentials.name), client.getHostAddress());
            failed(sess, client, credentials.name, "535 5.7.8 Authentication credentials invalid", true);
        }
    }

    /** Counts a failure for the address (if {@code countForAddress}) and the session; closes the session after too many. */
    private void failed(Session sess, InetAddress client, String name, String reply, boolean countForAddress)
            throws IOException, DropConnectionException {
        if (countForAddress && auth.failures.failed(client)) {
            log.warn(
                    "AUTH lockout of {} after repeated failures (last user name '{}')",
                    client.getHostAddress(),
                    printable(name));
        }
        int n = sessionFailures.merge(sess, 1, Integer::sum);
        if (n >= auth.maxFailuresPerSession) {
            sessionFailures.remove(sess);
            throw new DropConnectionException(421, "4.7.0 Too many failed authentication attempts, closing connection");
        }
        sess.sendResponse(reply);
    }

    private record Credentials(String name, char[] password) {}

    private static final class Canceled extends Exception {
        Canceled() {
            super(null, null, false, false);
        }
    }

    private static final class Malformed extends Exception {
        Malformed() {
            super(null, null, false, false);
        }
    }

    /** RFC 4616: [authzid] NUL authcid NUL passwd; a different authzid (acting for another user) is not supported. */
    private static Credentials plain(Session sess, String initial) throws IOException, Canceled, Malformed {
        String line = initial != null ? initial : challenge(sess, "334 ");
        if (line == null) return null;
        byte[] raw = decode(line);
        try {
            int first = indexOf(raw, 0), second = first < 0 ? -1 : indexOf(raw, first + 1);
            if (first < 0 || second < 0 || indexOf(raw, second + 1) >= 0) throw new Malformed();
            String authzid = utf8(raw, 0, first);
            String authcid = utf8(raw, first + 1, second);
            char[] password = chars(raw, second + 1, raw.length);
            if (!authzid.isEmpty() && !authzid.equals(authcid))
                return new Credentials("\0" + authzid, password); // never a user
            return new Credentials(authcid, password);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static Credentials login(Session sess, String initial) throws IOException, Canceled, Malformed {
        String nameLine = initial != null ? initial : challenge(sess, "334 VXNlcm5hbWU6"); // "Username:"
        if (nameLine == null) return null;
        byte[] name = decode(nameLine);
        String passwordLine = challenge(sess, "334 UGFzc3dvcmQ6"); // "Password:"
        if (passwordLine == null) return null;
        byte[] password = decode(passwordLine);
        try {
            return new Credentials(utf8(name, 0, name.length), chars(password, 0, password.length));
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private static String challenge(Session sess, String prompt) throws IOException, Canceled {
        sess.sendResponse(prompt);
        String line = sess.getReader().readLine();
        if (line != null && line.trim().equals("*")) throw new Canceled();
        return line;
    }

    private static byte[] decode(String line) throws Malformed {
        String t = line.trim();
        if (t.equals("=")) return new byte[0]; // RFC 4954: an empty initial response
        try {
            return Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            throw new Malformed();
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == 0) return i;
        return -1;
    }

    private static String utf8(byte[] b, int from, int to) throws Malformed {
        return new String(chars(b, from, to));
    }

    private static char[] chars(byte[] b, int from, int to) throws Malformed {
        try {
            CharBuffer cb = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from));
            char[] out = new char[cb.remaining()];
            cb.get(out);
            if (cb.hasArray()) Arrays.fill(cb.array(), '\0');
            return out;
        } catch (CharacterCodingException e) {
            throw new Malformed();
        }
    }

    /** A user name fit for a log line. */
    private static String printable(String name) {
        if (name == null) return "";
        String s = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        return s.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
