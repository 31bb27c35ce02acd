package dev.tern.core.feedback;

import dev.tern.bounce.arf.ArfParser;
import dev.tern.bounce.arf.FeedbackReport;
import dev.tern.bounce.dsn.BounceParser;
import dev.tern.bounce.dsn.BounceReport;
import dev.tern.bounce.dsn.BouncedRecipient;
import dev.tern.bounce.verp.VerpCodec;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mail arriving over SMTP for the bounce domain (asynchronous bounces to VERP return paths)
 * or an FBL domain (feedback-loop complaints): parsed, matched back to the message, recipient,
 * tenant and campaign Tern sent, turned into {@code async_bounce} / {@code complaint} events
 * and suppressions. Such mail is consumed here, never delivered onwards.
 *
 * <p>Matching, in order: the VERP token of the address the mail came to (verified MAC: message
 * id and recipient index); else the Tern id of the returned message ({@code X-Tern-Id}, or a
 * verified VERP token in its headers); then the {@link SentIndex} gives tenant, campaign and
 * recipients. Unmatched reports still produce events (without tenant or campaign) but never
 * suppress, since the tenant is unknown.
 */
public final class FeedbackIntake {
    private static final Logger log = LoggerFactory.getLogger(FeedbackIntake.class);

    private final String bounceDomain;
    private final Set<String> fblDomains;
    private final VerpReturnPaths verp;
    private final SentIndex index;
    private final SuppressionPolicy suppression;
    private final BounceParser bounces;
    private final ArfParser arf;
    private final EventBus events;
    private final Clock clock;

    public FeedbackIntake(
            String bounceDomain,
            List<String> fblDomains,
            VerpReturnPaths verp,
            SentIndex index,
            SuppressionPolicy suppression,
            BounceParser bounces,
            ArfParser arf,
            EventBus events,
            Clock clock) {
        this.bounceDomain = bounceDomain.toLowerCase(Locale.ROOT);
        this.fblDomains = Set.copyOf(fblDomains);
        this.verp = verp;
        this.index = index;
        this.suppression = suppression;
        this.bounces = bounces;
        this.arf = arf;
        this.events = events;
        this.clock = clock;
    }

    /** True when mail to this address is feedback for Tern (bounce or FBL domain). */
    public boolean handles(String address) {
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
            n += fblDomains.contains(domainOf(rcpt))
                    ? complaint(rcpt, mail, client, writes)
                    : bounce(rcpt, mail, client, writes);
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        return n + " report" + (n == 1 ? "" : "s");
    }

    private int bounce(String rcpt, byte[] mail, String client, List<CompletableFuture<Void>> writes) {
        BounceReport report = bounces.parse(mail);
        if (report.kind() == BounceReport.Kind.FEEDBACK) return complaint(rcpt, mail, client, writes);
        if (report.kind() == BounceReport.Kind.AUTO_REPLY) {
            log.info("auto-reply to {} dropped", rcpt);
            return 0;
        }
        Optional<VerpCodec.Decoded> token = verp.decode(rcpt);
        String messageId = token.map(VerpCodec.Decoded::messageId).orElse(report.ternId());
        Optional<SentIndex.SentMessage> sent = lookup(messageId);
        String tokenRecipient = token.flatMap(t -> sent.filter(
                                s -> t.recipientIndex() < s.recipients().size())
                        .map(s -> s.recipients().get(t.recipientIndex())))
                .orElse(null);

        List<BouncedRecipient> failed = report.recipients().stream()
                .filter(r -> r.action().isEmpty() || r.action().equalsIgnoreCase("failed"))
                .toList();
        if (failed.isEmpty()) {
            boolean onlyOtherActions = !report.recipients().isEmpty();
            if (onlyOtherActions || (tokenRecipient == null && messageId == null)) {
                log.info(
                        "returned mail to {} reports no failure ({}, {} recipients); dropped",
                        rcpt,
                        report.kind(),
                        report.recipients().size());
                return 0;
            }
            // a bounce we cannot read, to a valid VERP address: report it, undecided
            publishBounce(messageId, tokenRecipient, sent, null, client, writes);
            return 1;
        }
        if (tokenRecipient != null) {
            BouncedRecipient best = failed.stream()
                    .filter(r -> r.recipient().equalsIgnoreCase(tokenRecipient))
                    .findFirst()
                    .orElse(failed.get(0));
            publishBounce(messageId, tokenRecipient, sent, best, client, writes);
            return 1;
        }
        for (BouncedRecipient r : failed) {
            Optional<SentIndex.SentMessage> mine = sent.filter(s -> containsIgnoreCase(s.recipients(), r.recipient()));
            publishBounce(messageId, r.recipient(), mine, r, client, writes);
        }
        return failed.size();
    }

    private void publishBounce(
            String messageId,
            String recipient,
            Optional<SentIndex.SentMessage> sent,
            BouncedRecipient r,
            String client,
            List<CompletableFuture<Void>> writes) {
        Event.Builder e = Event.of(EventType.ASYNC_BOUNCE, messageId, recipient)
                .time(Instant.now(clock))
                .client(client);
        sent.ifPresent(s -> e.tenant(s.tenant()).campaign(s.campaign()).sender(s.returnPath()));
        if (r == null) {
            e.reason("undefined").hard(false);
        } else {
            String reply = r.diagnosticCode().isEmpty() ? r.status() : r.diagnosticCode();
            e.reply(reply)
                    .reason(r.reason().id())
                    .bounceClass(r.bounceClass().label())
                    .hard(r.hard())
                    .remote(r.remoteMta());
        }
        events.publish(e.build());
        if (sent.isPresent()
                && recipient != null
                && r != null
                && r.hard()
                && suppression.suppressesReason(r.reason().id())) {
            writes.add(suppression.suppress(
                    sent.get().tenant(), recipient, r.reason().id()));
        }
    }

    private int complaint(String rcpt, byte[] mail, String client, List<CompletableFuture<Void>> writes) {
        Optional<FeedbackReport> parsed = arf.parse(mail);
        if (parsed.isEmpty()) {
            log.warn("mail to FBL address {} is not a feedback report; dropped", rcpt);
            return 0;
        }
        FeedbackReport f = parsed.get();
        Optional<VerpCodec.Decoded> token = verp.decode(rcpt);
        if (token.isEmpty() && f.verpLocalPart() != null) token = verp.decode(f.verpLocalPart());
        String messageId = f.ternId() != null
                ? f.ternId()
                : token.map(VerpCodec.Decoded::messageId).orElse(null);
        Optional<SentIndex.SentMessage> sent = lookup(messageId);
        String recipient = null;
        if (sent.isPresent()) {
            SentIndex.SentMessage s = sent.get();
            Optional<VerpCodec.Decoded> t = token.filter(d -> d.messageId().equals(s.messageId())
                    && d.recipientIndex() < s.recipients().size());
            if (t.isPresent()) recipient = s.recipients().get(t.get().recipientIndex());
            if (recipient == null) {
                recipient = f.recipients().stream()
                        .filter(a -> containsIgnoreCase(s.recipients(), a))
                        .findFirst()
                        .orElse(null);
            }
            if (recipient == null && s.recipients().size() == 1)
                recipient = s.recipients().get(0);
        }
        if (recipient == null && !f.recipients().isEmpty())
            recipient = f.recipients().get(0);
        Event.Builder e = Event.of(EventType.COMPLAINT, messageId, recipient)
                .time(Instant.now(clock))
                .client(client)
                .reason("feedback")
                .feedbackType(f.feedbackType())
                .source(f.sourceIp())
                .remote(f.reportingMta());
        sent.ifPresent(s -> e.tenant(s.tenant()).campaign(s.campaign()).sender(s.returnPath()));
        events.publish(e.build());
        if (sent.isPresent() && recipient != null) {
            writes.add(suppression.suppress(sent.get().tenant(), recipient, "complaint"));
        } else {
            log.info(
                    "complaint ({}) for unknown message {} / recipient {}: reported, not suppressed",
                    f.feedbackType(),
                    messageId,
                    recipient);
        }
        return 1;
    }

    private Optional<SentIndex.SentMessage> lookup(String messageId) {
        return index == null || messageId == null ? Optional.empty() : index.get(messageId);
    }

    private static boolean containsIgnoreCase(List<String> list, String value) {
        return value != null && list.stream().anyMatch(v -> v.equalsIgnoreCase(value));
    }

    static String domainOf(String address) {
        String a = address.trim();
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1);
        return a.substring(a.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
