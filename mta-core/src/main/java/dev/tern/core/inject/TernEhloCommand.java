package dev.tern.core.inject;

import java.io.IOException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * EHLO for the injection listener. Replaces SubEthaSMTP's own, which handles pipelined
 * commands but does not advertise PIPELINING; also advertises ENHANCEDSTATUSCODES, STARTTLS
 * (until TLS is on) and AUTH PLAIN LOGIN (only over TLS unless allowed without).
 */
final class TernEhloCommand extends BaseCommand {
    private final SmtpAuth auth;

    TernEhloCommand(SmtpAuth auth) {
        super("EHLO", "Introduce yourself.", "<hostname>");
        this.auth = auth;
    }

    @Override
    public void execute(String commandString, Session sess) throws IOException {
        String[] args = getArgs(commandString);
        if (args.length < 2) {
            sess.sendResponse("501 5.5.4 Syntax: EHLO hostname");
            return;
        }
        sess.resetMailTransaction();
        sess.setHelo(Replies.heloName(args[1])); // control bytes never reach Received or logs
        SMTPServer server = sess.getServer();
        StringBuilder r = new StringBuilder();
        r.append("250-").append(server.getHostName());
        r.append("\r\n250-PIPELINING");
        r.append("\r\n250-8BITMIME");
        if (server.getMaxMessageSize() > 0) r.append("\r\n250-SIZE ").append(server.getMaxMessageSize());
        if (server.getEnableTLS() && !sess.isTLSStarted()) r.append("\r\n250-STARTTLS");
        if (auth.offered(sess) && !sess.isAuthenticated()) r.append("\r\n250-AUTH PLAIN LOGIN");
        r.append("\r\n250-ENHANCEDSTATUSCODES");
        r.append("\r\n250-SMTPUTF8");
        r.append("\r\n250 CHUNKING");
        sess.sendResponse(r.toString());
    }
}
