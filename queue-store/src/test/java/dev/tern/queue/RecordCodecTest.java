package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
    private static final Envelope ENVELOPE = new Envelope(
            "0190abcdef",
            "bounce@sender.example",
            "acme",
            "spring-sale",
            "bulk",
            true,
            1735689600000L,
            1736294400000L,
            2048,
            Map.of("dkim", "pass", "client", "192.0.2.7"));
    private static final List<RecipientState> RECIPIENTS = List.of(
            new RecipientState("a@example.com", RecipientStatus.DELIVERED, 1, "250 2.0.0 ok"),
            new RecipientState("B@example.com", RecipientStatus.DEFERRED, 3, "451 4.7.1 try later é"));

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = RecordCodecTest.class.getResourceAsStream("/records-v1/" + name)) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
        }
    }

    @Test
    void decodesVersion1EnvelopeFixture() throws IOException {
        RecordCodec.StoredEnvelope e = RecordCodec.decodeEnvelope(fixture("envelope.hex"));
        assertThat(e.envelope()).isEqualTo(ENVELOPE);
        assertThat(e.storedBodyBytes()).isEqualTo(300);
    }

    @Test
    void decodesVersion1EntryFixture() throws IOException {
        RecordCodec.EntryState s = RecordCodec.decodeEntry(fixture("entry.hex"));
        assertThat(s.attempts()).isEqualTo(3);
        assertThat(s.nextAttemptAt()).isEqualTo(1735700000000L);
        assertThat(s.recipients()).isEqualTo(RECIPIENTS);
    }

    @Test
    void decodesVersion1SuppressionFixture() throws IOException {
        assertThat(RecordCodec.decodeSuppression("acme", "x@example.com", fixture("suppression.hex")))
                .isEqualTo(new Suppression("acme", "x@example.com", "userunknown", 1735689600123L));
    }

    @Test
    void currentEncoderStillWritesVersion1() throws IOException {
        // While version 1 is the current format, encoding must reproduce the fixtures exactly.
        assertThat(RecordCodec.encodeEnvelope(ENVELOPE, 300)).isEqualTo(fixture("envelope.hex"));
        QueueEntry entry = new QueueEntry(ENVELOPE, "example.com", RECIPIENTS, 3, 1735700000000L);
        assertThat(RecordCodec.encodeEntry(entry)).isEqualTo(fixture("entry.hex"));
        assertThat(RecordCodec.encodeSuppression(
                        new Suppression("acme", "x@example.com", "userunknown", 1735689600123L)))
                .isEqualTo(fixture("suppression.hex"));
    }

    @Test
    void version2EnvelopeCarriesEntryCountAndTailFlag() throws IOException {
        byte[] v2 = RecordCodec.encodeEnvelope(ENVELOPE, 300, 3, true);
        assertThat(v2[0]).isEqualTo((byte) 2);
        assertThat(RecordCodec.decodeEnvelope(v2)).isEqualTo(new RecordCodec.StoredEnvelope(ENVELOPE, 300, 3, true));
        // the version 1 fields are laid out as before, then the count and the flags
        byte[] v1 = fixture("envelope.hex");
        assertThat(java.util.Arrays.copyOfRange(v2, 1, v1.length))
                .isEqualTo(java.util.Arrays.copyOfRange(v1, 1, v1.length));
        assertThat(java.util.Arrays.copyOfRange(v2, v1.length, v2.length)).containsExactly(3, 1);
        // a version 1 record: count unknown
        assertThat(RecordCodec.decodeEnvelope(v1).entries()).isZero();
        assertThatThrownBy(() -> RecordCodec.decodeEnvelope(RecordCodec.encodeEnvelope(ENVELOPE, 300, 0, false)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] zero = v2.clone();
        zero[v1.length] = 0;
        assertThatThrownBy(() -> RecordCodec.decodeEnvelope(zero))
                .isInstanceOf(SpoolException.class)
                .hasMessageContaining("corrupt envelope record");
    }

    @Test
    void roundTripsEveryStatusAndEmptyFields() {
        Envelope env = new Envelope("id", null, null, null, null, false, -1, Long.MAX_VALUE, 0, null);
        assertThat(RecordCodec.decodeEnvelope(RecordCodec.encodeEnvelope(env, 0))
                        .envelope())
                .isEqualTo(env);
        for (RecipientStatus st : RecipientStatus.values()) {
            QueueEntry e = new QueueEntry(env, "d", List.of(new RecipientState("r@d", st, 200, "")), 70_000, 0);
            RecordCodec.EntryState s = RecordCodec.decodeEntry(RecordCodec.encodeEntry(e));
            assertThat(s.toEntry(env, "d")).isEqualTo(e);
        }
    }

    @Test
    void unknownVersionAndTruncationGiveClearErrors() throws IOException {
        byte[] v9 = fixture("entry.hex");
        v9[0] = 9;
        assertThatThrownBy(() -> RecordCodec.decodeEntry(v9))
                .isInstanceOf(SpoolException.class)
                .hasMessageContaining("unsupported entry record version 9");
        byte[] full = fixture("envelope.hex");
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 10);
        assertThatThrownBy(() -> RecordCodec.decodeEnvelope(cut))
                .isInstanceOf(SpoolException.class)
                .hasMessageContaining("corrupt envelope record");
    }
}
