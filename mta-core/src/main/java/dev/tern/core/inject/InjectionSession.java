package dev.tern.core.inject;

import dev.tern.core.config.DataLimits;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventBus;
import dev.tern.core.events.EventType;
import dev.tern.core.feedback.Feedback;
import dev.tern.core.feedback.SentIndex;
import dev.tern.core.feedback.SuppressionPolicy;
import dev.tern.core.inject.auth.AuthUser;
import dev.tern.queue.BodyFile;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.RecipientState;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolFullException;
import dev.tern.queue.Suppression;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;

/**
 * One SMTP mail transaction on the injection listener: checks the sender and recipients
 * against policy, reads the message (counting bytes), strips Tern's control headers, adds
 * the trace header and writes it durably to the spool before answering 250.
 */
final class InjectionSession implements MessageHandler {
    private static final Logger log = LoggerFactory.getLogger(InjectionSession.class);
    static final String CONTROL_PREFIX = "x-tern-";

    private final MessageContext context;
    private final Injector injector;
    private final InetAddress client;
    private String returnPath;
    private boolean relayAllowed;
    private AuthUser user; // authenticated with AUTH, or null
    private String knownTenant; // the tenant the message must have, known before DATA, or null
    private String rcptChecked; // every recipient was found clear at RCPT for this tenant ("": global list), or null
    private final List<String> recipients = new ArrayList<>();
    private final List<String> feedbackRecipients = new ArrayList<>(); // bounce/FBL mail, consumed not delivered

    InjectionSession(MessageContext context, Injector injector) {
        this.context = context;
        this.injector = injector;
        this.client = context.getRemoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }

    @Override
    public void from(String from) throws RejectException {
        // relay: authenticated users (within their message rate) and clients in relay_from; nobody else
        user = SmtpAuth.user(context).orElse(null);
        relayAllowed = user != null || (client != null && injector.policy().relayAllowed(client));
        if (user != null && !injector.policy().withinRate(user)) throw overRate();
        // with bounce/FBL domains configured anyone may send to them: relaying is then judged per recipient
        if (!relayAllowed && !injector.acceptsFeedback()) throw relayDenied();
        returnPath = SmtpAddress.checkSender(from);
        knownTenant = injector.tenantBeforeData(user, client);
    }

    @Override
    public void recipient(String recipient) throws RejectException {
        if (recipients.size() >= injector.policy().maxRecipients()) {
            throw new RejectException(
                    452,
                    "4.5.3 Too many recipients (at most " + injector.policy().maxRecipients() + " per message)");
        }
        String r = SmtpAddress.checkRecipient(recipient);
        if (injector.isFeedbackAddress(r)) {
            if (!recipients.isEmpty())
                throw new RejectException(452, "4.5.3 Send mail for <" + r + "> in a transaction of its own");
            feedbackRecipients.add(r);
            return;
        }
        if (!relayAllowed) throw relayDenied();
        if (!feedbackRecipients.isEmpty())
            throw new RejectException(452, "4.5.3 Send mail for <" + r + "> in a transaction of its own");
        boolean checked = injector.refuseIfSuppressed(
                r, returnPath, client == null ? "unknown" : client.getHostAddress(), knownTenant);
        // rates count recipients (stored copies), not transactions
        if (user != null && !injector.policy().takeRecipient(user)) throw overRate();
        if (recipients.isEmpty()) rcptChecked = checked ? (knownTenant == null ? "" : knownTenant) : null;
        else if (!checked) rcptChecked = null;
        recipients.add(r);
    }

    private RejectException overRate() {
        injector.metrics.refused(dev.tern.core.telemetry.PathMetrics.Refusal.RATE_LIMITED);
        return new RejectException(
                451, "4.7.1 User '" + user.name() + "' is over its message rate limit, try again later");
    }

    private boolean tls() {
        return context instanceof org.subethamail.smtp.server.Session s && s.isTLSStarted();
    }

    private RejectException relayDenied() {
        return new RejectException(
                550,
                "5.7.1 Relaying denied: client " + (client == null ? "?" : client.getHostAddress())
                        + " is not allowed to send through this server");
    }

    /** Largest message accepted, in bytes. */
    long maxMessageSize() {
        return injector.policy().maxMessageSize();
    }

    /**
     * A share of {@code injection.max_memory} for the next message text, at least
     * {@code initial} bytes; null when the budget cannot give them now.
     */
    MemoryBudget.Lease memoryLease(long initial) {
        return injector.memory.open(initial);
    }

    /**
     * How the next message text may use memory: past {@code injection.data.memory_threshold} it
     * goes to the spool as it arrives (returned mail to bounce/FBL addresses is kept up to the
     * threshold and the rest dropped: reports carry what matters first).
     */
    /** Notes (rate-limited, one line) that a text was refused for want of memory. */
    void memoryShort() {
        injector.memoryShort(client);
    }

    DataReader.Overflow overflow(MemoryBudget.Lease lease) {
        return new DataReader.Overflow(
                injector.memoryThreshold, lease, feedbackRecipients.isEmpty() ? injector::openTail : null);
    }

    /**
     * Only reached through SubEthaSMTP's own DATA or BDAT (the listener installs
     * {@link TernDataCommand} and {@link TernBdatCommand} instead): the already un-stuffed text is
     * checked with the default {@link DataLimits} and handed to {@link #data(byte[], int)}.
     */
    @Override
    public String data(InputStream data) throws RejectException, IOException {
        DataReader.Result text =
                DataReader.readAll(data, DataReader.Limits.of(DataLimits.defaults(), maxMessageSize()));
        if (!text.accepted()) throw new RejectException(text.code(), text.text());
        return data(text.buffer(), text.length());
    }

    /**
     * The end of DATA: the message text, {@code raw[0, length)}, read and checked by
     * {@link DataReader}. Returns the text of the 250 reply; {@code raw} is not kept.
     */
    String data(byte[] raw, int length) throws RejectException {
        return data(raw, length, null);
    }

    /**
     * As {@link #data(byte[], int)} for a text whose header section is {@code raw[0, length)} and
     * whose rest went to {@code tail} (null: {@code raw[0, length)} is the whole text).
     */
    String data(byte[] raw, int length, DataReader.Tail tail) throws RejectException {
        if (!feedbackRecipients.isEmpty()) {
            return injector.feedback(List.copyOf(feedbackRecipients), java.util.Arrays.copyOf(raw, length), client);
        }
        if (recipients.isEmpty()) throw new RejectException(554, "5.5.1 No valid recipients");
        long start = System.nanoTime();
        String reply = injector.accept(
                returnPath,
                List.copyOf(recipients),
                raw,
                length,
                (SpooledTail) tail,
                client,
                context.getHelo().orElse(""),
                user,
                tls(),
                rcptChecked);
        injector.metrics.injected(System.nanoTime() - start);
        return reply;
    }

    @Override
    public void done() {}

    /** Turns accepted transactions into spooled messages. Shared by all sessions; thread-safe. */
    static final class Injector {
        private static final DateTimeFormatter RFC5322 =
                DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
        /** The waits for durability, 60 s at most each. */
        private final SpoolWaits spoolWaits = new SpoolWaits(60, TimeUnit.SECONDS, System::nanoTime);
        /** The Received date of the last second formatted (one formatting per second, not per message). */
        private volatile ReceivedDate receivedDate = new ReceivedDate(Long.MIN_VALUE, "");

        private record ReceivedDate(long epochSecond, String text) {}

        /** {@code now} as the Received header's date (RFC 5322, UTC, whole seconds). */
        private String receivedDate(Instant now) {
            ReceivedDate d = receivedDate;
            long second = now.getEpochSecond();
            if (d.epochSecond() != second) {
                d = new ReceivedDate(second, RFC5322.format(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)));
                receivedDate = d;
            }
            return d.text();
        }

        private final Spool spool;
        private final EventBus events;
        private final InjectionPolicy policy;
        private final String hostname;
        private final long maxAgeMillis;
        private final Clock clock;
        private final DkimSigning dkim;
        private final dev.tern.core.telemetry.PathMetrics metrics;
        private final Feedback feedback; // null: no suppression, VERP, intake or campaign guard
        private TagPolicy tagPolicy = new TagPolicy(java.util.Set.of(), null, null, java.util.Set.of(), null);
        private dev.tern.core.config.InjectionHeaders hygiene =
                new dev.tern.core.config.InjectionHeaders(true, true, false);
        private dev.tern.core.unsubscribe.ListUnsubscribe listUnsubscribe; // null: no List-Unsubscribe added
        final MemoryBudget memory;
        final long memoryThreshold;

        Injector(
                Spool spool,
                EventBus events,
                InjectionPolicy policy,
                String hostname,
                long maxAgeMillis,
                DkimSigning dkim,
                Clock clock,
                Feedback feedback,
                dev.tern.core.telemetry.PathMetrics metrics,
                MemoryBudget memory,
                long memoryThreshold) {
            this.memory = memory;
            this.memoryThreshold = memoryThreshold;
            this.memoryLog = new LogLimiter(log, clock, 1);
            this.metrics = metrics;
            this.feedback = feedback;
            this.spool = spool;
            this.dkim = dkim;
            this.events = events;
            this.policy = policy;
            this.hostname = hostname;
            this.maxAgeMillis = maxAgeMillis;
            this.clock = clock;
        }

        InjectionPolicy policy() {
            return policy;
        }

        /** Sets which X-Tern-Pool / X-Tern-Tenant values are accepted (before the listener starts). */
        Injector tags(TagPolicy tags) {
            this.tagPolicy = tags;
            return this;
        }

        /**
         * Sets the header hygiene ({@code injection.headers}) and the List-Unsubscribe fields to add
         * (null: none), before the listener starts.
         */
        Injector headers(dev.tern.core.config.InjectionHeaders hygiene, dev.tern.core.unsubscribe.ListUnsubscribe lu) {
            this.hygiene = hygiene;
            this.listUnsubscribe = lu;
            return this;
        }

        /**
         * Opens the spool file for the tail of a large message (header section
         * {@code message[0, headerEnd)}); when the message is to be signed, the signing session is
         * fed the header section without control headers now and the tail as it arrives.
         */
        SpooledTail openTail(byte[] message, int headerEnd) throws IOException {
            HeaderBlock h = HeaderBlock.parse(message, headerEnd);
            DkimSigning.Signing signing = dkim.start(domainOf(h.first("From")));
            if (signing != null) h.writeWithout(CONTROL_PREFIX, signing);
            try {
                return new SpooledTail(spool.newBodyFile(), signing);
            } catch (RuntimeException e) {
                log.error("cannot write a message body to the spool (451 4.3.0 to the client): {}", e.getMessage());
                throw e;
            }
        }

        private final LogLimiter memoryLog;

        /** One warning a minute at most while {@code injection.max_memory} turns texts away. */
        void memoryShort(InetAddress client) {
            memoryLog.warn(
                    "memory",
                    "injection.max_memory (" + memory.limit() + " bytes) is used up: 452 4.3.1 to "
                            + (client == null ? "unknown" : client.getHostAddress())
                            + "; raise it (and -Xmx) if this persists");
        }

        /** True when mail to bounce/FBL domains is accepted (from any client). */
        boolean acceptsFeedback() {
            return feedback != null && feedback.intakeEnabled();
        }

        boolean isFeedbackAddress(String rcpt) {
            return feedback != null && feedback.isFeedbackAddress(rcpt);
        }

        /**
         * RCPT-time check against the global suppression list (tenant ""; a tenant's own list is
         * checked after DATA, once X-Tern-Tenant is known). Only in refuse mode.
         */
        boolean refuseIfSuppressed(String rcpt, String sender, String client) throws RejectException {
            return refuseIfSuppressed(rcpt, sender, client, null);
        }

        /**
         * The tenant a message of this session must carry, when known before DATA: an AUTH user's
         * only tenant, or the tenant of the client's network ({@code injection.tags.networks});
         * else null. Its suppression list (e.g. unsubscribes) then applies at RCPT.
         */
        String tenantBeforeData(AuthUser user, InetAddress client) {
            if (user != null) return user.tenant(null).value();
            try {
                return tagPolicy.tenant(null, false, client);
            } catch (RejectException e) {
                return null;
            }
        }

        /**
         * As {@link #refuseIfSuppressed(String, String, String)} with the tenant's own list too when the
         * tenant is known before DATA ({@code tenant} non-null). Returns whether the lists were
         * looked up (refuse mode), so the check after DATA can skip what this one covered.
         */
        boolean refuseIfSuppressed(String rcpt, String sender, String client, String tenant) throws RejectException {
            if (feedback == null || !feedback.suppression().refuses()) return false;
            Optional<Suppression> s;
            try {
                s = feedback.suppression().find(tenant == null ? "" : tenant, rcpt);
            } catch (RuntimeException e) {
                log.error("suppression lookup failed for {}: {}", rcpt, e.toString());
                throw new RejectException(451, "4.3.0 Temporary local error, try again later");
            }
            if (s.isPresent()) {
                metrics.refused(dev.tern.core.telemetry.PathMetrics.Refusal.SUPPRESSED);
                events.publish(Event.of(EventType.SUPPRESSED, null, rcpt)
                        .time(clock.instant())
                        .tenant(tenant)
                        .sender(sender)
                        .client(client)
                        .reason(s.get().reason())
                        .reply("550 " + SuppressionPolicy.refusal(rcpt, s.get()))
                        .build());
                throw new RejectException(550, SuppressionPolicy.refusal(rcpt, s.get()));
            }
            return true;
        }

        /** Consumes returned mail (async bounce or complaint) addressed to bounce/FBL domains. */
        String feedback(List<String> rcpts, byte[] raw, InetAddress client) throws RejectException {
            String clientAddr = client == null ? "unknown" : client.getHostAddress();
            try {
                return "2.0.0 Ok: " + feedback.intake().accept(rcpts, raw, clientAddr) + " processed";
            } catch (RuntimeException e) {
                log.error("processing returned mail from {} failed: {}", clientAddr, e.toString());
                throw new RejectException(
                        451, "4.3.0 Temporary local error while processing the report, try again later");
            }
        }

        /** The domain of the (first) address in a From header value, or null. */
        static String domainOf(String from) {
            if (from == null) return null;
            String f = from;
            int lt = f.lastIndexOf('<');
            if (lt >= 0) {
                int gt = f.indexOf('>', lt);
                f = f.substring(lt + 1, gt < 0 ? f.length() : gt);
            }
            int at = f.lastIndexOf('@');
            if (at < 0) return null;
            String d = f.substring(at + 1).trim();
            int end = 0;
            while (end < d.length()
                    && (Character.isLetterOrDigit(d.charAt(end)) || d.charAt(end) == '.' || d.charAt(end) == '-'))
                end++;
            return end == 0 ? null : d.substring(0, end).toLowerCase(Locale.ROOT);
        }

        /**
         * Spools the message {@code raw[0, length)} (its header section only when {@code tail}
         * holds the rest); returns the text of the 250 reply. {@code rcptChecked}: every recipient was
         * found clear of suppression at RCPT for this tenant ("" for the global list only), or null.
         */
        String accept(
                String returnPath,
                List<String> recipients,
                byte[] raw,
                int length,
                SpooledTail tail,
                InetAddress client,
                String helo,
                AuthUser user,
                boolean tls,
                String rcptChecked)
                throws RejectException {
            if (length > 0 && (raw[0] == ' ' || raw[0] == '\t')) {
                // a leading continuation line would fold into the Received and DKIM-Signature fields put on top
                throw new RejectException(
                        550,
                        "5.6.0 The message starts with a folded line: the header section must start with a field name");
            }
            String id = MessageIds.next();
            Instant now = clock.instant();
            HeaderBlock headers = HeaderBlock.parse(raw, length);
            if (hygiene.requireFrom()) checkFrom(headers);
            Map<String, String> tags = headers.valuesWithPrefix(CONTROL_PREFIX);
            String clientAddr = client == null ? "unknown" : client.getHostAddress();
            String tenant = tags.get("x-tern-tenant");
            String pool = tags.get("x-tern-pool");
            meta(tags); // refused now if out of bounds; kept in the envelope by store()
            if (user != null) {
                // an authenticated user sends only for its own tenants and pools
                AuthUser.Grant t = user.tenant(tenant), p = user.pool(pool);
                if (!t.allowed() || !p.allowed())
                    metrics.refused(dev.tern.core.telemetry.PathMetrics.Refusal.NOT_PERMITTED);
                if (!t.allowed())
                    throw new RejectException(
                            550,
                            "5.7.1 User '" + user.name() + "' may not send for tenant '"
                                    + (tenant == null ? "(none: name one with X-Tern-Tenant)" : Replies.excerpt(tenant))
                                    + "'");
                if (!p.allowed())
                    throw new RejectException(
                            550,
                            "5.7.1 User '" + user.name() + "' may not send through pool '"
                                    + (pool == null ? "(none: name one with X-Tern-Pool)" : Replies.excerpt(pool))
                                    + "'");
                tenant = t.value();
                pool = p.value();
            }
            try {
                tenant = tagPolicy.tenant(tenant, user != null, client);
            } catch (RejectException e) {
                metrics.refused(dev.tern.core.telemetry.PathMetrics.Refusal.UNKNOWN_TENANT);
                throw e;
            }
            try {
                pool = tagPolicy.pool(pool);
            } catch (RejectException e) {
                metrics.refused(dev.tern.core.telemetry.PathMetrics.Refusal.UNKNOWN_POOL);
                throw e;
            }
            boolean transactional = "transactional".equalsIgnoreCase(tags.getOrDefault("x-tern-priority", ""));
            if (transactional && user != null && !user.mayUsePriority("transactional"))
                throw new RejectException(
                        550, "5.7.1 User '" + user.name() + "' may not use the transactional priority lane");
            if (transactional) tagPolicy.checkTransactional(tenant);
            String campaign = tags.get("x-tern-campaign");
            Optional<String> paused =
                    feedback == null ? Optional.empty() : feedback.campaigns().pausedReason(campaign);
            if (paused.isPresent()) {
                metrics.refused(dev.tern.core.telemetry.PathMetrics.Refusal.CAMPAIGN_PAUSED);
                throw new RejectException(
                        451,
                        "4.7.1 Campaign '" + Replies.excerpt(campaign) + "' is paused (" + paused.get()
                                + "); try again later");
            }
            // the tenant's own suppression list (and, in report mode, the global one) is known only now;
            // the lists the RCPT-time check read are not read again
            Map<String, Suppression> suppressed = new LinkedHashMap<>();
            List<String> deliverTo = new ArrayList<>();
            for (String r : recipients) {
                Optional<Suppression> s = feedback == null
                        ? Optional.empty()
                        : feedback.suppression().findAfterRcpt(tenant, r, rcptChecked);
                if (s.isPresent()) suppressed.put(r, s.get());
                else deliverTo.add(r);
            }
            if (deliverTo.isEmpty()) {
                var first = suppressed.entrySet().iterator().next();
                if (feedback.suppression().refuses())
                    throw new RejectException(550, SuppressionPolicy.refusal(first.getKey(), first.getValue()));
                publishSuppressed(id, now, returnPath, tenant, campaign, clientAddr, suppressed);
                return "2.0.0 Ok: every recipient is suppressed, nothing queued (" + id + ")";
            }
            // List-Unsubscribe: per recipient (its token names it), so one copy per recipient
            boolean unsubscribe = listUnsubscribe != null
                    && feedback != null
                    && feedback.sentIndex() != null
                    && listUnsubscribe.applies(transactional, tenant, campaign);
            boolean replaceClients = false;
            if (unsubscribe
                    && (headers.first("List-Unsubscribe") != null || headers.first("List-Unsubscribe-Post") != null)) {
                switch (listUnsubscribe.existing()) {
                    case KEEP -> unsubscribe = false;
                    case REPLACE -> replaceClients = true;
                    case REFUSE ->
                        throw new RejectException(
                                550,
                                "5.6.0 The message has its own List-Unsubscribe header: Tern adds it for this"
                                        + " tenant (unsubscribe.existing: refuse); remove it");
                }
            }
            boolean dropClients = replaceClients;
            java.util.function.Predicate<String> omit = name -> dropClients && isListUnsubscribe(name);
            java.util.function.Predicate<String> drop =
                    HeaderBlock.prefix(CONTROL_PREFIX).or(omit);
            // Message-ID and Date when missing, before signing (the signature covers them)
            String fixedTop = "";
            String addedMessageId = null;
            if (hygiene.addMessageId() && headers.first("Message-ID") == null) {
                addedMessageId = "<" + id + "@" + hostname + ">";
                fixedTop += "Message-ID: " + addedMessageId + "\r\n";
            }
            if (hygiene.addDate() && headers.first("Date") == null)
                fixedTop += "Date: " + RFC5322.format(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)) + "\r\n";
            // the message without control headers is never built: the signer reads the kept runs of
            // the read buffer (a spooled tail was signed as it arrived), and they are copied once,
            // straight into each spooled body below; what Tern adds goes on top, signed as a variant
            int cleanLength = headers.lengthWithout(CONTROL_PREFIX);
            String fromDomain = domainOf(headers.first("From"));
            DkimSigning.Signing.Variants signer = null;
            if (tail != null) {
                signer = tail.variants();
            } else {
                DkimSigning.Signing signing = dkim.start(fromDomain);
                if (signing != null) {
                    try {
                        headers.writeWithout(CONTROL_PREFIX, signing);
                    } catch (IOException e) {
                        throw new IllegalStateException(e); // a signing session does not fail on write
                    }
                    signer = signing.finishBody();
                }
            }
            Additions additions = new Additions(fixedTop, addedMessageId, unsubscribe, drop, omit, signer);

            String deliverAfter = tags.get("x-tern-deliver-after");
            long notBefore = Math.max(now.toEpochMilli(), deliverAfterMillis(deliverAfter, now));
            // VERP: one return path per recipient, so one spooled message per recipient
            boolean verp = feedback != null && feedback.verp().enabled() && !returnPath.isEmpty();
            List<List<String>> groups =
                    verp || unsubscribe ? deliverTo.stream().map(List::of).toList() : List.of(deliverTo);
            // a split whose copies would together outgrow the in-memory threshold stores the part after
            // the header fields once, in a spool file every copy links to: one copy per recipient of a
            // 1 MiB text would otherwise take the heap
            BodyFile tailFile = tail == null ? null : tail.file();
            HeaderBlock stored = headers;
            BodyFile shared = null;
            if (tail == null && groups.size() > 1 && (long) cleanLength * groups.size() > memoryThreshold) {
                int fieldsEnd = headers.fieldsEnd();
                shared = spool.newBodyFile();
                try {
                    shared.write(raw, fieldsEnd, length - fieldsEnd);
                } catch (IOException e) {
                    shared.close();
                    log.error("spool write failed for message from {}: {}", clientAddr, e.toString());
                    throw new RejectException(451, "4.3.0 Temporary local error while queueing, try again later");
                }
                tailFile = shared;
                stored = HeaderBlock.parse(raw, fieldsEnd);
            }
            try {
                return store(
                        id,
                        returnPath,
                        groups,
                        verp,
                        stored,
                        tailFile,
                        additions,
                        fromDomain,
                        deliverAfter,
                        notBefore,
                        now,
                        transactional,
                        tenant,
                        campaign,
                        pool,
                        clientAddr,
                        helo,
                        user,
                        tls,
                        suppressed);
            } finally {
                if (shared != null) shared.close(); // the stored messages keep their links
            }
        }

        /** Spools one message per group: Tern's fields on top of {@code stored} (and the tail file). */
        private String store(
                String id,
                String returnPath,
                List<List<String>> groups,
                boolean verp,
                HeaderBlock stored,
                BodyFile tailFile,
                Additions additions,
                String fromDomain,
                String deliverAfter,
                long notBefore,
                Instant now,
                boolean transactional,
                String tenant,
                String campaign,
                String pool,
                String clientAddr,
                String helo,
                AuthUser user,
                boolean tls,
                Map<String, Suppression> suppressed)
                throws RejectException {
            int storedLength = stored.lengthWithout(additions.drop());
            Map<String, String> meta = meta(stored.valuesWithPrefix(CONTROL_PREFIX));
            String headerMessageId = additions.messageId() != null ? additions.messageId() : stored.first("Message-ID");
            if (headerMessageId != null) headerMessageId = Replies.clean(headerMessageId.strip(), 255);
            List<Envelope> envelopes = new ArrayList<>();
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            // 8-bit body, raw UTF-8 header fields: decided once here, delivery reads the attribute
            dev.tern.core.delivery.smtp.MessageContent content = null;
            for (int g = 0; g < groups.size(); g++) {
                String gid = g == 0 ? id : MessageIds.next();
                String received =
                        "Received: from " + (helo.isEmpty() ? "unknown" : Replies.heloName(helo)) + " ([" + clientAddr
                                + "])\r\n"
                                + "\tby " + hostname + " (Tern) with ESMTP" + (tls ? "S" : "")
                                + (user != null ? "A" : "") + " id " + gid + ";\r\n"
                                + "\t" + receivedDate(now) + "\r\n";
                String idHeader = feedback != null && feedback.ternIdHeader()
                        ? "X-Tern-Id: " + feedback.verp().ternId(gid, groups.get(g)) + "\r\n"
                        : "";
                // Tern's added fields (Message-ID, Date, List-Unsubscribe) are signed with the message
                String added = additions.fixedTop()
                        + (additions.listUnsubscribe()
                                ? listUnsubscribe.fields(
                                        gid, tenant, campaign, groups.get(g).get(0), now.toEpochMilli())
                                : "");
                String signatures =
                        additions.signer() == null ? "" : additions.signer().sign(added, additions.omit());
                // trace header, Tern id and signatures go on top; the signed fields below stay byte for byte
                byte[] body = withTop(storedLength, received, idHeader, signatures, added);
                stored.copyWithout(additions.drop(), body, body.length - storedLength);

                Map<String, String> attributes = new LinkedHashMap<>();
                attributes.put("client", clientAddr);
                if (user != null) attributes.put("auth_user", user.name());
                attributes.put("dkim", signatures.isEmpty() ? "unsigned" : "signed:" + dkim.signingDomain(fromDomain));
                if (content == null)
                    content = dev.tern.core.delivery.smtp.MessageContent.scan(
                            body, body.length, tailFile != null && tailFile.eightBit());
                attributes.put(dev.tern.core.delivery.smtp.MessageContent.ATTRIBUTE, content.wireName());
                if (deliverAfter != null) attributes.put("deliver_after", deliverAfter);
                if (verp) attributes.put("return_path", returnPath);
                if (headerMessageId != null && !headerMessageId.isEmpty())
                    attributes.put(Event.MESSAGE_ID_ATTRIBUTE, headerMessageId);
                meta.forEach((k, v) -> attributes.put(Event.META_PREFIX + k, v));
                Envelope envelope = new Envelope(
                        gid,
                        verp ? feedback.verp().returnPath(gid, 0) : returnPath,
                        tenant,
                        campaign,
                        pool,
                        transactional,
                        now.toEpochMilli(),
                        now.toEpochMilli() + maxAgeMillis,
                        body.length + (tailFile == null ? 0 : tailFile.size()),
                        attributes);

                Map<String, List<RecipientState>> byDomain = new LinkedHashMap<>();
                for (String r : groups.get(g)) {
                    String domain = r.substring(r.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
                    byDomain.computeIfAbsent(domain, d -> new ArrayList<>()).add(RecipientState.pending(r));
                }
                List<QueueEntry> entries = new ArrayList<>();
                for (var e : byDomain.entrySet())
                    entries.add(new QueueEntry(envelope, e.getKey(), e.getValue(), 0, notBefore));
                envelopes.add(envelope);
                events.holdUntilReception(gid); // the engine may deliver it before the reception events below
                writes.add(
                        tailFile == null
                                ? spool.store(envelope, body, entries)
                                : spool.store(envelope, body, tailFile, entries));
            }
            try {
                return queued(id, envelopes, groups, writes, now, returnPath, tenant, campaign, clientAddr, suppressed);
            } finally {
                for (Envelope e : envelopes) events.receptionPublished(e.messageId());
            }
        }

        /**
         * A spooled body of {@code rest} bytes after {@code parts} in US-ASCII, with the parts in place:
         * as {@code String.join("", parts).getBytes(US_ASCII)} copied to the front of a new array, but
         * an ASCII part (every one Tern writes) is copied straight in, with no joined string between.
         */
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exact for ASCII
        static byte[] withTop(int rest, String... parts) {
            int n = 0;
            for (String p : parts) {
                for (int i = 0; i < p.length(); i++) {
                    if (p.charAt(i) >= 0x80) {
                        byte[] top = String.join("", parts).getBytes(StandardCharsets.US_ASCII);
                        byte[] body = new byte[top.length + rest];
                        System.arraycopy(top, 0, body, 0, top.length);
                        return body;
                    }
                }
                n += p.length();
            }
            byte[] body = new byte[n + rest];
            int at = 0;
            for (String p : parts) {
                p.getBytes(0, p.length(), body, at);
                at += p.length();
            }
            return body;
        }

        /**
         * What Tern adds to a message before signing and which client fields it leaves out.
         *
         * @param fixedTop        Message-ID and Date fields added (the same in every copy), or ""
         * @param messageId       the Message-ID added, or null
         * @param listUnsubscribe whether each (one-recipient) copy gets List-Unsubscribe fields
         * @param drop            client fields not stored (control headers, replaced List-Unsubscribe)
         * @param omit            fed (signed) fields left out of the signature (replaced List-Unsubscribe)
         * @param signer          the DKIM signer of the body, or null when the message is not signed
         */
        private record Additions(
                String fixedTop,
                String messageId,
                boolean listUnsubscribe,
                java.util.function.Predicate<String> drop,
                java.util.function.Predicate<String> omit,
                DkimSigning.Signing.Variants signer) {}

        private static boolean isListUnsubscribe(String name) {
            return name.equalsIgnoreCase("List-Unsubscribe") || name.equalsIgnoreCase("List-Unsubscribe-Post");
        }

        /**
         * Refuses (550 5.6.0) a message without exactly one From field holding exactly one address
         * ({@code injection.headers.require_from}).
         */
        static void checkFrom(HeaderBlock headers) throws RejectException {
            int fields = headers.count("From");
            if (fields == 0)
                throw new RejectException(550, "5.6.0 The message has no From: header field (RFC 5322 requires one)");
            if (fields > 1)
                throw new RejectException(
                        550, "5.6.0 The message has " + fields + " From: header fields (RFC 5322 allows one)");
            int n = addressCount(headers.first("From"));
            if (n != 1)
                throw new RejectException(
                        550, "5.6.0 The From: header field must hold exactly one address (it holds " + n + ")");
        }

        /**
         * The addresses in a From value (an RFC 5322 mailbox-list): entries separated by commas outside
         * quoted strings, comments and angle brackets, each counted when it holds an '@'.
         */
        static int addressCount(String value) {
            int count = 0, depth = 0;
            boolean quoted = false, angle = false, at = false;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (quoted) {
                    if (c == '\\') i++;
                    else if (c == '"') quoted = false;
                } else if (depth > 0) {
                    if (c == '\\') i++;
                    else if (c == '(') depth++;
                    else if (c == ')') depth--;
                } else if (c == '"') quoted = true;
                else if (c == '(') depth++;
                else if (c == '<') angle = true;
                else if (c == '>') angle = false;
                else if (c == '@') at = true;
                else if ((c == ',' || c == ';' || c == ':') && !angle) {
                    if (c == ':') {
                        at = false; // a group's display name: its members follow
                        continue;
                    }
                    if (at) count++;
                    at = false;
                }
            }
            if (at) count++;
            return count;
        }

        /** Most X-Tern-Meta-NAME headers per message, longest name and value. */
        static final int MAX_META = 10, MAX_META_NAME = 32, MAX_META_VALUE = 256;

        /**
         * The platform metadata of {@code X-Tern-Meta-NAME: value} headers (name lower case), carried
         * in every event of the message; more than {@link #MAX_META} fields, a name that is not 1-32
         * letters, digits, '-' or '_', or a value over 256 characters gets 550 5.6.0.
         */
        static Map<String, String> meta(Map<String, String> tags) throws RejectException {
            Map<String, String> meta = new java.util.TreeMap<>();
            for (var e : tags.entrySet()) {
                if (!e.getKey().startsWith("x-tern-meta-")) continue;
                String name = e.getKey().substring("x-tern-meta-".length());
                String value = e.getValue().strip();
                if (!name.matches("[a-z0-9_\\-]{1," + MAX_META_NAME + "}"))
                    throw new RejectException(
                            550,
                            "5.6.0 X-Tern-Meta-" + Replies.excerpt(name)
                                    + ": a meta name is 1-32 letters, digits, '-' or '_'");
                if (value.length() > MAX_META_VALUE)
                    throw new RejectException(
                            550, "5.6.0 X-Tern-Meta-" + name + " is longer than " + MAX_META_VALUE + " characters");
                meta.put(name, Replies.clean(value, MAX_META_VALUE));
            }
            if (meta.size() > MAX_META)
                throw new RejectException(550, "5.6.0 More than " + MAX_META + " X-Tern-Meta-* headers");
            return meta;
        }

        /**
         * The time in an X-Tern-Deliver-After value (RFC 3339), in epoch milliseconds; {@code now} when absent.
         * Unparsable or out-of-range times get 554 5.6.0, a time after the message would expire ({@code
         * delivery.max_age} from now) 550 5.5.4; the reply quotes at most a short, cleaned excerpt.
         */
        long deliverAfterMillis(String value, Instant now) throws RejectException {
            if (value == null) return now.toEpochMilli();
            long at;
            try {
                at = OffsetDateTime.parse(value.trim()).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new RejectException(
                        554, "5.6.0 X-Tern-Deliver-After is not an RFC 3339 time: " + Replies.excerpt(value));
            } catch (java.time.DateTimeException | ArithmeticException e) {
                throw new RejectException(554, "5.6.0 X-Tern-Deliver-After is out of range: " + Replies.excerpt(value));
            }
            if (at - now.toEpochMilli() > maxAgeMillis) {
                throw new RejectException(
                        550,
                        "5.5.4 X-Tern-Deliver-After " + Replies.excerpt(value)
                                + " is later than the message may stay queued (delivery.max_age)");
            }
            return at;
        }

        /** Waits until the messages are durable, then publishes their reception events. */
        private String queued(
                String id,
                List<Envelope> envelopes,
                List<List<String>> groups,
                List<CompletableFuture<Void>> writes,
                Instant now,
                String returnPath,
                String tenant,
                String campaign,
                String clientAddr,
                Map<String, Suppression> suppressed)
                throws RejectException {
            try {
                // a VERP split stores several messages; if one fails after others were stored, those are
                // delivered and the client's retry may duplicate them (only on spool failure)
                spoolWaits.await(
                        writes.size() == 1
                                ? writes.get(0)
                                : CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SpoolFullException) {
                    log.warn(
                            "refusing message from {}: {}",
                            clientAddr,
                            e.getCause().getMessage());
                    throw new RejectException(452, "4.3.1 Insufficient system storage, try again later");
                }
                log.error(
                        "spool write failed for message from {}: {}",
                        clientAddr,
                        e.getCause().toString());
                throw new RejectException(451, "4.3.0 Temporary local error while queueing, try again later");
            } catch (TimeoutException e) {
                throw new RejectException(451, "4.3.0 Queueing timed out, try again later");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RejectException(421, "4.3.2 Server shutting down");
            }
            SentIndex index = feedback == null ? null : feedback.sentIndex();
            for (int g = 0; g < groups.size(); g++) {
                Envelope envelope = envelopes.get(g);
                if (index != null) {
                    try {
                        index.put(new SentIndex.SentMessage(
                                envelope.messageId(), tenant, campaign, returnPath, groups.get(g), now.toEpochMilli()));
                    } catch (RuntimeException e) {
                        log.warn("sent-message index: {}", e.toString()); // returned mail for it will not be matched
                    }
                }
                for (String r : groups.get(g)) {
                    events.publish(Event.of(EventType.RECEPTION, envelope.messageId(), r)
                            .fromAttributes(envelope.attributes())
                            .time(now)
                            .sender(returnPath)
                            .tenant(envelope.tenant())
                            .campaign(envelope.campaign())
                            .pool(envelope.pool())
                            .size(envelope.bodySize())
                            .client(clientAddr)
                            .build());
                }
            }
            publishSuppressed(id, now, returnPath, tenant, campaign, clientAddr, suppressed);
            return "2.0.0 Ok: queued as " + id
                    + (groups.size() > 1 ? " (and " + (groups.size() - 1) + " more, one per recipient)" : "")
                    + (suppressed.isEmpty()
                            ? ""
                            : "; " + suppressed.size()
                                    + " suppressed recipient(s) dropped"); // SubEthaSMTP prefixes "250 "
        }

        private void publishSuppressed(
                String id,
                Instant now,
                String returnPath,
                String tenant,
                String campaign,
                String clientAddr,
                Map<String, Suppression> suppressed) {
            suppressed.forEach((r, s) -> events.publish(Event.of(EventType.SUPPRESSED, id, r)
                    .time(now)
                    .sender(returnPath)
                    .tenant(tenant)
                    .campaign(campaign)
                    .client(clientAddr)
                    .reason(s.reason())
                    .reply(SuppressionPolicy.refusal(r, s))
                    .build()));
        }
    }
}
