package dev.tern.core.inject;

import java.io.IOException;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.command.DataCommand;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * DATA for the injection listener: SubEthaSMTP's own, followed by a reset of the mail
 * transaction. SubEthaSMTP 7.2.2 resets after a message is accepted but not after the
 * handler refuses it at the end of DATA (552, 452, 550 ...), so the client's next MAIL FROM
 * would get "503 Sender already specified" (RFC 5321 4.1.1.4: the transaction ends either way).
 */
final class TernDataCommand extends BaseCommand {
  private final DataCommand delegate = new DataCommand();

  TernDataCommand() {
    super("DATA", "Following text is collected as the message.\nEnd data with <CR><LF>.<CR><LF>");
  }

  @Override
  public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
    boolean started = sess.isMailTransactionInProgress() && sess.getRecipientCount() > 0;
    delegate.execute(commandString, sess);
    if (started && sess.isMailTransactionInProgress()) sess.resetMailTransaction();
  }
}
