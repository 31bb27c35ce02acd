package dev.tern.core.inject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.server.Session;

/**
 * Tern's own HELO, MAIL, RCPT, RSET, NOOP, QUIT, HELP, VRFY and EXPN for the injection listener,
 * replacing SubEthaSMTP's: every reply carries an enhanced status code (RFC 2034), quotes client
 * input only as a short cleaned excerpt ({@link Replies}), and unknown MAIL/RCPT parameters get
 * {@code 555 5.5.4} (RFC 5321 4.1.1.11) instead of being ignored.
 */
final class TernMailCommands {
    private TernMailCommands() {}

    /** The commands, to register after the library's (each replaces the one of the same name). */
    static List<Command> all() {
        return List.of(
                new Helo(),
                new Mail(),
                new Rcpt(),
                simple("RSET", "Resets the system.", "250 2.0.0 Ok", true),
                simple("NOOP", "Does nothing.", "250 2.0.0 Ok", false),
                new Quit(),
                simple("HELP", "Help.", "214 2.0.0 See RFC 5321", false),
                simple(
                        "VRFY",
                        "Verify.",
                        "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery",
                        false),
                simple("EXPN", "Expand.", "502 5.5.1 EXPN is not supported", false));
    }

    /** A path and its parameters from {@code MAIL FROM:<path> params} or {@code RCPT TO:<path> params}. */
    record PathAndParams(String path, List<String> params) {}

    /**
     * Splits the argument of MAIL/RCPT after {@code prefix} ("FROM:" or "TO:"); null when the
     * prefix is missing. The path is what is inside the angle brackets (a quoted local part may
     * contain {@code >}), or, without brackets, the first word.
     */
    static PathAndParams split(String args, String prefix) {
        if (!args.regionMatches(true, 0, prefix, 0, prefix.length())) return null;
        String rest = args.substring(prefix.length()).stripLeading();
        String path;
        String tail;
        if (rest.startsWith("<")) {
            int end = -1;
            boolean quoted = false;
            for (int i = 1; i < rest.length(); i++) {
                char c = rest.charAt(i);
                if (c == '\\' && quoted) i++;
                else if (c == '"') quoted = !quoted;
                else if (c == '>' && !quoted) {
                    end = i;
                    break;
                }
            }
            if (end < 0) return null;
            path = rest.substring(1, end);
            tail = rest.substring(end + 1);
        } else {
            int sp = rest.indexOf(' ');
            path = sp < 0 ? rest : rest.substring(0, sp);
            tail = sp < 0 ? "" : rest.substring(sp);
        }
        return new PathAndParams(path, words(tail.trim()));
    }

    /** The runs of non-space characters of {@code s} ({@code s.split(" +")} without its empty strings). */
    static List<String> words(String s) {
        if (s.isEmpty()) return List.of();
        List<String> words = new ArrayList<>(2);
        int n = s.length();
        for (int i = 0; i < n; ) {
            while (i < n && s.charAt(i) == ' ') i++;
            int start = i;
            while (i < n && s.charAt(i) != ' ') i++;
            if (i > start) words.add(s.substring(start, i));
        }
        return words;
    }

    private static String arguments(String commandString) {
        return commandString.length() <= 4 ? "" : commandString.substring(4).trim();
    }

    static final class Helo extends BaseCommand {
        Helo() {
            super("HELO", "Introduce yourself.", "<hostname>");
        }

        @Override
        public void execute(String commandString, Session sess) throws IOException {
            String[] args = getArgs(commandString);
            if (args.length < 2) {
                sess.sendResponse("501 5.5.4 Syntax: HELO hostname");
                return;
            }
            sess.resetMailTransaction();
            sess.setHelo(Replies.heloName(args[1]));
            sess.sendResponse("250 " + sess.getServer().getHostName());
        }
    }

    static final class Mail extends BaseCommand {
        Mail() {
            super("MAIL", "Specifies the sender.", "FROM: <sender> [ <parameters> ]");
        }

        @Override
        public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
            if (sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: nested MAIL command");
                return;
            }
            PathAndParams pp = split(arguments(commandString), "FROM:");
            if (pp == null) {
                sess.sendResponse("501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
                return;
            }
            long size = 0;
            for (String p : pp.params()) {
                int eq = p.indexOf('=');
                String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
                String value = eq < 0 ? null : p.substring(eq + 1);
                switch (key) {
                    case "SIZE" -> {
                        if (value == null || !value.matches("[0-9]{1,18}")) {
                            sess.sendResponse("501 5.5.4 Bad SIZE parameter: " + Replies.excerpt(p));
                            return;
                        }
                        size = Long.parseLong(value);
                    }
                    case "BODY" -> {
                        if (value == null || !(value.equalsIgnoreCase("7BIT") || value.equalsIgnoreCase("8BITMIME"))) {
                            sess.sendResponse("501 5.5.4 Bad BODY parameter: " + Replies.excerpt(p));
                            return;
                        }
                    }
                    case "SMTPUTF8" -> {
                        if (value != null) {
                            sess.sendResponse("501 5.5.4 SMTPUTF8 takes no value");
                            return;
                        }
                    }
                    case "AUTH" -> {
                        // RFC 4954 5: the submitter's identity as the client claims it; not trusted, not used
                    }
                    default -> {
                        sess.sendResponse("555 5.5.4 Unsupported MAIL parameter: " + Replies.excerpt(p));
                        return;
                    }
                }
            }
            if (size > sess.getServer().getMaxMessageSize()) {
                sess.sendResponse("552 5.3.4 Message size exceeds fixed limit");
                return;
            }
            sess.setDeclaredMessageSize((int) size);
            sess.startMailTransaction();
            try {
                sess.getMessageHandler().from(pp.path());
            } catch (DropConnectionException e) {
                sess.resetMailTransaction();
                throw e;
            } catch (RejectException e) {
                sess.resetMailTransaction();
                sess.sendResponse(e.getErrorResponse());
                return;
            }
            sess.sendResponse("250 2.1.0 Ok");
        }
    }

    static final class Rcpt extends BaseCommand {
        Rcpt() {
            super("RCPT", "Specifies the recipient. Can be used any number of times.", "TO: <recipient>");
        }

        @Override
        public void execute(String commandString, Session sess) throws IOException, DropConnectionException {
            if (!sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: need MAIL command");
                return;
            }
            PathAndParams pp = split(arguments(commandString), "TO:");
            if (pp == null) {
                sess.sendResponse("501 5.5.4 Syntax: RCPT TO:<address>");
                return;
            }
            if (!pp.params().isEmpty()) {
                sess.sendResponse("555 5.5.4 Unsupported RCPT parameter: "
                        + Replies.excerpt(pp.params().get(0)));
                return;
            }
            if (sess.getServer().getMaxRecipients() >= 0
                    && sess.getRecipientCount() >= sess.getServer().getMaxRecipients()) {
                sess.sendResponse("452 4.5.3 Too many recipients");
                return;
            }
            try {
                sess.getMessageHandler().recipient(pp.path());
            } catch (DropConnectionException e) {
                throw e;
            } catch (RejectException e) {
                sess.sendResponse(e.getErrorResponse());
                return;
            }
            sess.addRecipient(pp.path());
            sess.sendResponse("250 2.1.5 Ok");
        }
    }

    static final class Quit extends BaseCommand {
        Quit() {
            super("QUIT", "Exit the SMTP session.");
        }

        @Override
        public void execute(String commandString, Session sess) throws IOException {
            sess.sendResponse("221 2.0.0 Bye");
            sess.quit();
        }
    }

    private static Command simple(String name, String help, String reply, boolean reset) {
        return new BaseCommand(name, help) {
            @Override
            public void execute(String commandString, Session sess) throws IOException {
                if (reset) sess.resetMailTransaction();
                sess.sendResponse(reply);
            }
        };
    }
}
