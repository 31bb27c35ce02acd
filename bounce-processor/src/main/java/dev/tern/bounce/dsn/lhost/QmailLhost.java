package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.Reason;
import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * qmail ({@code qmail-send.c}, {@code qmail-remote.c}): "failure notice", "Hi. This is the qmail-send
 * program at ...", then per recipient {@code <addr>:} and qmail-remote's account of the session
 * ("Connected to X but sender was rejected.", "X does not like recipient.", "Remote host said: ...").
 * Those fixed sentences name the refused command; qmail's own error strings name their reason.
 */
final class QmailLhost implements Lhost {
    private static final Pattern RECIPIENT = Pattern.compile("^<([^<>\\s]+@[^<>\\s]+)>:?\\s*(.*)$");
    private static final Pattern HOST =
            Pattern.compile("(?:Giving up on |Connected to |remote host )([^ ]+?)\\.?(?: |$)");

    /** qmail-remote.c: the fixed sentence after which command the session failed. */
    private static final Map<String, List<String>> COMMANDS = Map.of(
            "CONN", List.of(" but greeting failed."),
            "EHLO", List.of(" but my name was rejected."),
            "MAIL", List.of(" but sender was rejected."),
            "RCPT", List.of(" does not like recipient."),
            "DATA", List.of(" failed on data command", " failed after i sent the message"));
    /** qmail's own error strings (qmail-local.c, qmail-remote.c, error_str.c, qmail-smtpd.c, qmail-ldap). */
    private static final Map<Reason, List<String>> MESSAGES = Facts.table(
            Reason.USERUNKNOWN, List.of("no mailbox here by that name", "does not like recipient."),
            Reason.MAILBOXFULL, List.of("disk quota exceeded"),
            Reason.MESGTOOBIG, List.of("message size exceeds fixed maximum message size:"),
            Reason.HOSTUNKNOWN, List.of("sorry, i couldn't find any host "),
            Reason.SYSTEMFULL, List.of("requested action not taken: mailbox unavailable (not enough free space)"),
            Reason.SYSTEMERROR, List.of("bad interpreter: no such file or directory", "system error", "unable to"),
            Reason.NETWORKERROR,
                    List.of(
                            "sorry, i wasn't able to establish an smtp connection",
                            "sorry, i couldn't find a mail exchanger or ip address",
                            "sorry. although i'm listed as a best-preference mx or a for that host"),
            Reason.SUSPEND,
                    List.of("mailaddress is administratively disabled", "mailaddress is administrativley disabled"),
            Reason.EXCEEDLIMIT, List.of("the message exeeded the maximum size the user accepts"));

    @Override
    public String family() {
        return "qmail";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        if (!mail.errorText().contains("This is the qmail")) {
            return false;
        }
        if (mail.subject().equalsIgnoreCase("failure notice")) {
            return true;
        }
        for (String r : mail.headers("Received")) {
            if (r.contains("(qmail ") && (r.contains("invoked for bounce") || r.contains("invoked from network"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<String> recipients = new ArrayList<>();
        List<StringBuilder> texts = new ArrayList<>();
        List<String> remoteSaid = new ArrayList<>();
        boolean reading = false;
        for (String line : Facts.lines(mail.errorText())) {
            if (!reading) {
                reading = line.startsWith("Hi. This is the qmail");
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            Matcher m = RECIPIENT.matcher(line.strip());
            if (m.matches()) {
                recipients.add(Addresses.clean(m.group(1)));
                texts.add(new StringBuilder(m.group(2)));
                remoteSaid.add("");
                continue;
            }
            if (recipients.isEmpty()) {
                continue;
            }
            texts.getLast().append(' ').append(line.strip());
            if (line.strip().startsWith("Remote host said:")) {
                remoteSaid.set(remoteSaid.size() - 1, line.strip());
            }
        }
        List<Decoded> out = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            String diag = Facts.sweep(texts.get(i).toString());
            String lower = diag.toLowerCase(Locale.ROOT);
            String command = null;
            for (Map.Entry<String, List<String>> c : COMMANDS.entrySet()) {
                for (String phrase : c.getValue()) {
                    if (lower.indexOf(phrase) > 0) {
                        command = c.getKey();
                    }
                }
            }
            // a refusal of MAIL or EHLO is read from the command by the classifier (RFC 5321 reply classes)
            Reason reason = null;
            if (!"MAIL".equals(command)
                    && !"EHLO".equals(command)
                    && !(lower.contains(" does not like recipient.")
                            && lower.contains("this message has been in the queue too long."))) {
                if (!remoteSaid.get(i).isEmpty()) {
                    reason = Facts.messageReason(remoteSaid.get(i), MESSAGES);
                }
                if (reason == null) {
                    reason = Facts.messageReason(diag, MESSAGES);
                }
                if (reason == null && lower.contains("this message has been in the queue too long.")) {
                    reason = Reason.EXPIRED;
                }
            }
            String host = "";
            Matcher h = HOST.matcher(diag);
            if (h.find()) {
                host = h.group(1).toLowerCase(Locale.ROOT);
            }
            out.add(new Decoded(recipients.get(i), "failed", Facts.firstStatus(diag), diag, command, host, "", reason));
        }
        return out;
    }
}
