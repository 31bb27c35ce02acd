package dev.tern.core.inject;

import dev.tern.core.config.DataLimits;
import java.io.IOException;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.command.BdatCommand;
import org.subethamail.smtp.internal.io.BdatInputStream;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * BDAT (CHUNKING, RFC 3030) for the injection listener: SubEthaSMTP's chunk framing (its
 * {@link BdatInputStream} reads exactly the announced sizes and the following BDAT lines), with
 * the text checked by {@link DataReader} against {@code injection.data} like DATA's (and held
 * within {@code injection.max_memory} the same way: without memory the chunks are read and
 * discarded and the last one gets {@code 452 4.3.1}), and the mail transaction ended after the
 * reply whatever it is.
 */
final class TernBdatCommand extends BaseCommand {
    private final DataLimits limits;

    TernBdatCommand(DataLimits limits) {
        super("BDAT", "A sequence of BDAT packets is collected as the data of the message.");
        this.limits = limits;
    }

    @Override
    public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
        if (!TernDataCommand.readyForText(sess)) return;
        BdatCommand.Bdat bdat = BdatCommand.parse(commandString);
        if (bdat.errorMessage != null) {
            // Tern's own reply: the library's echoes the client's text raw (NUL bytes found by fuzzing)
            sess.sendResponse("501 5.5.4 Syntax: BDAT <size> [LAST], got \"" + Replies.excerpt(commandString) + "\"");
            return;
        }
        InjectionSession handler = (InjectionSession) sess.getMessageHandler();
        try (MemoryBudget.Lease lease = handler.memoryLease(0)) {
            DataReader.Result text = DataReader.readAll(
                    new BdatInputStream(sess.getRawInput(), sess, bdat.size, bdat.isLast),
                    DataReader.Limits.of(limits, handler.maxMessageSize()),
                    handler.overflow(lease));
            TernDataCommand.respond(sess, handler, text, lease);
        }
    }
}
