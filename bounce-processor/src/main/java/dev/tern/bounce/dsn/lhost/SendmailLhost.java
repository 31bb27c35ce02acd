package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * V8 Sendmail ({@code savemail.c}): "Returned mail: see transcript for details" from "Mail Delivery
 * Subsystem", a session transcript ({@code >>> COMMAND}, {@code <<< reply}) and RFC 3464 fields, which
 * some relays leave as plain text in the body. The transcript names the refused command; the remote
 * replies, when longer, say more than the Diagnostic-Code.
 */
final class SendmailLhost implements Lhost {
    private static final Pattern SENT = Pattern.compile("^>>> ?([A-Za-z]{4})\\b");
    private static final Pattern RECEIVED = Pattern.compile("^<<< ?(.+)$");
    private static final Pattern RECIPIENT_SAYS = Pattern.compile("^<([^<>\\s]+@[^<>\\s]+)>\\.{3} ?(.+)$");
    private static final Pattern STATUS_LINE = Pattern.compile("^[45]\\d\\d[ \\t]([45]\\.\\d{1,3}\\.\\d{1,3})[ \\t].+");
    private static final Pattern FAILED_LIST =
            Pattern.compile("(?i)^\\s*-+ ?the following addresses? had (?:permanent )?(?:fatal|delivery) errors ?-+");

    @Override
    public String family() {
        return "sendmail";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        String subject = mail.subject();
        String lower = subject.toLowerCase(Locale.ROOT);
        if (!(lower.endsWith("see transcript for details") || subject.startsWith("Warning: "))) {
            return false;
        }
        return lower.startsWith("fwd:")
                || lower.startsWith("fw:")
                || mail.from().contains("Mail Delivery Subsystem");
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        String text = mail.reportAndStatus();
        List<Decoded> dsn = Facts.dsnRecipients(text);
        String command = null;
        Set<String> replies = new LinkedHashSet<>();
        String otherDiag = "";
        String otherStatus = null;
        String otherRecipient = null;
        List<String> listed = new ArrayList<>();
        boolean inList = false;
        for (String line : Facts.lines(text)) {
            Matcher m;
            if (FAILED_LIST.matcher(line).find()) {
                inList = true;
                continue;
            }
            if (inList) {
                String a = line.strip().startsWith("<") ? Addresses.first(line) : null;
                if (a != null) {
                    listed.add(a);
                    continue;
                }
                if (line.isBlank() || line.strip().startsWith("-")) {
                    inList = !listed.isEmpty() ? false : inList;
                }
            }
            if ((m = SENT.matcher(line)).find()) {
                command = m.group(1).toUpperCase(Locale.ROOT);
            } else if ((m = RECEIVED.matcher(line)).find()) {
                if (replies.size() < 16) {
                    replies.add(m.group(1).strip());
                }
            } else if ((m = RECIPIENT_SAYS.matcher(line)).find()) {
                otherRecipient = m.group(1);
                otherDiag = m.group(2);
            } else if ((m = STATUS_LINE.matcher(line)).find()) {
                otherStatus = m.group(1);
                otherDiag = (otherDiag + " " + line).strip();
            }
        }
        String transcript = String.join(" ", replies);
        List<Decoded> out = new ArrayList<>();
        if (dsn.isEmpty()) {
            for (String a : listed) {
                dsn.add(new Decoded(a, "failed", null, "", null, "", "", null));
            }
            if (dsn.isEmpty() && otherRecipient != null) {
                dsn.add(new Decoded(otherRecipient, "", null, "", null, "", "", null));
            }
        }
        for (Decoded d : dsn) {
            String diag = d.diagnostic();
            if (diag.isBlank() || diag.strip().matches("\\d+")) {
                diag = otherDiag.isBlank() ? diag : otherDiag;
            }
            if (transcript.length() > diag.length()) {
                diag = transcript;
            }
            String status = d.status();
            if (status == null && otherStatus != null) {
                status = otherStatus;
            }
            String cmd = command != null ? command : (replies.isEmpty() ? null : "EHLO");
            out.add(new Decoded(
                    d.recipient(),
                    d.action(),
                    status,
                    Facts.sweep(diag),
                    cmd,
                    d.remoteHost(),
                    d.diagnosticType(),
                    null));
        }
        return out;
    }
}
