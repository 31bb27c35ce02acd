package dev.tern.bounce.arf;

import dev.tern.bounce.mime.Header;
import dev.tern.bounce.mime.MimeParser;
import dev.tern.bounce.mime.MimePart;
import dev.tern.bounce.verp.VerpCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses feedback-loop reports: RFC 5965 ARF ({@code multipart/report; report-type=feedback-report}),
 * Microsoft JMRP/Hotmail-style complaints (the returned message carries
 * {@code X-HmXmrOriginalRecipient}), and plain "unsubscribe" replies. Never throws.
 */
public final class ArfParser {
    private static final Pattern ADDRESS = Pattern.compile(
            "(?:(?<![^\\s<>\"'(),;:@])|\\G)[^\\s<>\"'(),;:@]++@[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?)+");
    private static final Pattern VERP = Pattern.compile("(?i)(?:^|[<\\s])(b-[A-Za-z0-9]+)@");

    private static final Pattern COMPLAINT_IP =
            Pattern.compile("(?i)from ((?:\\d{1,3}\\.){3}\\d{1,3}|[0-9a-f]*:[0-9a-f:]+)");

    private final VerpCodec verp;

    /** A parser that does not decode VERP tokens (only {@code X-Tern-Id} gives the Tern id). */
    public ArfParser() {
        this(null);
    }

    /** A parser that also recovers the Tern id from a verified VERP token. */
    public ArfParser(VerpCodec verp) {
        this.verp = verp;
    }

    /** True when the parsed mail looks like a feedback report this parser understands. */
    public static boolean isFeedback(MimePart root) {
        return feedbackPart(root) != null || complaintMessage(root) != null || isUnsubscribe(root);
    }

    /** Parses raw mail bytes. */
    public Optional<FeedbackReport> parse(byte[] mail) {
        try {
            return parse(MimeParser.parse(mail));
        } catch (RuntimeException | StackOverflowError e) {
            return Optional.empty();
        }
    }

    /** Parses an already parsed mail; empty when it is not a feedback report. */
    public Optional<FeedbackReport> parse(MimePart root) {
        try {
            MimePart report = feedbackPart(root);
            if (report != null) {
                return Optional.of(fromArf(root, report));
            }
            MimePart complaint = complaintMessage(root);
            if (complaint != null) {
                return Optional.of(fromComplaint(root, complaint));
            }
            if (isUnsubscribe(root)) {
                return Optional.of(fromUnsubscribe(root));
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static MimePart feedbackPart(MimePart root) {
        return root.find(p -> p.mediaType().equals("message/feedback-report"));
    }

    /** The enclosed message of a Hotmail/JMRP complaint, or null. */
    private static MimePart complaintMessage(MimePart root) {
        for (MimePart p : root.flatten()) {
            if (p.header("X-HmXmrOriginalRecipient") != null) {
                return p;
            }
        }
        return null;
    }

    private static boolean isUnsubscribe(MimePart root) {
        String subject = root.header("Subject");
        return subject != null
                && subject.trim().equalsIgnoreCase("unsubscribe")
                && root.children().isEmpty();
    }

    private FeedbackReport fromArf(MimePart root, MimePart report) {
        Map<String, List<String>> fields = readFields(report.text());
        MimePart original = enclosed(root);
        Map<String, String> originalHeaders = original == null ? Map.of() : firstValues(original);
        List<String> rcptTo = fields.getOrDefault("original-rcpt-to", List.of());
        LinkedHashSet<String> recipients = new LinkedHashSet<>();
        for (String r : rcptTo) {
            addresses(r, recipients);
        }
        if (recipients.isEmpty()) {
            for (String r : fields.getOrDefault("removal-recipient", List.of())) {
                addresses(r, recipients);
            }
        }
        if (recipients.isEmpty() && original != null) {
            addresses(original.header("X-HmXmrOriginalRecipient"), recipients);
            if (recipients.isEmpty()) {
                addresses(original.header("To"), recipients);
            }
        }
        String type = first(fields, "feedback-type");
        String mailFrom = first(fields, "original-mail-from");
        String arrival = first(fields, "arrival-date");
        if (arrival == null) {
            arrival = first(fields, "received-date");
        }
        int incidents = 1;
        try {
            String inc = first(fields, "incidents");
            if (inc != null) {
                incidents = Integer.parseInt(inc.trim());
            }
        } catch (NumberFormatException e) {
            incidents = 1;
        }
        String returnPath = original == null ? null : original.header("Return-Path");
        String verpLocal = verpLocalPart(mailFrom, returnPath);
        return new FeedbackReport(
                true,
                type == null ? "abuse" : type.trim().toLowerCase(Locale.ROOT),
                first(fields, "user-agent"),
                first(fields, "version"),
                mailFrom,
                rcptTo,
                first(fields, "source-ip"),
                arrival,
                first(fields, "reporting-mta"),
                fields.getOrDefault("reported-domain", List.of()),
                fields.getOrDefault("authentication-results", List.of()),
                first(fields, "original-envelope-id"),
                incidents,
                fields,
                originalHeaders,
                List.copyOf(recipients),
                ternId(original, verpLocal),
                verpLocal);
    }

    private FeedbackReport fromComplaint(MimePart root, MimePart original) {
        LinkedHashSet<String> recipients = new LinkedHashSet<>();
        addresses(original.header("X-HmXmrOriginalRecipient"), recipients);
        if (recipients.isEmpty()) {
            addresses(original.header("To"), recipients);
        }
        String returnPath = original.header("Return-Path");
        String verpLocal = verpLocalPart(null, returnPath);
        String sourceIp = original.header("X-Originating-IP");
        if (sourceIp != null) {
            sourceIp = sourceIp.replaceAll("[\\[\\]]", "").trim();
        } else {
            Matcher ip = COMPLAINT_IP.matcher(String.valueOf(root.header("Subject")));
            sourceIp = ip.find() ? ip.group(1) : null;
        }
        return new FeedbackReport(
                false,
                "abuse",
                null,
                null,
                returnPath,
                List.of(),
                sourceIp,
                original.header("Date"),
                null,
                List.of(),
                List.of(),
                null,
                1,
                Map.of(),
                firstValues(original),
                List.copyOf(recipients),
                ternId(original, verpLocal),
                verpLocal);
    }

    private FeedbackReport fromUnsubscribe(MimePart root) {
        LinkedHashSet<String> recipients = new LinkedHashSet<>();
        addresses(root.header("From"), recipients);
        return new FeedbackReport(
                false,
                "opt-out",
                null,
                null,
                null,
                List.of(),
                null,
                root.header("Date"),
                null,
                List.of(),
                List.of(),
                null,
                1,
                Map.of(),
                Map.of(),
                List.copyOf(recipients),
                null,
                verpLocalPart(root.header("To"), null));
    }

    private String ternId(MimePart original, String verpLocal) {
        if (original != null) {
            String id = original.header("X-Tern-Id");
            if (id != null && !id.isBlank()) {
                return id.trim();
            }
        }
        if (verp != null && verpLocal != null) {
            return verp.decode(verpLocal).map(VerpCodec.Decoded::messageId).orElse(null);
        }
        return null;
    }

    private static String verpLocalPart(String... candidates) {
        for (String c : candidates) {
            if (c == null) {
                continue;
            }
            Matcher m = VERP.matcher(c);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** The returned message (or its headers) inside a report, or null. */
    private static MimePart enclosed(MimePart root) {
        for (MimePart p : root.flatten()) {
            String t = p.mediaType();
            if ((t.equals("message/rfc822")
                            || t.equals("text/rfc822-headers")
                            || t.equals("message/rfc822-headers")
                            || t.equals("message/global")
                            || t.equals("message/global-headers"))
                    && !p.children().isEmpty()) {
                return p.children().getFirst();
            }
        }
        return null;
    }

    private static Map<String, String> firstValues(MimePart part) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Header h : part.headers()) {
            out.putIfAbsent(h.name().toLowerCase(Locale.ROOT), h.decodedValue());
        }
        return out;
    }

    /** Reads the report part as a header block; repeated fields keep every value in order. */
    static Map<String, List<String>> readFields(String text) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && name != null) {
                value.append('\n').append(line);
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.substring(0, colon).contains(" ")) {
                continue;
            }
            if (name != null) {
                out.computeIfAbsent(name, k -> new ArrayList<>())
                        .add(value.toString().trim());
            }
            name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            value = new StringBuilder(line.substring(colon + 1).trim());
        }
        if (name != null) {
            out.computeIfAbsent(name, k -> new ArrayList<>())
                    .add(value.toString().trim());
        }
        return out;
    }

    private static String first(Map<String, List<String>> fields, String name) {
        List<String> v = fields.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    private static void addresses(String value, LinkedHashSet<String> out) {
        if (value == null) {
            return;
        }
        Matcher m = ADDRESS.matcher(value);
        while (m.find()) {
            out.add(m.group());
        }
    }
}
