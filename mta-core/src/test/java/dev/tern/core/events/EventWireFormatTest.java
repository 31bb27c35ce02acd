package dev.tern.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The JSON of an event (event log and webhooks) is the format platforms read: it must not drift. */
class EventWireFormatTest {
    private static final HostAttempt HOST = new HostAttempt(
            "mx.x.test",
            "192.0.2.2",
            25,
            HostAttempt.Outcome.BOUNCED,
            "550 5.1.1 unknown",
            "TLSv1.3",
            "TLS_AES",
            "dane");

    /** An event with the fields of the classic wire format set. */
    private static Event.Builder sample() {
        return Event.of(EventType.TRANSIENT_FAILURE, "m1", "rcpt@x.test")
                .time(Instant.parse("2026-01-02T03:04:05.678Z"))
                .sender("s@y.test")
                .tenant("t")
                .campaign("c")
                .pool("p")
                .source("192.0.2.1")
                .site("mx:x.test")
                .remote("192.0.2.2:25")
                .reply("451 4.7.1 later")
                .reason("throttled")
                .bounceClass("policy-related")
                .hard(false)
                .attempts(2)
                .size(1234)
                .client("127.0.0.1")
                .feedbackType("abuse");
    }

    @Test
    void everyFieldKeepsItsNameAndOrder() throws Exception {
        Event e = sample().build();
        assertThat(JsonLinesEventLog.JSON.writeValueAsString(e))
                .isEqualTo("{\"type\":\"transient_failure\",\"time\":\"2026-01-02T03:04:05.678Z\","
                        + "\"message_id\":\"m1\",\"recipient\":\"rcpt@x.test\",\"sender\":\"s@y.test\","
                        + "\"tenant\":\"t\",\"campaign\":\"c\",\"pool\":\"p\",\"source\":\"192.0.2.1\","
                        + "\"site\":\"mx:x.test\",\"remote\":\"192.0.2.2:25\",\"reply\":\"451 4.7.1 later\","
                        + "\"reason\":\"throttled\",\"class\":\"policy-related\",\"hard\":false,\"attempts\":2,"
                        + "\"size\":1234,\"client\":\"127.0.0.1\",\"feedback_type\":\"abuse\"}");
    }

    @Test
    void absentFieldsAreOmittedAndEveryKindHasItsSnakeCaseName() throws Exception {
        for (EventType k : EventType.values()) {
            JsonNode n = JsonLinesEventLog.JSON.readTree(JsonLinesEventLog.JSON.writeValueAsString(
                    Event.of(k, "m", "r@x.test").time(Instant.EPOCH).build()));
            assertThat(n.size()).isEqualTo(4);
            assertThat(n.get("type").asText()).isEqualTo(k.name().toLowerCase(java.util.Locale.ROOT));
            assertThat(EventType.fromWire(n.get("type").asText())).isEqualTo(k);
        }
    }

    @Test
    void toBuilderCopiesEveryField() throws Exception {
        Event e = sample().suppressed("pending")
                .headerMessageId("<id@y.test>")
                .meta(java.util.Map.of("k", "v"))
                .tlsPolicy("dane")
                .hosts(java.util.List.of(HOST))
                .build();
        for (var c : Event.class.getRecordComponents())
            assertThat(c.getAccessor().invoke(e)).as(c.getName()).isNotNull();
        assertThat(e.toBuilder().build()).isEqualTo(e);
        assertThat(e.withSuppressed("yes").suppressed()).isEqualTo("yes");
        assertThat(e.withSuppressed("yes").toBuilder().suppressed("pending").build())
                .isEqualTo(e);
    }

    @Test
    void anUnknownWireNameIsRefusedByName() {
        assertThatThrownBy(() -> EventType.fromWire("Delivery"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Delivery");
    }
}
