package dev.tern.bounce.verp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TernIdTokenTest {
    private static final byte[] A = "0123456789abcdef-secret-a".getBytes(StandardCharsets.UTF_8);
    private static final byte[] B = "0123456789abcdef-secret-b".getBytes(StandardCharsets.UTF_8);
    private static final List<String> RCPTS = List.of("x@dest.test", "Y@Dest.test");

    @Test
    void verifiesOnlyForTheSignedIdAndRecipientSet() {
        TernIdToken t = new TernIdToken(Map.of('a', A), 'a');
        String v = t.sign("01J0000000000000000000TERN", RCPTS);
        assertThat(v).matches("01J0000000000000000000TERN\\.a[a-z2-7]{24}");
        TernIdToken.Parsed p = t.parse(v).orElseThrow();
        assertThat(p.messageId()).isEqualTo("01J0000000000000000000TERN");
        // the set, not the order or the case
        assertThat(t.verify(p, List.of("y@dest.test", "X@DEST.TEST"))).isTrue();
        assertThat(t.verify(p, List.of("x@dest.test"))).isFalse();
        assertThat(t.verify(p, List.of("x@dest.test", "y@dest.test", "z@dest.test")))
                .isFalse();
        // another message id with the same MAC
        TernIdToken.Parsed other = t.parse("01J0000000000000000000TERX" + v.substring(v.indexOf('.')))
                .orElseThrow();
        assertThat(t.verify(other, RCPTS)).isFalse();
        // a flipped MAC character
        char last = v.charAt(v.length() - 1);
        String flipped = v.substring(0, v.length() - 1) + (last == 'a' ? 'b' : 'a');
        assertThat(t.parse(flipped).map(x -> t.verify(x, RCPTS)).orElse(false)).isFalse();
    }

    @Test
    void bareIdsGarbageAndUnknownKeysDoNotParse() {
        TernIdToken t = new TernIdToken(Map.of('a', A), 'a');
        assertThat(t.parse("01J0000000000000000000TERN")).isEmpty();
        assertThat(t.parse("01J0000000000000000000TERN.a")).isEmpty();
        assertThat(t.parse("01J0000000000000000000TERN.z" + "a".repeat(24))).isEmpty();
        assertThat(t.parse(null)).isEmpty();
        assertThat(t.parse("." + "a".repeat(25))).isEmpty();
    }

    @Test
    void keyRotationVerifiesOldTokensWhileTheNewKeySigns() {
        TernIdToken old = new TernIdToken(Map.of('a', A), 'a');
        String before = old.sign("m1", RCPTS);
        TernIdToken rotated = new TernIdToken(Map.of('a', A, 'b', B), 'b');
        assertThat(rotated.verify(rotated.parse(before).orElseThrow(), RCPTS)).isTrue();
        String after = rotated.sign("m1", RCPTS);
        assertThat(after).contains(".b");
        assertThat(old.parse(after)).isEmpty(); // retired side does not know key b
        TernIdToken retired = new TernIdToken(Map.of('b', B), 'b');
        assertThat(retired.parse(before)).isEmpty();
    }
}
