package dev.tern.bounce.verp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class VerpCodecPropertiesTest {
    private static final byte[] OLD = "old-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = "new-secret-9876543210".getBytes(StandardCharsets.UTF_8);
    private final VerpCodec codec = new VerpCodec(Map.of('k', NEW, '1', OLD), 'k');

    @Provide
    Arbitrary<String> messageIds() {
        return Arbitraries.strings()
                .withChars("0123456789ABCDEFGHJKMNPQRSTVWXYZabcdef-_.")
                .ofMinLength(1)
                .ofMaxLength(26);
    }

    @Property(tries = 300)
    void roundTrips(@ForAll("messageIds") String messageId, @ForAll @IntRange(min = 0, max = 100_000) int index) {
        String local = codec.encode(messageId, index);
        assertThat(local).startsWith("b-k").hasSizeLessThanOrEqualTo(64).matches("[a-z0-9\\-]+");
        VerpCodec.Decoded d = codec.decode(local + "@bounces.example").orElseThrow();
        assertThat(d.messageId()).isEqualTo(messageId);
        assertThat(d.recipientIndex()).isEqualTo(index);
        assertThat(d.keyId()).isEqualTo('k');
        assertThat(codec.decode(local.toUpperCase())).contains(d); // case-folding MTAs
    }

    @Property(tries = 300)
    void anySingleCharacterChangeIsRejected(
            @ForAll("messageIds") String messageId,
            @ForAll @IntRange(min = 0, max = 5000) int index,
            @ForAll @IntRange(min = 0, max = 63) int position,
            @ForAll char replacement) {
        String local = codec.encode(messageId, index);
        int p = position % local.length();
        Assume.that(Character.toLowerCase(replacement) != Character.toLowerCase(local.charAt(p)));
        String tampered = local.substring(0, p) + replacement + local.substring(p + 1);
        assertThat(codec.decode(tampered)).isEmpty();
    }

    @Property(tries = 100)
    void oldKeysStillDecodeAfterRotation(
            @ForAll("messageIds") String messageId, @ForAll @IntRange(min = 0, max = 999) int index) {
        String local = new VerpCodec(Map.of('1', OLD), '1').encode(messageId, index);
        assertThat(codec.decode(local)).map(VerpCodec.Decoded::messageId).contains(messageId);
        assertThat(new VerpCodec(Map.of('k', NEW), 'k').decode(local)).isEmpty(); // key retired: rejected
    }

    @Property(tries = 50)
    void aTokenSignedWithAnotherSecretIsRejected(@ForAll("messageIds") String messageId) {
        VerpCodec attacker = new VerpCodec(Map.of('k', "attacker-secret-000000".getBytes(StandardCharsets.UTF_8)), 'k');
        assertThat(codec.decode(attacker.encode(messageId, 0))).isEmpty();
    }

    @Property(tries = 20)
    void tooLongIdsAreRefused(@ForAll @IntRange(min = 40, max = 200) int length) {
        assertThatThrownBy(() -> codec.encode("x".repeat(length), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
