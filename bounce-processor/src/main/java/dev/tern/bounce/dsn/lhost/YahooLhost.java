package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Yahoo! Mail's "Failure Notice": "Sorry, we were unable to deliver your message to the following
 * address.", then {@code <addr>:}, "Remote host said: ..." and the refused command in brackets
 * ({@code [RCPT_TO]}, {@code [MAIL_FROM]}, {@code [DATA]}).
 */
final class YahooLhost implements Lhost {
    private static final Pattern RECIPIENT = Pattern.compile("^<([^<>\\s]+@[^<>\\s]+)>:\\s*(.*)$");
    private static final Pattern COMMAND = Pattern.compile("\\[(RCPT_TO|MAIL_FROM|DATA|HELO|EHLO)\\]");

    @Override
    public String family() {
        return "yahoo";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        if (!mail.subject().toLowerCase(Locale.ROOT).startsWith("failure notice")) {
            return false;
        }
        return mail.root().header("X-YMailISG") != null
                || mail.from().toLowerCase(Locale.ROOT).contains("@yahoo")
                || mail.errorText().contains("Sorry, we were unable to deliver your message to the following address.");
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<String> recipients = new ArrayList<>();
        List<StringBuilder> texts = new ArrayList<>();
        boolean reading = false;
        for (String line : Facts.lines(mail.errorText())) {
            if (!reading) {
                reading = line.startsWith("Sorry, we were unable to deliver your message");
                continue;
            }
            if (line.startsWith("--- Below this line is a copy of the message.")) {
                break;
            }
            Matcher m = RECIPIENT.matcher(line.strip());
            if (m.matches()) {
                recipients.add(Addresses.clean(m.group(1)));
                texts.add(new StringBuilder(m.group(2)));
            } else if (!recipients.isEmpty() && !line.isBlank()) {
                texts.getLast().append(' ').append(line.strip());
            }
        }
        List<Decoded> out = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            String diag = Facts.sweep(texts.get(i).toString());
            Matcher c = COMMAND.matcher(diag);
            String command = null;
            if (c.find()) {
                command = switch (c.group(1)) {
                    case "RCPT_TO" -> "RCPT";
                    case "MAIL_FROM" -> "MAIL";
                    default -> c.group(1);
                };
            }
            out.add(new Decoded(recipients.get(i), "failed", Facts.firstStatus(diag), diag, command, "", "", null));
        }
        return out;
    }
}
