package dev.tern.core.events;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Writes an event's log line, {@code {"seq":N,...}}, with Jackson's streaming generator: the
 * bytes {@link JsonLinesEventLog#JSON} writes for the {@link Event} record after the seq (same
 * field order, null fields left out, Jackson's own string escapes), without the object mapper's
 * per-field dispatch and without intermediate strings or arrays. One instance per writer thread:
 * it reuses its buffer and generator.
 */
final class EventJson {
    private static final SerializedString K_SEQ = new SerializedString("seq");
    private static final SerializedString K_ATTEMPTS = new SerializedString("attempts");
    private static final SerializedString K_CAMPAIGN = new SerializedString("campaign");
    private static final SerializedString K_CLASS = new SerializedString("class");
    private static final SerializedString K_CLIENT = new SerializedString("client");
    private static final SerializedString K_FEEDBACK_TYPE = new SerializedString("feedback_type");
    private static final SerializedString K_HARD = new SerializedString("hard");
    private static final SerializedString K_HOST = new SerializedString("host");
    private static final SerializedString K_HOSTS = new SerializedString("hosts");
    private static final SerializedString K_IP = new SerializedString("ip");
    private static final SerializedString K_MESSAGE_ID = new SerializedString("message_id");
    private static final SerializedString K_MESSAGE_ID_HEADER = new SerializedString("message_id_header");
    private static final SerializedString K_META = new SerializedString("meta");
    private static final SerializedString K_OUTCOME = new SerializedString("outcome");
    private static final SerializedString K_POOL = new SerializedString("pool");
    private static final SerializedString K_PORT = new SerializedString("port");
    private static final SerializedString K_REASON = new SerializedString("reason");
    private static final SerializedString K_RECIPIENT = new SerializedString("recipient");
    private static final SerializedString K_REMOTE = new SerializedString("remote");
    private static final SerializedString K_REPLY = new SerializedString("reply");
    private static final SerializedString K_SENDER = new SerializedString("sender");
    private static final SerializedString K_SITE = new SerializedString("site");
    private static final SerializedString K_SIZE = new SerializedString("size");
    private static final SerializedString K_SOURCE = new SerializedString("source");
    private static final SerializedString K_SUPPRESSED = new SerializedString("suppressed");
    private static final SerializedString K_TENANT = new SerializedString("tenant");
    private static final SerializedString K_TIME = new SerializedString("time");
    private static final SerializedString K_TLS_CIPHER = new SerializedString("tls_cipher");
    private static final SerializedString K_TLS_POLICY = new SerializedString("tls_policy");
    private static final SerializedString K_TLS_VERSION = new SerializedString("tls_version");
    private static final SerializedString K_TYPE = new SerializedString("type");

    private static final SerializedString[] KINDS = java.util.Arrays.stream(EventType.values())
            .map(t -> new SerializedString(t.wireName()))
            .toArray(SerializedString[]::new);
    private static final SerializedString[] OUTCOMES = java.util.Arrays.stream(HostAttempt.Outcome.values())
            .map(o -> new SerializedString(o.wireName()))
            .toArray(SerializedString[]::new);

    /** A byte buffer whose array the caller may read without a copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(1024);
        }

        byte[] array() {
            return buf;
        }
    }

    private final Buffer buffer = new Buffer();
    private JsonGenerator g;

    /**
     * The last value written to one field, and its quoted bytes once it came again: most fields
     * repeat from event to event (the sender, site, remote, TLS policy, the server's reply), and a
     * repeated plain value is then copied, not escaped char by char. Only plain values (printable
     * ASCII without '"' and '\\', at most {@value #PLAIN_MAX} chars) are kept, whose quoted form is
     * the value itself, so the bytes are the generator's own.
     */
    private static final class Last {
        String value;
        SerializedString quoted;
        boolean notPlain;
    }

    private static final int PLAIN_MAX = 512;
    private final Last lastTime = new Last(),
            lastMessageId = new Last(),
            lastRecipient = new Last(),
            lastSender = new Last(),
            lastTenant = new Last(),
            lastCampaign = new Last(),
            lastPool = new Last(),
            lastSource = new Last(),
            lastSite = new Last(),
            lastRemote = new Last(),
            lastReply = new Last(),
            lastReason = new Last(),
            lastClass = new Last(),
            lastClient = new Last(),
            lastFeedbackType = new Last(),
            lastSuppressed = new Last(),
            lastHeaderMessageId = new Last(),
            lastTlsPolicy = new Last(),
            lastHost = new Last(),
            lastIp = new Last(),
            lastHostReply = new Last(),
            lastTlsVersion = new Last(),
            lastTlsCipher = new Last(),
            lastHostTlsPolicy = new Last();

    /** Bytes of the last line written by {@link #line} (it ends with '\n'); valid up to {@link #length}. */
    byte[] bytes() {
        return buffer.array();
    }

    /** Length of the last line. */
    int length() {
        return buffer.size();
    }

    /** Builds the line of {@code e} with sequence number {@code seq}. */
    void line(Event e, long seq) throws IOException {
        buffer.reset();
        if (g == null) {
            g = JsonLinesEventLog.JSON.getFactory().createGenerator(buffer);
            g.setRootValueSeparator(null); // one object per line, nothing between
        }
        try {
            g.writeStartObject();
            g.writeFieldName(K_SEQ);
            g.writeNumber(seq);
            g.writeFieldName(K_TYPE);
            g.writeString(KINDS[e.kind().ordinal()]);
            if (e.time() != null) string(K_TIME, e.time().toString(), lastTime);
            string(K_MESSAGE_ID, e.messageId(), lastMessageId);
            string(K_RECIPIENT, e.recipient(), lastRecipient);
            string(K_SENDER, e.sender(), lastSender);
            string(K_TENANT, e.tenant(), lastTenant);
            string(K_CAMPAIGN, e.campaign(), lastCampaign);
            string(K_POOL, e.pool(), lastPool);
            string(K_SOURCE, e.source(), lastSource);
            string(K_SITE, e.site(), lastSite);
            string(K_REMOTE, e.remote(), lastRemote);
            string(K_REPLY, e.reply(), lastReply);
            string(K_REASON, e.reason(), lastReason);
            string(K_CLASS, e.bounceClass(), lastClass);
            if (e.hard() != null) {
                g.writeFieldName(K_HARD);
                g.writeBoolean(e.hard());
            }
            if (e.attempts() != null) {
                g.writeFieldName(K_ATTEMPTS);
                g.writeNumber(e.attempts());
            }
            if (e.size() != null) {
                g.writeFieldName(K_SIZE);
                g.writeNumber(e.size());
            }
            string(K_CLIENT, e.client(), lastClient);
            string(K_FEEDBACK_TYPE, e.feedbackType(), lastFeedbackType);
            string(K_SUPPRESSED, e.suppressed(), lastSuppressed);
            string(K_MESSAGE_ID_HEADER, e.headerMessageId(), lastHeaderMessageId);
            if (e.meta() != null) meta(e.meta());
            string(K_TLS_POLICY, e.tlsPolicy(), lastTlsPolicy);
            if (e.hosts() != null) hosts(e.hosts());
            g.writeEndObject();
            g.flush();
        } catch (IOException | RuntimeException x) {
            g = null; // a generator that failed half-way is not reused
            throw x;
        }
        buffer.write('\n');
    }

    private void meta(Map<String, String> meta) throws IOException {
        g.writeFieldName(K_META);
        g.writeStartObject();
        for (var m : meta.entrySet()) {
            g.writeFieldName(m.getKey());
            if (m.getValue() == null) g.writeNull();
            else g.writeString(m.getValue());
        }
        g.writeEndObject();
    }

    private void hosts(List<HostAttempt> hosts) throws IOException {
        g.writeFieldName(K_HOSTS);
        g.writeStartArray();
        for (HostAttempt h : hosts) {
            g.writeStartObject();
            string(K_HOST, h.host(), lastHost);
            string(K_IP, h.ip(), lastIp);
            g.writeFieldName(K_PORT);
            g.writeNumber(h.port());
            if (h.outcome() != null) {
                g.writeFieldName(K_OUTCOME);
                g.writeString(OUTCOMES[h.outcome().ordinal()]);
            }
            string(K_REPLY, h.reply(), lastHostReply);
            string(K_TLS_VERSION, h.tlsVersion(), lastTlsVersion);
            string(K_TLS_CIPHER, h.tlsCipher(), lastTlsCipher);
            string(K_TLS_POLICY, h.tlsPolicy(), lastHostTlsPolicy);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** {@code "name":"value"}; nothing for null. A plain value seen last time is copied from {@code last}. */
    private void string(SerializedString key, String value, Last last) throws IOException {
        if (value == null) return;
        g.writeFieldName(key);
        if (value == last.value || value.equals(last.value)) {
            if (last.quoted == null && !last.notPlain) {
                if (plain(value)) last.quoted = new SerializedString(value);
                else last.notPlain = true;
            }
            if (last.quoted != null) {
                g.writeString(last.quoted);
                return;
            }
        } else {
            last.value = value;
            last.quoted = null;
            last.notPlain = false;
        }
        g.writeString(value);
    }

    /** Printable ASCII without '"' and '\\' (JSON writes it as it is), and not long. */
    static boolean plain(String s) {
        int n = s.length();
        if (n > PLAIN_MAX) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
        }
        return true;
    }
}
