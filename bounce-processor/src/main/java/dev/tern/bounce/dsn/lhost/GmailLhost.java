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
 * Gmail's own "Delivery Status Notification" reports (from {@code mailer-daemon@googlemail.com}): the
 * recipient indented under "Delivery to the following recipient failed permanently:" (or "has been
 * delayed"), then "Technical details of ... failure:" with the remote reply and Gmail's SMTP client
 * state {@code (state N)}, which tells at which step of the session the reply came.
 */
final class GmailLhost implements Lhost {
    private static final Pattern STATE = Pattern.compile("\\(state (\\d+)\\)");
    private static final Pattern BY_HOST =
            Pattern.compile(" by ([a-z0-9.-]+)\\. \\[[0-9a-f.:]+\\]\\.", Pattern.CASE_INSENSITIVE);

    /** Gmail's SMTP client states: the command the reply answered, and the reason that step means. */
    private static final Map<String, Object[]> STATES = Map.of(
            "6", new Object[] {"MAIL", Reason.SYSTEMERROR},
            "8", new Object[] {"AUTH", Reason.SYSTEMERROR},
            "9", new Object[] {"AUTH", Reason.SYSTEMERROR},
            "12", new Object[] {"AUTH", Reason.NORELAYING},
            "13", new Object[] {"EHLO", Reason.BLOCKED},
            "14", new Object[] {"RCPT", Reason.USERUNKNOWN},
            "15", new Object[] {"DATA", Reason.FILTERED},
            "17", new Object[] {"DATA", Reason.FILTERED},
            "18", new Object[] {"DATA", Reason.FILTERED});
    /** Gmail's own messages. */
    private static final Map<Reason, List<String>> MESSAGES = Facts.table(
            Reason.EXPIRED,
                    List.of(
                            "dns error: could not contact dns servers",
                            "delivery to the following recipient has been delayed",
                            "the recipient server did not accept our requests to connect"),
            Reason.HOSTUNKNOWN,
                    List.of("dns error: domain name not found", "dns error: dns server returned answer with no data"));

    @Override
    public String family() {
        return "gmail";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        return mail.from().toLowerCase(Locale.ROOT).contains("<mailer-daemon@googlemail.com>")
                && mail.subject().contains("Delivery Status Notification");
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<String> recipients = new ArrayList<>();
        List<StringBuilder> texts = new ArrayList<>();
        boolean reading = false;
        StringBuilder head = new StringBuilder();
        for (String line : Facts.lines(mail.errorText())) {
            if (!reading) {
                reading = line.startsWith("Delivery to the following recipient");
                if (!reading) {
                    continue;
                }
            }
            if (line.isBlank()) {
                continue;
            }
            String a = line.startsWith(" ") && line.indexOf('@') > 0
                    ? Addresses.first(line.substring(line.strip().isEmpty() ? 0 : line.lastIndexOf(' ') + 1))
                    : null;
            if (a != null) {
                recipients.add(a);
                texts.add(new StringBuilder(head));
            } else if (recipients.isEmpty()) {
                head.append(line.strip()).append(' ');
            } else {
                texts.getLast().append(line.strip()).append(' ');
            }
        }
        List<Decoded> out = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            String diag = Facts.sweep(texts.get(i).toString());
            String command = null;
            Reason reason = null;
            Matcher s = STATE.matcher(diag);
            String state = null;
            while (s.find()) {
                state = s.group(1);
            }
            if (state != null && STATES.containsKey(state)) {
                command = (String) STATES.get(state)[0];
                reason = (Reason) STATES.get(state)[1];
            }
            if (reason == null) {
                reason = Facts.messageReason(diag, MESSAGES);
            }
            String status = Facts.firstStatus(diag);
            if (status != null && !status.substring(1).contains(".0")) {
                reason = null; // a specific enhanced status code says more than the session step
            }
            String host = "";
            Matcher h = BY_HOST.matcher(diag);
            if (h.find()) {
                host = h.group(1).toLowerCase(Locale.ROOT);
            }
            String action = diag.toLowerCase(Locale.ROOT).contains("has been delayed") ? "delayed" : "failed";
            out.add(new Decoded(
                    recipients.get(i),
                    action,
                    status,
                    diag,
                    "AUTH".equals(command) ? null : command,
                    host,
                    "",
                    reason));
        }
        return out;
    }
}
