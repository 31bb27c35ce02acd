package dev.tern.core.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * One line of the event log: something that happened to one recipient of one message (or, for
 * the campaign kinds, to a campaign). Absent fields are null and omitted from the JSON. The kind
 * is typed; on the wire it stays the {@code "type"} field in lower snake case
 * ({@link EventType#wireName()}), which platforms read.
 *
 * @param kind        what happened
 * @param time        when
 * @param messageId   Tern's queue id
 * @param recipient   the recipient concerned
 * @param sender      the envelope sender
 * @param tenant      tenant tag
 * @param campaign    campaign tag
 * @param pool        egress pool
 * @param source      egress source (local address) used
 * @param site        destination MX site or route
 * @param remote      remote host:port that answered
 * @param reply       the SMTP reply or failure text
 * @param reason      bounce reason (taxonomy of DESIGN.md), for failures
 * @param bounceClass coarse class (bad-mailbox, quota-issues, ...), for failures
 * @param hard        true for hard (permanent) failures
 * @param attempts    delivery attempts so far
 * @param size        message size in bytes
 * @param client      injecting client address (reception)
 * @param feedbackType feedback-loop report type ({@code abuse}, {@code fraud}, ...), for complaints
 * @param suppressed  for hard bounces of a suppressing reason: {@code pending} (awaits confirmation) or {@code yes}
 * @param headerMessageId the message's {@code Message-ID} header field (as the platform wrote it), JSON
 *                    {@code message_id_header}; {@code message_id} is Tern's queue id
 * @param meta        platform metadata from the message's {@code X-Tern-Meta-NAME} headers (name lower case),
 *                    bounded at injection ({@link #META_PREFIX})
 * @param tlsPolicy   the outbound TLS policy the delivering connection ran under ({@code opportunistic},
 *                    {@code required}, {@code verify}, {@code mta-sts}, {@code dane}; {@code none}: no TLS)
 * @param hosts       for delivery, transient_failure and bounce: every host tried in this attempt, in order
 *                    (connection failures first, then the host that held the session with this recipient's
 *                    outcome), see {@link HostAttempt}; null when no host was tried
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(
        @JsonProperty("type") EventType kind,
        @JsonProperty("time") Instant time,
        @JsonProperty("message_id") String messageId,
        @JsonProperty("recipient") String recipient,
        @JsonProperty("sender") String sender,
        @JsonProperty("tenant") String tenant,
        @JsonProperty("campaign") String campaign,
        @JsonProperty("pool") String pool,
        @JsonProperty("source") String source,
        @JsonProperty("site") String site,
        @JsonProperty("remote") String remote,
        @JsonProperty("reply") String reply,
        @JsonProperty("reason") String reason,
        @JsonProperty("class") String bounceClass,
        @JsonProperty("hard") Boolean hard,
        @JsonProperty("attempts") Integer attempts,
        @JsonProperty("size") Long size,
        @JsonProperty("client") String client,
        @JsonProperty("feedback_type") String feedbackType,
        @JsonProperty("suppressed") String suppressed,
        @JsonProperty("message_id_header") String headerMessageId,
        @JsonProperty("meta") java.util.Map<String, String> meta,
        @JsonProperty("tls_policy") String tlsPolicy,
        @JsonProperty("hosts") java.util.List<HostAttempt> hosts) {

    /** Envelope attribute keys: the Message-ID header, and {@code meta.NAME} per X-Tern-Meta-NAME header. */
    public static final String MESSAGE_ID_ATTRIBUTE = "message_id_header";

    /** Prefix of the envelope attributes holding meta values. */
    public static final String META_PREFIX = "meta.";

    /** Starts an event of a type for a message and recipient. */
    public static Builder of(EventType type, String messageId, String recipient) {
        return new Builder(type, messageId, recipient);
    }

    public Event {
        java.util.Objects.requireNonNull(kind, "kind");
        meta = meta == null || meta.isEmpty()
                ? null
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(meta));
        hosts = hosts == null || hosts.isEmpty() ? null : java.util.List.copyOf(hosts);
    }

    /** This event with the {@code suppressed} field set. */
    public Event withSuppressed(String v) {
        return toBuilder().suppressed(v).build();
    }

    /** A builder holding every field of this event, to build a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder(kind, messageId, recipient);
        b.time(time);
        b.sender = sender;
        b.tenant = tenant;
        b.campaign = campaign;
        b.pool = pool;
        b.source = source;
        b.site = site;
        b.remote = remote;
        b.reply = reply;
        b.reason = reason;
        b.bounceClass = bounceClass;
        b.hard = hard;
        b.attempts = attempts;
        b.size = size;
        b.client = client;
        b.feedbackType = feedbackType;
        b.suppressed = suppressed;
        b.headerMessageId = headerMessageId;
        b.meta = meta;
        b.tlsPolicy = tlsPolicy;
        b.hosts = hosts;
        return b;
    }

    /** Same as {@link #kind()}. */
    @Deprecated
    public EventType eventType() {
        return kind;
    }

    /** True when this event is of {@code k}. */
    public boolean is(EventType k) {
        return kind == k;
    }

    /** Fills the optional fields of an {@link Event}. */
    public static final class Builder {
        private final EventType type;
        private final String messageId;
        private final String recipient;
        private Instant time;
        private boolean timeSet; // else build() takes the time then (no clock read for an event given its time)
        private String sender,
                tenant,
                campaign,
                pool,
                source,
                site,
                remote,
                reply,
                reason,
                bounceClass,
                client,
                feedbackType,
                suppressed,
                headerMessageId,
                tlsPolicy;
        private java.util.Map<String, String> meta;
        private java.util.List<HostAttempt> hosts;
        private Boolean hard;
        private Integer attempts;
        private Long size;

        private Builder(EventType type, String messageId, String recipient) {
            this.type = type;
            this.messageId = messageId;
            this.recipient = recipient;
        }

        public Builder time(Instant v) {
            time = v;
            timeSet = true;
            return this;
        }

        public Builder sender(String v) {
            sender = v;
            return this;
        }

        public Builder tenant(String v) {
            tenant = emptyToNull(v);
            return this;
        }

        public Builder campaign(String v) {
            campaign = emptyToNull(v);
            return this;
        }

        public Builder pool(String v) {
            pool = emptyToNull(v);
            return this;
        }

        public Builder source(String v) {
            source = emptyToNull(v);
            return this;
        }

        public Builder site(String v) {
            site = emptyToNull(v);
            return this;
        }

        public Builder remote(String v) {
            remote = emptyToNull(v);
            return this;
        }

        public Builder reply(String v) {
            reply = emptyToNull(v);
            return this;
        }

        public Builder reason(String v) {
            reason = emptyToNull(v);
            return this;
        }

        public Builder bounceClass(String v) {
            bounceClass = emptyToNull(v);
            return this;
        }

        public Builder hard(boolean v) {
            hard = v;
            return this;
        }

        public Builder attempts(int v) {
            attempts = v;
            return this;
        }

        public Builder size(long v) {
            size = v;
            return this;
        }

        public Builder client(String v) {
            client = emptyToNull(v);
            return this;
        }

        public Builder headerMessageId(String v) {
            headerMessageId = emptyToNull(v);
            return this;
        }

        public Builder meta(java.util.Map<String, String> v) {
            meta = v;
            return this;
        }

        /** The Message-ID header and meta values kept in a spooled message's envelope attributes. */
        public Builder fromAttributes(java.util.Map<String, String> attributes) {
            headerMessageId(attributes.get(MESSAGE_ID_ATTRIBUTE));
            java.util.Map<String, String> m = null; // most messages have no meta values: no map
            for (var a : attributes.entrySet()) {
                String k = a.getKey();
                if (!k.startsWith(META_PREFIX)) continue;
                if (m == null) m = new java.util.TreeMap<>();
                m.put(k.substring(META_PREFIX.length()), a.getValue());
            }
            return meta(m);
        }

        /** The hosts tried in this attempt (see {@link HostAttempt}). */
        public Builder hosts(java.util.List<HostAttempt> v) {
            hosts = v;
            return this;
        }

        /** The TLS policy of the connection (outbound events). */
        public Builder tlsPolicy(String v) {
            tlsPolicy = emptyToNull(v);
            return this;
        }

        public Builder feedbackType(String v) {
            feedbackType = emptyToNull(v);
            return this;
        }

        /** {@code pending} (a hard bounce awaiting confirmation) or {@code yes}: the address is suppressed. */
        public Builder suppressed(String v) {
            suppressed = v;
            return this;
        }

        public Event build() {
            return new Event(
                    type,
                    timeSet ? time : Instant.now(),
                    messageId,
                    recipient,
                    sender,
                    tenant,
                    campaign,
                    pool,
                    source,
                    site,
                    remote,
                    reply,
                    reason,
                    bounceClass,
                    hard,
                    attempts,
                    size,
                    client,
                    feedbackType,
                    suppressed,
                    headerMessageId,
                    meta,
                    tlsPolicy,
                    hosts);
        }

        private static String emptyToNull(String v) {
            return v == null || v.isEmpty() ? null : v;
        }
    }
}
