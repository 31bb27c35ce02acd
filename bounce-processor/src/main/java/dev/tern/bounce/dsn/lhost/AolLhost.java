package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AOL Mail's own reports (marked {@code X-AOL-IP}): Postfix-format reports from AOL's outbound relays,
 * read as {@link PostfixLhost} reads them; AOL's resolver messages name their reason (an MX answer
 * AOL could not use means the domain does not accept mail from it).
 */
final class AolLhost implements Lhost {
    private static final Map<Reason, List<String>> MESSAGES = Facts.table(
            Reason.HOSTUNKNOWN, List.of("host or domain name not found"),
            Reason.NOTACCEPT, List.of("type=mx: malformed or unexpected name server reply"));

    private final PostfixLhost postfix = new PostfixLhost();

    @Override
    public String family() {
        return "aol";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        return mail.root().header("X-AOL-IP") != null;
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<Decoded> out = new ArrayList<>();
        for (Decoded d : postfix.decode(mail)) {
            Reason r = Facts.messageReason(d.diagnostic(), MESSAGES);
            out.add(r == null ? d : d.withReason(r));
        }
        return out;
    }
}
