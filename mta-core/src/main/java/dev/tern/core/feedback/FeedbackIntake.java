package dev.tern.core.feedback;

import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.arf.FeedbackReport;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import dev.tern.bounce.verp.TernIdToken;
import dev.tern.bounce.verp.VerpCodec;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.queue.FeedbackStore;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mail arriving over SMTP for the bounce domain (asynchronous bounces to VERP return paths)
 * or an FBL domain (feedback-loop complaints): parsed, matched back to the message, recipient,
 * tenant and campaign Tern sent, turned into {@code async_bounce} / {@code complaint} events
 * and suppressions. Such mail is consumed here, never delivered onwards.
 *
 * <p>Returned mail is evidence, not a command. It is matched to a sent message only through a
 * token nobody but Tern can make: the VERP address it came to (HMAC over message id and
 * recipient index) or the signed {@code X-Tern-Id} of the returned headers (HMAC over message
 * id and the message's recipient set, checked against the {@link SentIndex}). A report may act
 * only on the recipients its token covers. Anything else (no token, a bare or forged id, an
 * unknown message, a recipient the token does not cover) gives an {@code unmatched_feedback}
 * event naming nobody, and changes nothing. Complaints count only from configured
 * {@link FblReporters}; others are logged. Each (message, recipient) counts at most one bounce
 * and one complaint: the marks are kept in the spool's feedback store, so replays change
 * nothing even after a restart.
 */
public final class FeedbackIntake {
    private static final Logger log = LoggerFactory.getLogger(FeedbackIntake.class);

    private final String bounceDomain;
    private final Set<String> fblDomains;
    private final VerpReturnPaths verp;
    private final SentIndex index;
    private final SuppressionPolicy suppression;
    private final FeedbackStore store;
    private final FblReporters reporters;
    private final BounceParser bounces;
    private final ArfParser arf;
    private final EventBus events;
    private final Clock clock;
    private Unsubscribes unsubscribes; // null: no mailto unsubscribe

    /** What an authenticated token ties a report to: the message and the recipients it covers. */
    private record Match(SentIndex.SentMessage sent, List<String> covered, String via) {
        Optional<String> covers(String address) {
            return address == null
                    ? Optional.empty()
                    : covered.stream().filter(c -> c.equalsIgnoreCase(address)).findFirst();
        }
    }

    public FeedbackIntake(
            String bounceDomain,
            List<String> fblDomains,
            VerpReturnPaths verp,
            SentIndex index,
            SuppressionPolicy suppression,
            FeedbackStore store,
            FblReporters reporters,
            BounceParser bounces,
            ArfParser arf,
            EventBus events,
            Clock clock) {
        this.bounceDomain = bounceDomain.toLowerCase(Locale.ROOT);
        this.fblDomains = Set.copyOf(fblDomains);
        this.verp = verp;
        this.index = index;
        this.suppression = suppression;
        this.store = store;
        this.reporters = reporters;
        this.bounces = bounces;
        this.arf = arf;
        this.events = events;
        this.clock = clock;
    }

    /** Takes mail to {@code u-TOKEN@unsubscribe.mailto_domain} as unsubscribe requests (set before use). */
    void unsubscribes(Unsubscribes u) {
        this.unsubscribes = u;
    }

    /** True when mail to this address is feedback for Tern (bounce or FBL domain, mailto unsubscribe). */
    public boolean handles(String address) {
        if (unsubscribes != null && unsubscribes.handlesMailto(address)) return true;
        String d = domainOf(address);
        return (!bounceDomain.isEmpty() && d.equals(bounceDomain)) || fblDomains.contains(d);
    }

    /**
     * Processes one returned mail addressed to {@code recipients} (all {@link #handles handled}):
     * events are published and suppressions durable when this returns.
     *
     * @return what was found, for the SMTP reply
     */
    public String accept(List<String> recipients, byte[] mail, String client) {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        int n = 0;
        for (String rcpt : recipients) {
            if (unsubscribes != null && unsubscribes.handlesMailto(rcpt)) {
                n += mailtoUnsubscribe(rcpt, client);
                continue;
            }
            n += fblDomains.contains(domainOf(rcpt))
                    ? complaint(rcpt, mail, client, writes)
                    : bounce(rcpt, mail, client, writes);
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        return n + " report" + (n == 1 ? "" : "s");
    }

    /**
     * Mail to {@code u-TOKEN@domain} (RFC 2369 mailto unsubscribe): the token in the address is the
     * only authentication; the text of the mail is not read.
     */
    private int mailtoUnsubscribe(String rcpt, String client) {
        Unsubscribes.Outcome o = unsubscribes.unsubscribe(rcpt, Unsubscribes.Via.MAILTO, client);
        if (o == Unsubscribes.Outcome.INVALID)
            unmatched("unsubscribe", "bad_token", null, 1, client, Unsubscribes.Via.MAILTO.label());
        return 1;
    }

    private int bounce(String rcpt, byte[] mail, String client, List<CompletableFuture<Void>> writes) {
        BounceReport report = bounces.parse(mail);
        if (report.kind() == BounceReport.Kind.FEEDBACK) return complaint(rcpt, mail, client, writes);
        if (report.kind() == BounceReport.Kind.AUTO_REPLY) {
            log.info("auto-reply to {} dropped", rcpt);
            return 0;
        }
        List<BouncedRecipient> failed = report.recipients().stream()
                .filter(r -> r.action().isEmpty() || r.action().equalsIgnoreCase("failed"))
                .toList();
        if (failed.isEmpty() && !report.recipients().isEmpty()) {
            log.info(
                    "returned mail to {} reports no failure ({}, {} recipients); dropped",
                    rcpt,
                    report.kind(),
                    report.recipients().size());
            return 0;
        }
        Optional<VerpCodec.Decoded> token = domainOf(rcpt).equals(bounceDomain) ? verp.decode(rcpt) : Optional.empty();
        String ternId = headerTernId(report.originalHeaders(), report.ternId());
        Optional<Match> match = authenticate(token, ternId);
        if (match.isEmpty()) {
            if (failed.isEmpty() && token.isEmpty() && ternId == null) {
                log.info("returned mail to {} from {} names no message and no failure; dropped", rcpt, client);
                return 0;
            }
            unmatched("dsn", unmatchedReason(token, ternId), ternId, failed.size(), client, null);
            return 1;
        }
        Match m = match.get();
        if (failed.isEmpty()) {
            // a bounce we cannot read, to a valid VERP address: report it, undecided
            if (m.covered().size() != 1) {
                unmatched("dsn", "no_recipient", m.sent().messageId(), 0, client, null);
                return 1;
            }
            publishBounce(m, m.covered().get(0), null, client, writes);
            return 1;
        }
        int n = 0;
        int notCovered = 0;
        for (BouncedRecipient r : failed) {
            Optional<String> covered = m.covers(r.recipient());
            if (covered.isEmpty()) {
                notCovered++;
                continue;
            }
            publishBounce(m, covered.get(), r, client, writes);
            n++;
        }
        if (notCovered > 0) {
            log.info(
                    "DSN to {} from {} names {} recipient(s) its token ({}) does not cover: ignored",
                    rcpt,
                    client,
                    notCovered,
                    m.via());
            unmatched("dsn", "not_covered", m.sent().messageId(), notCovered, client, null);
            n++;
        }
        return n;
    }

    private void publishBounce(
            Match m, String recipient, BouncedRecipient r, String client, List<CompletableFuture<Void>> writes) {
        SentIndex.SentMessage s = m.sent();
        if (!once("b", s.messageId(), recipient)) {
            log.info("bounce for {} of {} already counted; replay from {} ignored", recipient, s.messageId(), client);
            return;
        }
        Event.Builder e = Event.of(EventType.ASYNC_BOUNCE, s.messageId(), recipient)
                .time(Instant.now(clock))
                .client(client)
                .tenant(s.tenant())
                .campaign(s.campaign())
                .sender(s.returnPath());
        SuppressionPolicy.Outcome outcome = SuppressionPolicy.Outcome.NONE;
        if (r == null) {
            e.reason("undefined").hard(false);
        } else {
            String reply = r.diagnosticCode().isEmpty() ? r.status() : r.diagnosticCode();
            e.reply(reply)
                    .reason(r.reason().id())
                    .bounceClass(r.bounceClass().label())
                    .hard(r.hard())
                    .remote(r.remoteMta());
            if (r.hard()) {
                SuppressionPolicy.Decision d =
                        suppression.hardBounce(s.tenant(), recipient, r.reason().id());
                writes.add(d.write());
                outcome = d.outcome();
            }
        }
        Event event = e.build();
        events.publish(outcome == SuppressionPolicy.Outcome.NONE ? event : event.withSuppressed(outcome.field()));
    }

    private int complaint(String rcpt, byte[] mail, String client, List<CompletableFuture<Void>> writes) {
        Optional<FeedbackReport> parsed = arf.parse(mail);
        if (parsed.isEmpty()) {
            log.warn("mail to FBL address {} is not a feedback report; dropped", rcpt);
            return 0;
        }
        FeedbackReport f = parsed.get();
        Optional<String> reporter = reporters.reporter(client, mail);
        if (reporter.isEmpty()) {
            log.info(
                    "feedback report ({}) to {} from {} is not from a configured reporter (bounces.fbl_reporters): logged only",
                    f.feedbackType(),
                    rcpt,
                    client);
            return 1;
        }
        Optional<VerpCodec.Decoded> token = domainOf(rcpt).equals(bounceDomain) ? verp.decode(rcpt) : Optional.empty();
        if (token.isEmpty() && f.verpLocalPart() != null) token = verp.decode(f.verpLocalPart());
        String ternId = headerTernId(f.originalHeaders(), null);
        Optional<Match> match = authenticate(token, ternId);
        if (match.isEmpty()) {
            unmatched(
                    "arf",
                    unmatchedReason(token, ternId),
                    ternId,
                    f.recipients().size(),
                    client,
                    f.feedbackType());
            return 1;
        }
        Match m = match.get();
        String recipient = f.recipients().stream()
                .map(m::covers)
                .flatMap(Optional::stream)
                .findFirst()
                .orElse(m.covered().size() == 1 ? m.covered().get(0) : null);
        if (recipient == null) {
            unmatched("arf", "not_covered", m.sent().messageId(), f.recipients().size(), client, f.feedbackType());
            return 1;
        }
        SentIndex.SentMessage s = m.sent();
        if (!once("c", s.messageId(), recipient)) {
            log.info(
                    "complaint for {} of {} already counted; replay from {} ignored", recipient, s.messageId(), client);
            return 1;
        }
        events.publish(Event.of(EventType.COMPLAINT, s.messageId(), recipient)
                .time(Instant.now(clock))
                .client(client)
                .reason("feedback")
                .feedbackType(f.feedbackType())
                .source(f.sourceIp())
                .remote(f.reportingMta() == null ? reporter.get() : f.reportingMta())
                .tenant(s.tenant())
                .campaign(s.campaign())
                .sender(s.returnPath())
                .build()
                .withSuppressed("yes"));
        writes.add(suppression.suppress(s.tenant(), recipient, "complaint"));
        return 1;
    }

    /** The message and covered recipients an authenticated token names, if any. */
    private Optional<Match> authenticate(Optional<VerpCodec.Decoded> token, String ternId) {
        if (index == null) return Optional.empty();
        if (token.isPresent()) {
            VerpCodec.Decoded t = token.get();
            Optional<SentIndex.SentMessage> sent = index.get(t.messageId());
            if (sent.isPresent() && t.recipientIndex() < sent.get().recipients().size()) {
                return Optional.of(
                        new Match(sent.get(), List.of(sent.get().recipients().get(t.recipientIndex())), "verp"));
            }
        }
        Optional<TernIdToken.Parsed> parsed = verp.parseTernId(ternId);
        if (parsed.isPresent()) {
            Optional<SentIndex.SentMessage> sent = index.get(parsed.get().messageId());
            if (sent.isPresent() && verp.verifyTernId(parsed.get(), sent.get().recipients())) {
                return Optional.of(new Match(sent.get(), sent.get().recipients(), "x-tern-id"));
            }
        }
        return Optional.empty();
    }

    private static String unmatchedReason(Optional<VerpCodec.Decoded> token, String ternId) {
        if (token.isPresent()) return "unknown_message";
        return ternId == null ? "no_token" : "bad_token";
    }

    /** A report no token ties to what Tern sent: an event naming nobody, nothing else. */
    private void unmatched(String kind, String why, String claimedId, int named, String client, String feedbackType) {
        log.info(
                "unmatched {} from {} ({}, claims id {}, names {} address(es)): changes nothing",
                kind,
                client,
                why,
                claimedId == null ? "-" : sanitize(claimedId),
                named);
        events.publish(Event.of(EventType.UNMATCHED_FEEDBACK, null, null)
                .time(Instant.now(clock))
                .client(client)
                .reason(why)
                .reply(kind + " naming " + named + " address(es)")
                .feedbackType(feedbackType)
                .build());
    }

    /**
     * Marks (kind, message, recipient) as counted; false when it already was. Kept in the spool,
     * so a replay is recognised after a restart too.
     */
    private boolean once(String kind, String messageId, String recipient) {
        return mark(store, clock, kind, messageId, recipient).join();
    }

    /** Marks (kind, message, recipient) as counted; the future gives false when it already was. */
    static CompletableFuture<Boolean> mark(
            FeedbackStore store, Clock clock, String kind, String messageId, String recipient) {
        String key = kind + ":" + messageId + "\u0000" + recipient.toLowerCase(Locale.ROOT);
        byte[] at = ByteBuffer.allocate(8).putLong(clock.millis()).array();
        return store.putIfAbsent(key, at);
    }

    /** Removes "counted once" marks older than {@code age} (their messages left the sent index too). */
    public int pruneMarks(Duration age) {
        long before = clock.millis() - age.toMillis();
        int n = 0;
        for (String prefix : List.of("b:", "c:", "u:"))
            n += store.prune(
                    prefix, (k, v) -> v.length >= 8 && ByteBuffer.wrap(v).getLong() < before);
        return n;
    }

    private static String headerTernId(Map<String, String> originalHeaders, String fallback) {
        String v = originalHeaders == null ? null : originalHeaders.get("x-tern-id");
        if (v == null || v.isBlank()) v = fallback;
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String sanitize(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) : s;
        return t.chars()
                .map(c -> c < 0x20 || c > 0x7e ? '?' : c)
                .mapToObj(c -> String.valueOf((char) c))
                .collect(Collectors.joining());
    }

    static String domainOf(String address) {
        String a = address.trim();
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1);
        return a.substring(a.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
