package dev.tern.core.inject;

import java.io.IOException;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.command.StartTLSCommand;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * STARTTLS for the injection listener: SubEthaSMTP's own (which discards what the client sent
 * before the handshake and forgets its EHLO), refused after AUTH, because the authenticated
 * identity would otherwise survive the switch (RFC 3207 section 4.2: all knowledge from before TLS is discarded).
 */
final class TernStartTlsCommand extends BaseCommand {
    private final StartTLSCommand delegate = new StartTLSCommand();

    TernStartTlsCommand() {
        super("STARTTLS", "The starttls command");
    }

    @Override
    public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
        if (sess.isAuthenticated() && !sess.isTLSStarted()) {
            sess.sendResponse("503 5.5.1 STARTTLS is not allowed after AUTH");
            return;
        }
        delegate.execute(commandString, sess);
    }
}
