package dev.tern.core.inject;

import dev.tern.core.config.DataLimits;
import java.io.EOFException;
import java.io.IOException;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.internal.util.SMTPResponseHelper;
import org.subethamail.smtp.server.Session;

/**
 * DATA for the injection listener. Replaces SubEthaSMTP's own, which reads the text a byte at
 * a time and takes {@code <LF>.<LF>}-style sequences at face value: the text is read by
 * {@link DataReader} (chunked, only {@code <CRLF>.<CRLF>} ends it, limits of
 * {@code injection.data}) and handed to {@link InjectionSession#data(byte[], int, DataReader.Tail)}:
 * in one buffer, or past {@code injection.data.memory_threshold} as the header section plus a
 * spool file written as the text arrived. The text's buffer is a share of
 * {@code injection.max_memory}: when not even the smallest share is free, DATA gets
 * {@code 452 4.3.1} before any text is sent. The mail transaction ends after the reply whatever
 * it is, refusals included (RFC 5321 4.1.1.4; SubEthaSMTP left it open after a refusal, so the
 * next MAIL got 503).
 */
final class TernDataCommand extends BaseCommand {
    private final DataLimits limits;

    TernDataCommand(DataLimits limits) {
        super("DATA", "Following text is collected as the message.\nEnd data with <CR><LF>.<CR><LF>");
        this.limits = limits;
    }

    @Override
    public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
        if (!readyForText(sess)) return;
        InjectionSession handler = (InjectionSession) sess.getMessageHandler();
        MemoryBudget.Lease lease = handler.memoryLease(DataReader.MIN_LEASE);
        if (lease == null) {
            handler.memoryShort();
            sess.resetMailTransaction();
            sess.sendResponse("452 4.3.1 Insufficient system resources for the message now, try again later");
            return;
        }
        try (lease) {
            sess.sendResponse("354 End data with <CR><LF>.<CR><LF>");
            DataReader.Result text;
            try {
                text = DataReader.readData(
                        sess.getRawInput(),
                        DataReader.Limits.of(limits, handler.maxMessageSize()),
                        sess.getDeclaredMessageSize(),
                        handler.overflow(lease));
            } catch (EOFException e) {
                sess.resetMailTransaction();
                throw new DropConnectionException(421, "4.4.2 Connection closed during DATA");
            }
            respond(sess, handler, text, lease);
        }
    }

    /** Whether MAIL and RCPT came first; if not, answers 503 (DATA and BDAT alike). */
    static boolean readyForText(Session sess) throws IOException {
        if (!sess.isMailTransactionInProgress()) {
            sess.sendResponse("503 5.5.1 Error: need MAIL command");
            return false;
        }
        if (sess.getRecipientCount() == 0) {
            sess.sendResponse("503 5.5.1 Error: need RCPT command");
            return false;
        }
        return true;
    }

    /**
     * Hands an accepted text to the handler and answers; ends the mail transaction, releases the
     * text's spool file (if any) and gives its memory back to the budget ({@code lease}) before the
     * reply is sent, so a client that saw the reply finds the memory free.
     */
    static void respond(Session sess, InjectionSession handler, DataReader.Result text, MemoryBudget.Lease lease)
            throws IOException, DropConnectionException {
        String response;
        try {
            if (!text.accepted()) {
                if (text.violation() == DataReader.Violation.NO_MEMORY) handler.memoryShort();
                response = text.code() + " " + text.text();
            } else {
                response = reply("250", handler.data(text.buffer(), text.length(), text.tail()));
            }
        } catch (DropConnectionException e) {
            throw e;
        } catch (RejectException e) {
            response = e.getErrorResponse();
        } finally {
            if (text.tail() != null) text.tail().close();
            sess.resetMailTransaction();
            if (lease != null) lease.close();
        }
        sess.sendResponse(response);
    }

    /** Longest text that {@link SMTPResponseHelper#buildResponse} puts on one line ({@code 512 - 6}). */
    static final int ONE_LINE = org.subethamail.smtp.internal.Constants.SMTP_MAX_LINE_LEN - 6;

    /**
     * {@code SMTPResponseHelper.buildResponse(code, text)}: a one-line text (no CR or LF, 1 to
     * {@link #ONE_LINE} characters, as every "queued as" reply) is simply {@code code + " " + text};
     * the library builds it in a 512-character buffer, allocated and cleared for every message.
     */
    static String reply(String code, String text) {
        int n = text.length();
        if (n == 0 || n > ONE_LINE || code.length() != 3) return SMTPResponseHelper.buildResponse(code, text);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') return SMTPResponseHelper.buildResponse(code, text);
        }
        return code + " " + text;
    }
}
