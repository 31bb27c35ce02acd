package dev.tern.bounce.dsn.lhost;

import dev.tern.bounce.Reason;
import dev.tern.bounce.text.Addresses;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Microsoft Exchange 2007 and later and Office 365 / Exchange Online: "Undeliverable:" reports marked
 * {@code X-MS-Exchange-Message-Is-Ndr}, listing the recipients ("Delivery has failed to these
 * recipients or groups:", {@code addr<mailto:addr>}) and, under "Diagnostic information for
 * administrators:", the generating server and the remote reply. Microsoft's documented NDR status codes
 * (learn.microsoft.com, "Email non-delivery reports and SMTP errors in Exchange Online") name the reason.
 */
final class ExchangeLhost implements Lhost {
    private static final Pattern OUTLOOK = Pattern.compile("(?i)\\.(?:outbound\\.protection|prod)\\.outlook\\.com\\b");
    private static final Pattern MESSAGE =
            Pattern.compile("^(?:Delivery has failed to these recipients or (?:groups|distribution lists):"
                    + "|Original Message Details|.+ rejected your message to the following e-?mail addresses:"
                    + "|Falha na entrega a estes destinat.+rios ou grupos:"
                    + "|Uw bericht kan niet worden bezorgd bij de volgende geadresseerden of groepen:)");
    private static final Pattern ERROR = Pattern.compile("^(?:Diagnostic information for administrators:|Error Details"
            + "|Diagnostische gegevens voor beheerders:|Informa.+es de diagn.+stico para administradores:)");
    private static final Pattern END = Pattern.compile("^(?:Original [Mm]essage [Hh]eaders:?|Message Hops"
            + "|Cabe.+alhos originais da mensagem:|Oorspronkelijke berichtkoppen:)");
    private static final Pattern MAILTO = Pattern.compile("^.*@.*<mailto:([^<>]+@[^<>]+)>\\s*$");
    private static final Pattern RECIPIENT_ADDRESS = Pattern.compile("^Recipient Address:\\s+(\\S+@\\S+)");
    private static final Pattern GENERATING =
            Pattern.compile("^(?:Generating server|Bronserver|Servidor de origem): (.+)$");
    private static final Pattern RCPT =
            Pattern.compile("(?i)unknown recipient or mailbox unavailable ->.+@.+\\.[a-z]+");

    /** Exchange Online's documented enhanced status codes and their reasons. */
    private static final Map<Pattern, Reason> STATUSES = new LinkedHashMap<>();

    static {
        Object[][] t = {
            {"4\\.4\\.7", Reason.EXPIRED},
            {"4\\.4\\.312", Reason.NETWORKERROR},
            {"4\\.4\\.316", Reason.EXPIRED},
            {"4\\.7\\.26", Reason.AUTHFAILURE},
            {"4\\.7\\.[56]\\d\\d", Reason.BLOCKED},
            {"4\\.7\\.8[5-9]\\d", Reason.BLOCKED},
            {"5\\.0\\.350", Reason.CONTENTERROR},
            {"5\\.1\\.10", Reason.USERUNKNOWN},
            {"5\\.4\\.1", Reason.NORELAYING},
            {"5\\.4\\.6", Reason.NETWORKERROR},
            {"5\\.4\\.312", Reason.NETWORKERROR},
            {"5\\.4\\.316", Reason.EXPIRED},
            {"5\\.6\\.11", Reason.CONTENTERROR},
            {"5\\.7\\.1", Reason.REJECTED},
            {"5\\.7\\.1[23]", Reason.REJECTED},
            {"5\\.7\\.124", Reason.REJECTED},
            {"5\\.7\\.13[3-6]", Reason.REJECTED},
            {"5\\.7\\.23", Reason.BLOCKED},
            {"5\\.7\\.25", Reason.NETWORKERROR},
            {"5\\.7\\.50[1-3]", Reason.SPAMDETECTED},
            {"5\\.7\\.50[45]", Reason.FILTERED},
            {"5\\.7\\.50[67]", Reason.BLOCKED},
            {"5\\.7\\.508", Reason.TOOMANYCONN},
            {"5\\.7\\.509", Reason.AUTHFAILURE},
            {"5\\.7\\.510", Reason.NOTACCEPT},
            {"5\\.7\\.511", Reason.REJECTED},
            {"5\\.7\\.512", Reason.POLICYVIOLATION},
            {"5\\.7\\.57", Reason.SECURITYERROR},
            {"5\\.7\\.60[6-9]", Reason.BLOCKED},
            {"5\\.7\\.6[1-4]\\d", Reason.BLOCKED},
            {"5\\.7\\.7[0-4]\\d", Reason.TOOMANYCONN},
        };
        for (Object[] row : t) {
            STATUSES.put(Pattern.compile("^" + row[0] + "$"), (Reason) row[1]);
        }
    }

    @Override
    public String family() {
        return "exchange";
    }

    @Override
    public boolean recognizes(BounceMail mail) {
        int score = 0;
        String subject = mail.subject();
        if (subject.contains("Undeliverable:")
                || subject.contains("Onbestelbaar:")
                || subject.contains("Não entregue:")) {
            score++;
        }
        for (String h : new String[] {
            "X-MS-Exchange-Message-Is-Ndr",
            "X-Microsoft-Antispam-PRVS",
            "X-MS-Exchange-CrossTenant-OriginalArrivalTime",
            "X-MS-Exchange-CrossTenant-FromEntityHeader",
            "X-MS-Exchange-Transport-CrossTenantHeadersStamped"
        }) {
            if (mail.root().header(h) != null) {
                score++;
            }
        }
        for (String r : mail.headers("Received")) {
            if (OUTLOOK.matcher(r).find()) {
                score++;
                break;
            }
        }
        if (OUTLOOK.matcher(mail.header("Message-Id")).find()) {
            score++;
        }
        if (mail.errorText().contains("Diagnostic information for administrators:")) {
            score++;
        }
        return score >= 2;
    }

    /** Exchange Online (Office 365): the documented NDR code table applies to its reports only. */
    private static boolean isExchangeOnline(BounceMail mail) {
        if (mail.root().header("X-MS-Exchange-CrossTenant-OriginalArrivalTime") != null
                || OUTLOOK.matcher(mail.header("Message-Id")).find()) {
            return true;
        }
        for (String r : mail.headers("Received")) {
            if (OUTLOOK.matcher(r).find()) {
                return true;
            }
        }
        return mail.from().toLowerCase(java.util.Locale.ROOT).contains("outlook.com")
                || mail.from().toLowerCase(java.util.Locale.ROOT).contains(".onmicrosoft.com");
    }

    @Override
    public List<Decoded> decode(BounceMail mail) {
        List<Decoded> dsn = Facts.dsnRecipients(mail.deliveryStatus());
        List<String> recipients = new ArrayList<>();
        StringBuilder diag = null;
        String generating = "";
        boolean reading = false;
        for (String line : Facts.lines(mail.humanText())) {
            String s = line.strip();
            if (!reading) {
                reading = MESSAGE.matcher(s).find();
                continue;
            }
            if (s.isEmpty()) {
                continue;
            }
            Matcher m;
            if (diag == null && ((m = MAILTO.matcher(s)).matches() || (m = RECIPIENT_ADDRESS.matcher(s)).find())) {
                String a = Addresses.first(m.group(1));
                if (a != null && !recipients.contains(a)) {
                    recipients.add(a);
                }
            } else if ((m = GENERATING.matcher(s)).find()) {
                generating = m.group(1).strip().toLowerCase(java.util.Locale.ROOT);
            } else if (ERROR.matcher(s).find()) {
                diag = new StringBuilder();
            } else if (diag != null) {
                if (END.matcher(s).find()) {
                    break;
                }
                diag.append(' ').append(s);
            }
        }
        String text = diag == null ? "" : Facts.sweep(diag.toString());
        boolean online = isExchangeOnline(mail);
        if (recipients.isEmpty()) {
            dsn.forEach(d -> recipients.add(d.recipient()));
        }
        List<Decoded> out = new ArrayList<>();
        for (String r : recipients) {
            Decoded f = Facts.forAddress(dsn, r);
            String d = text.isEmpty() && f != null ? f.diagnostic() : text;
            String status = f == null ? null : f.status();
            if (status == null || status.endsWith(".0.0")) {
                String found = Facts.firstStatus(d);
                status = found != null ? found : status;
            }
            Reason reason = null;
            if (status != null && online) {
                for (Map.Entry<Pattern, Reason> e : STATUSES.entrySet()) {
                    if (e.getKey().matcher(status).matches()) {
                        reason = e.getValue();
                        break;
                    }
                }
            }
            String command = RCPT.matcher(d).find() ? "RCPT" : null;
            out.add(new Decoded(
                    r,
                    f == null ? "failed" : f.action(),
                    status,
                    d,
                    command,
                    f == null || f.remoteHost().isEmpty() ? "" : f.remoteHost(),
                    f == null ? "" : f.diagnosticType(),
                    reason));
        }
        return out;
    }
}
