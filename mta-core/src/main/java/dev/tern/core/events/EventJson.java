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

    private static final String[] KINDS =
            java.util.Arrays.stream(EventType.values()).map(EventType::wireName).toArray(String[]::new);
    private static final String[] OUTCOMES = java.util.Arrays.stream(HostAttempt.Outcome.values())
            .map(HostAttempt.Outcome::wireName)
            .toArray(String[]::new);

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
            string(K_TYPE, KINDS[e.kind().ordinal()]);
            if (e.time() != null) string(K_TIME, e.time().toString());
            string(K_MESSAGE_ID, e.messageId());
            string(K_RECIPIENT, e.recipient());
            string(K_SENDER, e.sender());
            string(K_TENANT, e.tenant());
            string(K_CAMPAIGN, e.campaign());
            string(K_POOL, e.pool());
            string(K_SOURCE, e.source());
            string(K_SITE, e.site());
            string(K_REMOTE, e.remote());
            string(K_REPLY, e.reply());
            string(K_REASON, e.reason());
            string(K_CLASS, e.bounceClass());
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
            string(K_CLIENT, e.client());
            string(K_FEEDBACK_TYPE, e.feedbackType());
            string(K_SUPPRESSED, e.suppressed());
            string(K_MESSAGE_ID_HEADER, e.headerMessageId());
            if (e.meta() != null) meta(e.meta());
            string(K_TLS_POLICY, e.tlsPolicy());
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
            string(K_HOST, h.host());
            string(K_IP, h.ip());
            g.writeFieldName(K_PORT);
            g.writeNumber(h.port());
            if (h.outcome() != null) string(K_OUTCOME, OUTCOMES[h.outcome().ordinal()]);
            string(K_REPLY, h.reply());
            string(K_TLS_VERSION, h.tlsVersion());
            string(K_TLS_CIPHER, h.tlsCipher());
            string(K_TLS_POLICY, h.tlsPolicy());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** {@code "name":"value"}; nothing for null. */
    private void string(SerializedString key, String value) throws IOException {
        if (value == null) return;
        g.writeFieldName(key);
        g.writeString(value);
    }
}
