package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.Reason;
import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trend Micro InterScan Messaging Security Suite / Email and Collaboration Security: "Mail could not be
 * delivered" from "InterScan MSS", a short transcript ({@code Sent <<< RCPT TO:<addr>}, {@code Received
 * >>> 550 ...}) or "Unable to deliver message to <addr>", InterScan's own wording for a recipient its
 * next hop did not take (an unknown user, as sisimai's decoder reads it).
 */
final class TrendMicroLhost implements Lhost {
    private static final List<String> SUBJECTS =
            List.of("Mail could not be delivered", "メッセージを配信できません。", "メール配信に失敗しました");

    @Override
    public String family() {
        return "trendmicro";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        String from = mail.from();
        return from.startsWith("\"InterScan MSS\"")
                || from.startsWith("InterScan MSS")
                || from.startsWith("\"InterScan Notification\"")
                || from.startsWith("InterScan Notification")
                || SUBJECTS.contains(mail.subject());
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<String> recipients = new ArrayList<>();
        List<String> diags = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        for (String line : Facts.lines(mail.errorText())) {
            if (line.isBlank()) {
                continue;
            }
            int sent = line.indexOf(" <<< ");
            int received = line.indexOf(" >>> ");
            boolean unable = line.contains("Unable to deliver ");
            if (line.indexOf('@') > 1 && line.indexOf(" <") > 1 && (sent > 1 || received > 1 || unable)) {
                int lt = line.lastIndexOf('<');
                int gt = line.lastIndexOf('>');
                String a = gt > lt ? Addresses.first(line.substring(lt + 1, gt)) : null;
                if (a != null && (recipients.isEmpty() || !recipients.getLast().equalsIgnoreCase(a))) {
                    recipients.add(a);
                    diags.add("");
                    commands.add(null);
                }
                if (unable && !recipients.isEmpty()) {
                    diags.set(diags.size() - 1, line.strip());
                }
            }
            if (recipients.isEmpty()) {
                continue;
            }
            String s = line.strip();
            if (s.startsWith("Sent <<< ")) {
                String cmd = s.substring(9).toUpperCase(Locale.ROOT);
                commands.set(
                        commands.size() - 1,
                        cmd.startsWith("RCPT")
                                ? "RCPT"
                                : cmd.startsWith("MAIL") ? "MAIL" : cmd.startsWith("DATA") ? "DATA" : null);
            } else if (s.startsWith("Received >>> ")) {
                diags.set(diags.size() - 1, s.substring(13));
            }
        }
        List<Decoded> out = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            String diag = diags.get(i);
            Reason r = diag.contains("Unable to deliver") ? Reason.USERUNKNOWN : null;
            out.add(new Decoded(
                    recipients.get(i), "failed", Facts.firstStatus(diag), diag, commands.get(i), "", "", r));
        }
        return out;
    }
}
