package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postfix ({@code bounce_notify_util.c}): "Undelivered Mail Returned to Sender" / "Delayed Mail", a
 * report "This is the mail system at host ..." with one paragraph per recipient ({@code <addr>: host
 * mx[ip] said: reply (in reply to RCPT TO command)}), usually followed by a delivery-status part. The
 * paragraph names the refused command and the remote host; the delivery-status fields give the codes.
 */
final class PostfixLhost implements Lhost {
    private static final Pattern SUBJECT = Pattern.compile(
            "(?i)^(?:undelivered mail returned to sender|delayed mail \\(still being retried\\)|undeliverable mail|mail delivery status report|successful mail delivery report)");
    private static final Pattern PARAGRAPH =
            Pattern.compile("^<([^<>\\s]+@[^<>\\s]+|[^<>\\s]+)>(?: \\(expanded from <[^>]*>\\))?:\\s*(.*)$");
    private static final Pattern COMMAND = Pattern.compile(
            "(?i)\\(in reply to (?:the )?(rcpt to|mail from|end of data|data|helo|ehlo|lhlo|starttls|quit)(?: command)?\\)");
    private static final Pattern CONNECT = Pattern.compile("(?i)\\bconnect to \\S+");
    private static final Pattern HOST_SAID = Pattern.compile("(?i)\\bhost ([a-z0-9.-]+)\\[[^\\]]*\\] said:");

    @Override
    public String family() {
        return "postfix";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        if (SUBJECT.matcher(mail.subject()).find()) {
            return true;
        }
        String text = mail.errorText();
        return text.contains("This is the mail system at host ")
                || text.contains("This is the Postfix program at host ");
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<Decoded> dsn = Facts.dsnRecipients(mail.deliveryStatus());
        if (dsn.isEmpty() && mail.errorText().contains("Final-Recipient:")) {
            dsn = Facts.dsnRecipients(mail.errorText());
        }
        Map<String, String> paragraphs = paragraphs(mail.errorText());
        List<Decoded> out = new ArrayList<>();
        if (dsn.isEmpty()) {
            for (Map.Entry<String, String> p : paragraphs.entrySet()) {
                if (p.getKey().contains("@")) {
                    dsn.add(new Decoded(p.getKey(), "failed", null, "", null, "", "", null));
                }
            }
        }
        for (Decoded d : dsn) {
            String paragraph = paragraphs.getOrDefault(Addresses.key(d.recipient()), "");
            String diag = d.diagnostic();
            if (diag.isBlank() || paragraph.length() > diag.length() && paragraph.contains(diag)) {
                diag = paragraph.isBlank() ? diag : paragraph;
            }
            String command = null;
            Matcher c = COMMAND.matcher(paragraph);
            if (c.find() || (c = COMMAND.matcher(diag)).find()) {
                command = switch (c.group(1).toLowerCase(Locale.ROOT)) {
                    case "rcpt to" -> "RCPT";
                    case "mail from" -> "MAIL";
                    case "end of data", "data" -> "DATA";
                    case "helo" -> "HELO";
                    case "ehlo", "lhlo" -> "EHLO";
                    case "starttls" -> "STARTTLS";
                    default -> "QUIT";
                };
            } else if (CONNECT.matcher(paragraph).find()) {
                command = "CONN";
            }
            String host = d.remoteHost();
            Matcher h = HOST_SAID.matcher(paragraph);
            if (host.isEmpty() && h.find()) {
                host = h.group(1).toLowerCase(Locale.ROOT);
            }
            out.add(new Decoded(d.recipient(), d.action(), d.status(), diag, command, host, d.diagnosticType(), null));
        }
        return out;
    }

    /** Per recipient (lower-case): its paragraph of the report, joined into one line. */
    static Map<String, String> paragraphs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String key = null;
        StringBuilder sb = null;
        for (String line : Facts.lines(text)) {
            Matcher m = PARAGRAPH.matcher(line);
            if (m.matches()) {
                flush(out, key, sb);
                key = Addresses.key(m.group(1));
                sb = new StringBuilder(m.group(2));
                continue;
            }
            if (sb == null) {
                continue;
            }
            if (line.isBlank()) {
                flush(out, key, sb);
                key = null;
                sb = null;
            } else {
                sb.append(' ').append(line.strip());
            }
        }
        flush(out, key, sb);
        return out;
    }

    private static void flush(Map<String, String> out, String key, StringBuilder sb) {
        if (key != null && sb != null && sb.length() > 0) {
            out.putIfAbsent(key, Facts.sweep(sb.toString()));
        }
    }
}
