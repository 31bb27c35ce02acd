package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sendmail 5 and other pre-RFC 3464 Sendmails: "Returned mail: ..." with only a session transcript,
 * one block per remote host ("While talking to HOST:", {@code >>> COMMAND}, {@code <<< reply}), and one
 * line per failed recipient ({@code 550 <addr>... reason}). The reply the host gave, and the command it
 * answered, belong to the first recipient reported after it.
 */
final class V5SendmailLhost implements Lhost {
    private static final Pattern SESSION = Pattern.compile("^\\.{0,3} ?[Ww]hile talking to ([^:\\s]+):?");
    private static final Pattern SENT = Pattern.compile("^>>> ?([A-Za-z]{4})\\b");
    private static final Pattern RECEIVED = Pattern.compile("^<<< ?(.+)$");
    private static final Pattern RECIPIENT = Pattern.compile("^\\d{3}\\s+<([^<>\\s]+@[^<>\\s]+)>\\.{3}\\s*(.+)$");

    @Override
    public String family() {
        return "v5sendmail";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        return mail.deliveryStatus() == null
                && mail.subject().startsWith("Returned mail: ")
                && mail.humanText().contains("----- Transcript of session follows -----")
                && mail.humanText().contains("-- Unsent message follows --");
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<Decoded> out = new ArrayList<>();
        String host = "";
        String command = null;
        StringBuilder replies = new StringBuilder();
        boolean reading = false;
        for (String line : Facts.lines(mail.humanText())) {
            if (!reading) {
                reading = line.contains("----- Transcript of session follows -----");
                continue;
            }
            if (line.contains("-- Unsent message follows --")) {
                break;
            }
            String s = line.strip();
            Matcher m;
            if ((m = SESSION.matcher(s)).find()) {
                host = m.group(1).toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
                command = null;
                replies.setLength(0);
            } else if ((m = SENT.matcher(s)).find()) {
                command = m.group(1).toUpperCase(Locale.ROOT);
            } else if ((m = RECEIVED.matcher(s)).find()) {
                replies.append(m.group(1)).append(' ');
            } else if ((m = RECIPIENT.matcher(s)).find()) {
                String a = Addresses.first(m.group(1));
                if (a == null) {
                    continue;
                }
                // the remote reply and the command belong to the first recipient after them; a later line
                // of the same block is Sendmail's own verdict (a DNS failure, a deferral), not a reply
                String cmd = replies.isEmpty() ? null : command;
                String diag = Facts.sweep(replies + s);
                replies.setLength(0);
                out.add(new Decoded(a, "failed", Facts.firstStatus(diag), diag, cmd, host, "", null));
            }
        }
        return out;
    }
}
