package dev.tern.core.inject;

import java.io.IOException;
import java.net.Socket;
import java.util.Locale;
import javax.net.ssl.SSLSocket;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * STARTTLS for the injection listener (replaces SubEthaSMTP's): refused after AUTH, because the
 * authenticated identity would otherwise survive the switch (RFC 3207 section 4.2: all knowledge
 * from before TLS is discarded); the handshake runs under {@code injection.tls.handshake_timeout}
 * ({@link ConnectionGuard}); a failed handshake is one rate-limited log line (no stack trace) and a
 * closed connection. What the client sent before the handshake is discarded with the old reader.
 */
final class TernStartTlsCommand extends BaseCommand {
    private final ConnectionGuard guard;

    TernStartTlsCommand(ConnectionGuard guard) {
        super("STARTTLS", "The starttls command");
        this.guard = guard;
    }

    @Override
    public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
        if (!commandString.trim().toUpperCase(Locale.ROOT).equals("STARTTLS")) {
            sess.sendResponse("501 5.5.4 Syntax: STARTTLS (no parameters)");
            return;
        }
        if (!sess.getServer().getEnableTLS()) {
            sess.sendResponse("502 5.5.1 STARTTLS is not offered");
            return;
        }
        Socket plain = sess.getSocket();
        if (plain instanceof SSLSocket || sess.isTLSStarted()) {
            sess.sendResponse("503 5.5.1 TLS is already active");
            return;
        }
        if (sess.isAuthenticated()) {
            sess.sendResponse("503 5.5.1 STARTTLS is not allowed after AUTH");
            return;
        }
        sess.sendResponse("220 2.0.0 Ready to start TLS");
        ConnectionGuard.Guarded g = ConnectionGuard.underlying(plain);
        SSLSocket tls;
        try {
            if (g != null) g.beginHandshake();
            tls = sess.getServer().createSSLSocket(plain);
            ConnectionGuard.layered(tls, plain);
            tls.startHandshake();
            if (g != null) g.endHandshake();
        } catch (IOException e) {
            guard.handshakeFailed(plain, e);
            sess.quit(); // closes the connection; the session ends without another reply
            return;
        }
        sess.setSocket(tls);
        EnhancedReplies.install(sess); // setSocket made a new reply writer
        sess.resetSmtpProtocol();
        sess.setTlsStarted(true);
    }
}
