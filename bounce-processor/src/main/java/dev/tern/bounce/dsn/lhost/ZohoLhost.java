package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.Reason;
import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Zoho Mail (marked {@code X-ZohoMail}): after "This message was created automatically by mail
 * delivery", one line per recipient, {@code addr Invalid Address, ERROR_CODE :550, ERROR_CODE :...}, or
 * for a delay notice {@code [Status: Error, Address: <addr>, ResponseCode 421, , Host not reachable.]}
 * (Zoho keeps retrying: the message is expiring, not refused).
 */
final class ZohoLhost implements Lhost {
    @Override
    public String family() {
        return "zoho";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        return mail.root().header("X-ZohoMail") != null;
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<Decoded> out = new ArrayList<>();
        boolean reading = false;
        boolean delay = mail.subject().contains("(Delay)");
        for (String line : Facts.lines(mail.errorText())) {
            String s = line.strip();
            if (!reading) {
                reading = s.startsWith("This message was created automatically by mail delivery");
                continue;
            }
            if (s.startsWith("[Status: ")) {
                String a = Addresses.first(s);
                if (a != null) {
                    Reason r = s.toLowerCase(Locale.ROOT).contains("host not reachable") ? Reason.EXPIRED : null;
                    out.add(new Decoded(a, delay ? "delayed" : "failed", null, s, null, "", "", r));
                }
            } else if (s.contains("@") && s.contains("ERROR_CODE :") && s.indexOf(' ') > 0) {
                String a = Addresses.first(s.substring(0, s.indexOf(' ')));
                if (a != null) {
                    String diag = s.substring(s.indexOf(' ') + 1);
                    out.add(new Decoded(a, "failed", Facts.firstStatus(diag), diag, null, "", "", null));
                }
            }
        }
        return out;
    }
}
