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
 * Exim ({@code deliver.c}): "Mail delivery failed" from "Mail Delivery System", each failed address
 * on a line indented by two spaces followed by its error, an {@code X-Failed-Recipients} header, and
 * the SMTP command in "SMTP error from remote mail server after RCPT TO:". Exim's own fixed messages
 * (router and transport errors, the retry notices) name their reason.
 */
final class EximLhost implements Lhost {
    private static final Pattern EXIM_ID = Pattern.compile("^<\\w{6}-\\w{6,11}-\\w{2,4}@");
    private static final Pattern SUBJECT = Pattern.compile(
            "(?i)mail delivery failed|warning: message \\S+ delayed|delivery status notification|mail failure|message frozen|error\\(s\\) in forwarding or filtering");
    private static final Pattern START =
            Pattern.compile("(?i)^(?:this message was created automatically by mail delivery software"
                    + "|a message that you sent (?:was rejected|contained one or more recipient addresses|could not be delivered)"
                    + "|message \\S+ (?:has been frozen|was frozen on arrival)"
                    + "|the \\S+ router encountered the following error)");
    private static final Pattern RECIPIENT = Pattern.compile("^[ \\t]{2}([^ \\t]+@[^ \\t]+\\.?[a-zA-Z]+)(:.*)?$");
    private static final Pattern MALFORMED =
            Pattern.compile("^[ \\t]{2}[^ \\t]+@[^ \\t]+\\.[a-zA-Z]+ <([^<>]+@[^<>]+)>:.+$");
    private static final Pattern COMMAND = Pattern.compile(
            "(?i)(?:smtp error from remote (?:mail server|mailer) after (?:end of )?|lmtp error after (?:end of )?)([a-z]{4})");
    private static final Pattern HOST = Pattern.compile("host[ \\t]+([^ \\t]+)[ \\t]\\[[^\\]]+\\]:[ \\t]");

    /** Exim's own messages (exim/src: route.c, routers/dnslookup.c, transports/*.c, parser.c, deliver.c). */
    private static final Map<Reason, List<String>> MESSAGES = Facts.table(
            Reason.USERUNKNOWN, List.of("user not found"),
            Reason.HOSTUNKNOWN,
                    List.of(
                            "all host address lookups failed permanently",
                            "all relevant mx records point to non-existent hosts",
                            "unrouteable address"),
            Reason.MAILBOXFULL, List.of("mailbox is full", "error: quota exceed"),
            Reason.NOTACCEPT,
                    List.of(
                            "an mx or srv record indicated no smtp service",
                            "no host found for existing smtp connection"),
            Reason.SYNTAXERROR,
                    List.of(
                            "angle-brackets nested too deep",
                            "expected word or \"<\"",
                            "domain missing in source-routed address",
                            "malformed address:"),
            Reason.SYSTEMERROR,
                    List.of(
                            "delivery to file forbidden",
                            "delivery to pipe forbidden",
                            "local delivery failed",
                            "lmtp error after "),
            Reason.CONTENTERROR, List.of("too many \"received\" headers"));
    /** Exim's retry and freeze notices (retry.c, deliver.c, smtp.c, receive.c). */
    private static final List<String> DELAYED = List.of(
            "retry timeout exceeded",
            "no action is required on your part",
            "retry time not reached for any host after a long failure period",
            "all hosts have been failing for a long time and were last tried",
            "delay reason: ",
            "has been frozen",
            "was frozen on arrival by ");

    @Override
    public String family() {
        return "exim";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        if (mail.from().toLowerCase(Locale.ROOT).contains(".mail.ru")) {
            return false; // Mail.ru runs Exim with its own report format
        }
        int score = 0;
        if (mail.from().startsWith("Mail Delivery System")) {
            score++;
        }
        if (EXIM_ID.matcher(mail.header("Message-Id").strip()).find()) {
            score++;
        }
        if (SUBJECT.matcher(mail.subject()).find()) {
            score++;
        }
        return score >= 2;
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<Decoded> dsn = Facts.dsnRecipients(mail.deliveryStatus());
        List<String[]> found = new ArrayList<>(); // recipient, text
        boolean reading = false;
        StringBuilder current = null;
        StringBuilder report = new StringBuilder();
        for (String line : Facts.lines(mail.errorText())) {
            if (!reading) {
                if (START.matcher(line.strip()).find()) {
                    reading = true;
                }
                continue;
            }
            report.append(line).append('\n');
            if (line.isBlank()) {
                continue;
            }
            Matcher m = MALFORMED.matcher(line);
            Matcher r = RECIPIENT.matcher(line);
            if (m.matches() || r.matches() || line.strip().equals("an undisclosed address")) {
                String address;
                if (m.matches()) {
                    address = m.group(1);
                    current = new StringBuilder(line.strip());
                } else if (r.matches()) {
                    address = r.group(1);
                    current = new StringBuilder(
                            r.group(2) == null ? "" : r.group(2).substring(1).strip());
                } else {
                    address = "";
                    current = new StringBuilder();
                }
                found.add(new String[] {Addresses.clean(address), current.toString()});
                continue;
            }
            String strip = line.strip();
            if (!found.isEmpty() && (strip.startsWith("(generated from ") || strip.startsWith("generated by "))) {
                String alias = Addresses.first(strip);
                if (alias != null && !found.getLast()[0].contains("@")) {
                    found.getLast()[0] = alias;
                }
                continue;
            }
            if (current != null && (line.startsWith(" ") || line.startsWith("\t"))) {
                current.append(' ').append(strip);
                found.getLast()[1] = current.toString();
            } else if (current != null) {
                current = null; // the list of addresses has ended
            }
        }
        List<String> failed = new ArrayList<>();
        for (String a : mail.header("X-Failed-Recipients").split(",")) {
            String clean = Addresses.first(a);
            if (clean != null) {
                failed.add(clean);
            }
        }
        List<String> recipients = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < found.size(); i++) {
            String[] f = found.get(i);
            String a = f[0].contains("@") ? Addresses.first(f[0]) : (i < failed.size() ? failed.get(i) : null);
            if (a != null) {
                recipients.add(a);
                texts.add(f[1]);
            }
        }
        String whole = Facts.sweep(report.toString());
        if (recipients.isEmpty() && reading) {
            for (String a : failed) {
                recipients.add(a);
                texts.add(whole);
            }
        }
        if (recipients.isEmpty() && reading) {
            for (Decoded d : dsn) {
                recipients.add(d.recipient());
                texts.add("");
            }
        }
        boolean delayedNotice = mail.subject().toLowerCase(Locale.ROOT).startsWith("warning:");
        List<Decoded> out = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            String address = recipients.get(i);
            Decoded fields = Facts.forAddress(dsn, address);
            String diag = Facts.sweep(texts.get(i));
            if (fields != null && !fields.diagnostic().isBlank() && !diag.contains(fields.diagnostic())) {
                diag = diag.isEmpty() ? fields.diagnostic() : diag + " " + fields.diagnostic();
            }
            String command = null;
            Matcher c = COMMAND.matcher(diag);
            if (c.find()) {
                command = c.group(1).toUpperCase(Locale.ROOT);
            }
            String host = fields == null ? "" : fields.remoteHost();
            Matcher h = HOST.matcher(diag);
            if (host.isEmpty() && h.find()) {
                host = h.group(1).toLowerCase(Locale.ROOT);
            }
            // a refusal at HELO/EHLO or MAIL is read from the command by the classifier; Exim's own
            // messages only explain failures of its routers and transports
            Reason reason = null;
            if (!"HELO".equals(command) && !"EHLO".equals(command) && !"MAIL".equals(command)) {
                reason = Facts.messageReason(diag, MESSAGES);
                if (reason == null && containsAny(diag, DELAYED)) {
                    reason = Reason.EXPIRED;
                }
            }
            String action = fields == null ? (delayedNotice ? "delayed" : "failed") : fields.action();
            out.add(new Decoded(
                    address,
                    action,
                    fields == null ? null : fields.status(),
                    diag,
                    command,
                    host,
                    fields == null ? "" : fields.diagnosticType(),
                    reason));
        }
        return out;
    }

    private static boolean containsAny(String text, List<String> phrases) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (String p : phrases) {
            if (lower.contains(p)) {
                return true;
            }
        }
        return false;
    }
}
