package dev.tern.bounce.dsn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.bounce.BounceClass;
import dev.tern.bounce.Classification;
import dev.tern.bounce.Reason;
import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.arf.FeedbackReport;
import dev.tern.bounce.classify.ReplyClassifier;
import dev.tern.bounce.classify.SmtpReply;
import dev.tern.bounce.dsn.lhost.BounceMail;
import dev.tern.bounce.dsn.lhost.Decoded;
import dev.tern.bounce.dsn.lhost.Lhosts;
import dev.tern.bounce.mime.Header;
import dev.tern.bounce.mime.MimeParser;
import dev.tern.bounce.mime.MimePart;
import dev.tern.bounce.text.Addresses;
import dev.tern.bounce.text.DsnFields;
import dev.tern.bounce.text.RemoteHosts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses returned mail: RFC 3464 delivery status notifications, the common non-standard bounce
 * formats (read from their human-readable text), feedback reports and auto-replies, and classifies
 * each recipient's failure with a {@link ReplyClassifier}. Malformed or truncated input never throws:
 * whatever could not be understood is reported with reason {@code undefined}.
 */
public final class BounceParser {
    /**
     * Most recipients read from one returned mail; the rest are ignored. A real bounce lists a handful (one
     * transaction's recipients at one domain); a hostile one could list an address every few bytes.
     */
    public static final int MAX_RECIPIENTS = 256;
    /**
     * Most characters of diagnostic text kept and classified per recipient. SMTP replies are far shorter;
     * without a limit every recipient of a long bounce would classify (and store) the whole of its text.
     */
    public static final int MAX_DIAGNOSTIC_CHARS = 8192;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STATUS_TOKEN = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern AUTO_SUBJECT = Pattern.compile(
            "(?i)^\\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|away|abwesend|absence|vacation|on leave|r[ée]ponse automatique)");
    private static final Pattern BOUNCE_SUBJECT = Pattern.compile(
            "(?i)(undeliver|undelivered|delivery|failure|failed|returned|bounce|not delivered|nondeliver|non-deliver|rejected|error|warning|delayed)");

    /**
     * Reasons a decoder's reading of the MTA's own words does not settle: the reply's codes and text are
     * read first, and the decoder's reason is used only when they say nothing (sisimai's "retry" reasons).
     */
    private static final Set<Reason> RECHECKED = EnumSet.of(
            Reason.UNDEFINED,
            Reason.ONHOLD,
            Reason.SYSTEMERROR,
            Reason.SECURITYERROR,
            Reason.EXPIRED,
            Reason.SUSPEND,
            Reason.NETWORKERROR,
            Reason.HOSTUNKNOWN,
            Reason.USERUNKNOWN);
    /** How deep a bounce quoted inside a bounce is read. */
    private static final int MAX_NESTING = 2;

    private static final Pattern FORWARDED = Pattern.compile("(?i)^\\s*(fwd?|fw|tr|wg|rv|enc)\\s*:");
    private static final Pattern QUOTE = Pattern.compile("(?m)^> ?");
    /** The header block of a forwarded mail (From:, Date:, To:, Subject: ... up to the blank line). */
    private static final Pattern FORWARDED_HEADERS =
            Pattern.compile("(?m)^From: .*\\n(?:[A-Za-z-]+: .*\\n|[ \\t].*\\n){1,20}?\\s*\\n");

    private final ReplyClassifier classifier;
    private final ArfParser arf;
    private final Set<String> withoutDecoders;

    /** A parser using {@code classifier} for replies and {@code arf} for feedback reports. */
    public BounceParser(ReplyClassifier classifier, ArfParser arf) {
        this(classifier, arf, Set.of());
    }

    private BounceParser(ReplyClassifier classifier, ArfParser arf, Set<String> withoutDecoders) {
        this.classifier = classifier;
        this.arf = arf;
        this.withoutDecoders = Set.copyOf(withoutDecoders);
    }

    /**
     * A copy that does not use the decoders of the named families (the generic reading takes their
     * reports): what the parser would do with those MTAs' bounces had no decoder been written for them.
     */
    public BounceParser withoutDecoders(Set<String> families) {
        return new BounceParser(classifier, arf, families);
    }

    /** A parser with the shipped rules. */
    public static BounceParser shipped() {
        return new BounceParser(ReplyClassifier.shipped(), new ArfParser());
    }

    /** Parses one returned mail (raw bytes, any line endings). Never throws. */
    public BounceReport parse(byte[] mail) {
        try {
            return parse(MimeParser.parse(mail));
        } catch (RuntimeException | StackOverflowError e) {
            return new BounceReport(BounceReport.Kind.UNKNOWN, List.of(), Map.of(), null, null);
        }
    }

    /**
     * Parses every message of a file that may hold several (mbox style: a {@code From } envelope line
     * begins each); a file of one message gives one report. Never throws.
     */
    public List<BounceReport> parseAll(byte[] data) {
        List<BounceReport> out = new ArrayList<>();
        for (byte[] message : Mailbox.split(data)) {
            out.add(parse(message));
        }
        return out;
    }

    /** Parses an already parsed mail. Never throws. */
    public BounceReport parse(MimePart root) {
        try {
            return parseInternal(root);
        } catch (RuntimeException | StackOverflowError e) {
            return new BounceReport(BounceReport.Kind.UNKNOWN, List.of(), Map.of(), null, null);
        }
    }

    private BounceReport parseInternal(MimePart root) {
        return parseInternal(root, 0);
    }

    private BounceReport parseInternal(MimePart root, int depth) {
        Optional<FeedbackReport> feedback = arf.parse(root);
        if (feedback.isPresent()) {
            FeedbackReport f = feedback.get();
            List<BouncedRecipient> out = new ArrayList<>();
            for (String r : f.recipients()) {
                out.add(recipient(
                        r, "", "", 0, "", "", "", f.feedbackType(), Classification.of(Reason.FEEDBACK, false, "arf")));
            }
            return new BounceReport(BounceReport.Kind.FEEDBACK, out, f.originalHeaders(), f.ternId(), f.feedbackType());
        }
        Parts parts = Parts.of(root);
        if (FORWARDED
                        .matcher(root.header("Subject") == null ? "" : root.header("Subject"))
                        .find()
                && parts.humanText.contains("\n>")) {
            // a bounce forwarded by a person: the report is quoted, line by line, with '>'
            parts = new Parts(
                    forwardedReport(QUOTE.matcher(parts.humanText).replaceAll("")),
                    parts.deliveryStatus,
                    parts.original);
        }
        Map<String, String> original = originalHeaders(parts);
        String ternId = original.get("x-tern-id");

        BounceReport ses = amazonSesNotification(parts, original, ternId);
        if (ses != null) {
            return ses;
        }
        String errorText = TextRegion.errorPart(parts.humanText);
        String errorDiag = capped(errorText.trim());
        Map<List<String>, BouncedRecipient> built = new HashMap<>(); // recipients with the same text share one reading
        Set<String> senders = senders(root, original);

        Optional<Lhosts.Decoding> decoding =
                Lhosts.decode(new BounceMail(root, parts.humanText, parts.deliveryStatus, errorText), withoutDecoders);
        if (decoding.isPresent()) {
            List<BouncedRecipient> out = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (Decoded d : decoding.get().recipients()) {
                if (!seen.add(Addresses.key(d.recipient()) + "|" + d.action())) {
                    continue;
                }
                out.add(build(built, d, decoding.get().family()));
            }
            BounceReport.Kind kind =
                    parts.deliveryStatus != null ? BounceReport.Kind.DSN : BounceReport.Kind.NON_STANDARD;
            return new BounceReport(
                    kind, out, original, ternId, null, decoding.get().family());
        }

        List<Map<String, String>> groups =
                parts.deliveryStatus == null ? List.of() : DsnFields.recipientGroups(parts.deliveryStatus);
        if (groups.isEmpty() && (errorText.contains("Final-Recipient:") || errorText.contains("Original-Recipient:"))) {
            groups = DsnFields.recipientGroups(errorText);
        }
        groups = groups.subList(0, Math.min(groups.size(), MAX_RECIPIENTS));
        List<BouncedRecipient> out = new ArrayList<>();
        BounceReport.Kind kind;
        if (!groups.isEmpty()) {
            kind = BounceReport.Kind.DSN;
            List<String> addresses = new ArrayList<>();
            for (Map<String, String> g : groups) {
                addresses.add(groupAddress(g));
            }
            Map<String, String> segments = TextRecipients.segments(errorText, addresses);
            Set<String> seen = new HashSet<>();
            for (Map<String, String> g : groups) {
                String address = groupAddress(g);
                if (address.isEmpty() || !seen.add(Addresses.key(address) + "|" + g.getOrDefault("action", ""))) {
                    continue;
                }
                String diagField = g.getOrDefault("diagnostic-code", "");
                String diag = DsnFields.typedValue(diagField);
                String segment = segments.getOrDefault(Addresses.key(address), "");
                if (diag.isBlank()) {
                    diag = segment.isBlank() ? errorDiag : segment;
                }
                String status = firstStatus(g.get("status"));
                out.add(build(
                        built,
                        address,
                        g.getOrDefault("action", "").toLowerCase(Locale.ROOT).trim(),
                        status,
                        diag,
                        DsnFields.typedValue(g.getOrDefault("remote-mta", "")),
                        DsnFields.typeOf(diagField),
                        segment));
            }
        } else {
            kind = BounceReport.Kind.NON_STANDARD;
            if (isAutoReply(root, parts)) {
                String from = Addresses.first(root.header("From"));
                if (from != null) {
                    out.add(recipient(
                            from,
                            "",
                            "",
                            0,
                            "",
                            "",
                            "",
                            parts.humanText.trim(),
                            Classification.of(Reason.VACATION, false, "auto-reply")));
                }
                return new BounceReport(BounceReport.Kind.AUTO_REPLY, out, original, ternId, null);
            }
            List<String> found = new ArrayList<>();
            String failed = root.header("X-Failed-Recipients");
            if (failed != null) {
                for (String a : failed.split(",")) {
                    String clean = Addresses.first(a);
                    if (clean != null) {
                        found.add(clean);
                    }
                }
            }
            if (found.isEmpty()) {
                found = TextRecipients.find(errorText, senders);
            }
            if (found.isEmpty() && depth < MAX_NESTING && parts.original != null) {
                // a report that only wraps another MTA's bounce (sent back as its attachment): read that one
                BounceReport inner = parseInternal(parts.original, depth + 1);
                if (!inner.recipients().isEmpty()
                        && (inner.kind() == BounceReport.Kind.DSN || inner.kind() == BounceReport.Kind.NON_STANDARD)
                        && Parts.of(parts.original).deliveryStatus != null) {
                    return new BounceReport(inner.kind(), inner.recipients(), original, ternId, null, inner.decoder());
                }
            }
            if (found.isEmpty() && original.containsKey("to")) {
                String to = Addresses.first(original.get("to"));
                if (to != null) {
                    found.add(to);
                }
            }
            if (found.isEmpty()) {
                found = TextRecipients.find(errorText, Set.of()); // a bounce sent back to the recipient itself
            }
            found = found.subList(0, Math.min(found.size(), MAX_RECIPIENTS));
            Map<String, String> segments = TextRecipients.segments(errorText, found);
            for (String address : found) {
                String segment = segments.getOrDefault(Addresses.key(address), "");
                String diag = found.size() == 1 || segment.isBlank() ? mostInformative(segment, errorDiag) : segment;
                out.add(build(built, address, "", null, diag, "", "", segment));
            }
        }
        if (out.isEmpty()) {
            kind = BounceReport.Kind.UNKNOWN;
        }
        return new BounceReport(kind, out, original, ternId, null);
    }

    /** The forwarded report without the forwarding note and the header block of the forwarded bounce. */
    private static String forwardedReport(String text) {
        Matcher m = FORWARDED_HEADERS.matcher(text);
        return m.find() ? text.substring(m.end()) : text;
    }

    private static String mostInformative(String segment, String errorDiag) {
        if (segment.isBlank()) {
            return errorDiag;
        }
        if (SmtpReply.findReplyCode(segment) > 0 || SmtpReply.findStatus(segment) != null) {
            return segment;
        }
        return errorDiag;
    }

    private static String capped(String text) {
        return text.length() <= MAX_DIAGNOSTIC_CHARS ? text : text.substring(0, MAX_DIAGNOSTIC_CHARS);
    }

    /** {@link #build} once per distinct reading: the result depends on everything but the address. */
    private BouncedRecipient build(
            Map<List<String>, BouncedRecipient> built,
            String address,
            String action,
            String dsnStatus,
            String diag,
            String remoteMta,
            String diagType,
            String segment) {
        String domain = Addresses.domain(address);
        BouncedRecipient r = built.computeIfAbsent(
                Arrays.asList(action, dsnStatus, diag, remoteMta, diagType, segment, domain),
                k -> build("@" + domain, action, dsnStatus, diag, remoteMta, diagType, segment));
        return withAddress(r, address);
    }

    /** {@link #build} for a decoder's reading: its command and reason are evidence too. */
    private BouncedRecipient build(Map<List<String>, BouncedRecipient> built, Decoded d, String family) {
        String domain = Addresses.domain(d.recipient());
        String reason = d.reason() == null ? "" : d.reason().id();
        BouncedRecipient r = built.computeIfAbsent(
                Arrays.asList(
                        d.action(),
                        d.status(),
                        d.diagnostic(),
                        d.remoteHost(),
                        d.diagnosticType(),
                        d.command(),
                        reason,
                        domain,
                        family),
                k -> build(
                        "@" + domain,
                        d.action(),
                        d.status(),
                        d.diagnostic(),
                        d.remoteHost(),
                        d.diagnosticType(),
                        "",
                        d.command(),
                        d.reason(),
                        family));
        return withAddress(r, d.recipient());
    }

    private static BouncedRecipient withAddress(BouncedRecipient r, String address) {
        return new BouncedRecipient(
                address,
                r.action(),
                r.status(),
                r.replyCode(),
                r.command(),
                r.remoteMta(),
                r.diagnosticType(),
                r.diagnosticCode(),
                r.reason(),
                r.hard(),
                r.bounceClass(),
                r.rule());
    }

    private static String groupAddress(Map<String, String> g) {
        for (String f : new String[] {"final-recipient", "original-recipient", "x-actual-recipient"}) {
            String a = Addresses.first(DsnFields.typedValue(g.get(f)));
            if (a != null) {
                return a;
            }
        }
        String raw = DsnFields.typedValue(g.getOrDefault("final-recipient", g.getOrDefault("original-recipient", "")));
        return Addresses.clean(raw);
    }

    private static String firstStatus(String field) {
        if (field == null) {
            return null;
        }
        Matcher m = STATUS_TOKEN.matcher(field);
        return m.find() ? m.group() : null;
    }

    private BouncedRecipient build(
            String address,
            String action,
            String dsnStatus,
            String diag,
            String remoteMta,
            String diagType,
            String segment) {
        return build(address, action, dsnStatus, diag, remoteMta, diagType, segment, null, null, "");
    }

    private BouncedRecipient build(
            String address,
            String action,
            String dsnStatus,
            String diag,
            String remoteMta,
            String diagType,
            String segment,
            String decodedCommand,
            Reason decodedReason,
            String family) {
        String cleanDiag =
                MultilineReplies.join(capped(diag).replaceAll("\\s+", " ").trim());
        String lower = cleanDiag.toLowerCase(Locale.ROOT);
        String command = decodedCommand != null ? decodedCommand : SmtpCommands.find(lower);
        if (command == null && !segment.isBlank()) {
            command = SmtpCommands.find(segment.replaceAll("\\s+", " ").toLowerCase(Locale.ROOT));
        }
        String textStatus = SmtpReply.findFailureStatus(cleanDiag);
        String status = dsnStatus;
        if (status == null
                || status.endsWith(".0.0") && textStatus != null && textStatus.charAt(0) == status.charAt(0)) {
            status = textStatus != null ? textStatus : status;
        }
        int code = SmtpReply.findFailureCode(cleanDiag);
        if (status == null && code == 0 && !segment.isBlank()) {
            status = SmtpReply.findStatus(segment);
            code = SmtpReply.findReplyCode(segment);
        }
        String rhost = RemoteHosts.fromField(remoteMta);
        if (rhost.isEmpty()) {
            rhost = RemoteHosts.fromText(lower);
        }
        if (rhost.isEmpty() && !segment.isBlank()) {
            rhost = RemoteHosts.fromText(segment.toLowerCase(Locale.ROOT));
        }
        String provider = rhost.isEmpty() ? Addresses.domain(address) : rhost;
        Classification c = classifier.classify(new SmtpReply(code, status, cleanDiag, command, provider));
        if (isWeak(c) && !segment.isBlank() && !cleanDiag.contains(segment.strip())) {
            // a terse or truncated Diagnostic-Code: let the human-readable text about this recipient speak
            String fuller = MultilineReplies.join(
                    (cleanDiag + " " + segment).replaceAll("\\s+", " ").trim());
            Classification retry = classifier.classify(new SmtpReply(code, status, fuller, command, provider));
            if (!isWeak(retry)) {
                c = retry;
            }
        }
        boolean fallback = c.ruleId().equals("fallback")
                || c.ruleId().startsWith("reply:")
                || c.ruleId().startsWith("command:");
        if ((fallback || c.reason() == Reason.SYSTEMERROR) && diagType.startsWith("X-UNIX")) {
            // RFC 3464 diagnostic type X-UNIX: the failure came from a local delivery program
            c = Classification.of(Reason.MAILERERROR, false, "x-unix");
        } else if (fallback && (action.equals("delayed") || action.equals("expired"))) {
            c = Classification.of(Reason.EXPIRED, false, "action:" + action);
        }
        if (decodedReason != null && !c.ruleId().startsWith("provider-")) {
            // the MTA's own fixed wording, read by its decoder (sisimai's Lhost tables): it decides unless it
            // is a reason that the reply's own codes and words may refine, and they did
            if (!RECHECKED.contains(decodedReason) || isWeak(c)) {
                c = Classification.of(
                        decodedReason, new SmtpReply(code, status, "", command).temporary(), "lhost:" + family);
            }
        }
        if (action.equals("delayed") && c.reason().hardFor(false)) {
            c = new Classification(c.reason(), false, c.bounceClass(), c.ruleId());
        }
        return recipient(
                address,
                action,
                status == null ? "" : status,
                code,
                command == null ? "" : command,
                rhost.isEmpty() ? remoteMta : rhost,
                diagType,
                cleanDiag,
                c);
    }

    private static boolean isWeak(Classification c) {
        String rule = c.ruleId();
        return rule.equals("fallback")
                || rule.startsWith("reply:")
                || rule.startsWith("subject:")
                || rule.startsWith("command:")
                || rule.startsWith("status:");
    }

    private static BouncedRecipient recipient(
            String address,
            String action,
            String status,
            int code,
            String command,
            String remoteMta,
            String diagType,
            String diag,
            Classification c) {
        BounceClass bc = c.bounceClass();
        return new BouncedRecipient(
                address,
                action,
                status,
                code,
                command,
                remoteMta,
                diagType,
                diag,
                c.reason(),
                c.hard(),
                bc,
                c.ruleId());
    }

    private boolean isAutoReply(MimePart root, Parts parts) {
        if (parts.deliveryStatus != null) {
            return false;
        }
        String subject = root.header("Subject") == null ? "" : root.header("Subject");
        String autoSubmitted = root.header("Auto-Submitted");
        boolean autoHeader =
                autoSubmitted != null && autoSubmitted.toLowerCase(Locale.ROOT).contains("auto-replied")
                        || root.header("X-Autoreply") != null
                        || root.header("X-Autorespond") != null
                        || root.header("X-Auto-Response-Suppress") != null;
        String from = Addresses.key(Addresses.first(root.header("From")));
        if (Addresses.isSystemAddress(from) || from.startsWith("postmaster@")) {
            return false;
        }
        if (BOUNCE_SUBJECT.matcher(subject).find()
                && !AUTO_SUBJECT.matcher(subject).find()) {
            return false;
        }
        return AUTO_SUBJECT.matcher(subject).find() || autoHeader;
    }

    /** Amazon SES/SNS JSON notifications mailed to the sender. */
    private BounceReport amazonSesNotification(Parts parts, Map<String, String> original, String ternId) {
        String text = parts.humanText;
        int start = text.indexOf('{');
        if (start < 0 || !text.contains("\"notificationType\"")) {
            return null;
        }
        int end = text.lastIndexOf('}');
        if (end <= start) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(text.substring(start, end + 1).replace("\n", ""));
        } catch (Exception e) {
            return null;
        }
        String type = root.path("notificationType").asText("");
        List<BouncedRecipient> out = new ArrayList<>();
        switch (type) {
            case "Bounce" -> {
                JsonNode bounce = root.path("bounce");
                boolean transientBounce =
                        "Transient".equalsIgnoreCase(bounce.path("bounceType").asText());
                for (JsonNode r : bounce.path("bouncedRecipients")) {
                    if (out.size() >= MAX_RECIPIENTS) {
                        break;
                    }
                    String diag = r.path("diagnosticCode").asText("");
                    String status = r.path("status").asText(null);
                    BouncedRecipient b = build(
                            r.path("emailAddress").asText(""),
                            r.path("action").asText(transientBounce ? "delayed" : "failed"),
                            status,
                            diag,
                            bounce.path("remoteMtaIp").asText(""),
                            "SMTP",
                            "");
                    out.add(b);
                }
            }
            case "Complaint" -> {
                String ft = root.path("complaint").path("complaintFeedbackType").asText("abuse");
                for (JsonNode r : root.path("complaint").path("complainedRecipients")) {
                    out.add(recipient(
                            r.path("emailAddress").asText(""),
                            "",
                            "",
                            0,
                            "",
                            "",
                            "",
                            ft,
                            Classification.of(Reason.FEEDBACK, false, "ses-complaint")));
                }
                return new BounceReport(BounceReport.Kind.FEEDBACK, out, original, ternId, ft);
            }
            case "Delivery" -> {
                String smtp = root.path("delivery").path("smtpResponse").asText("");
                for (JsonNode r : root.path("delivery").path("recipients")) {
                    if (out.size() >= MAX_RECIPIENTS) {
                        break;
                    }
                    out.add(build(
                            r.asText(""),
                            "delivered",
                            SmtpReply.findStatus(smtp),
                            smtp,
                            root.path("delivery").path("reportingMTA").asText(""),
                            "SMTP",
                            ""));
                }
            }
            default -> {
                return null;
            }
        }
        return new BounceReport(BounceReport.Kind.DSN, out, original, ternId, null);
    }

    private static Set<String> senders(MimePart root, Map<String, String> original) {
        Set<String> out = new HashSet<>();
        for (String v : new String[] {
            root.header("To"),
            root.header("Return-Path"),
            root.header("From"),
            original.get("from"),
            original.get("return-path"),
            original.get("sender")
        }) {
            String a = Addresses.first(v);
            if (a != null) {
                out.add(Addresses.key(a));
            }
        }
        return out;
    }

    private static Map<String, String> originalHeaders(Parts parts) {
        Map<String, String> out = new LinkedHashMap<>();
        if (parts.original != null) {
            for (Header h : parts.original.headers()) {
                out.putIfAbsent(h.name().toLowerCase(Locale.ROOT), h.decodedValue());
            }
            return out;
        }
        String copy = TextRegion.originalPart(parts.humanText);
        if (!copy.isEmpty()) {
            MimePart p = MimeParser.parse(copy.stripLeading().getBytes(StandardCharsets.UTF_8));
            for (Header h : p.headers()) {
                out.putIfAbsent(h.name().toLowerCase(Locale.ROOT), h.decodedValue());
            }
        }
        return out;
    }

    /** The pieces of a bounce: report text, delivery-status fields, and the returned message. */
    private record Parts(String humanText, String deliveryStatus, MimePart original) {
        static Parts of(MimePart root) {
            StringBuilder human = new StringBuilder();
            StringBuilder status = new StringBuilder();
            MimePart[] original = new MimePart[1];
            walk(root, human, status, original);
            return new Parts(human.toString(), status.isEmpty() ? null : status.toString(), original[0]);
        }

        private static void walk(MimePart p, StringBuilder human, StringBuilder status, MimePart[] original) {
            String t = p.mediaType();
            if (t.equals("message/delivery-status") || t.equals("message/global-delivery-status")) {
                status.append(p.text()).append("\n\n");
                return;
            }
            if (t.startsWith("message/") || t.equals("text/rfc822-headers")) {
                if (original[0] == null && !p.children().isEmpty()) {
                    original[0] = p.children().getFirst();
                }
                return;
            }
            if (p.isMultipart()) {
                boolean alternative = t.equals("multipart/alternative");
                for (MimePart c : p.children()) {
                    int before = human.length();
                    walk(c, human, status, original);
                    if (alternative && human.length() > before) {
                        break; // one rendering is enough
                    }
                }
                return;
            }
            if (t.startsWith("text/") || t.equals("application/octet-stream") && human.isEmpty()) {
                String text = p.text();
                if (t.equals("text/html")) {
                    text = Html.toText(text);
                }
                human.append(text).append("\n\n");
            }
        }
    }
}
