package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** RFC 8463 Appendix A: the published signatures are reproduced bit for bit. */
class Rfc8463VectorTest {
    private static final Clock SIGNING_TIME = Clock.fixed(Instant.ofEpochSecond(1528637909L), ZoneOffset.UTC);

    private static SignerSettings rfcSettings(DkimKey key, String selector) {
        return SignerSettings.of("football.example.com", selector, key)
                .withIdentity("@football.example.com")
                .withClock(SIGNING_TIME)
                .withHeaders(
                        List.of("from", "to", "subject", "date", "message-id"), List.of("from", "subject", "date"));
    }

    @ParameterizedTest
    @CsvSource({
        "ed25519.brisbane.private.pem, brisbane, expected-dkim-signature.ed25519.txt, JAVA",
        "ed25519.brisbane.private.pem, brisbane, expected-dkim-signature.ed25519.txt, NATIVE",
        "ed25519.brisbane.private.b64, brisbane, expected-dkim-signature.ed25519.txt, JAVA",
        "ed25519.brisbane.private.b64, brisbane, expected-dkim-signature.ed25519.txt, NATIVE",
        "rsa.test.private.pem, test, expected-dkim-signature.rsa.txt, JAVA",
        "rsa.test.private.pem, test, expected-dkim-signature.rsa.txt, NATIVE"
    })
    void reproducesPublishedSignature(String keyFile, String selector, String expectedFile, SigningEngine engine) {
        assumeEngine(engine);
        DkimKey key = DkimKey.load(TestFiles.dir("rfc8463/" + keyFile)).withEngine(engine);
        assertThat(key.engine()).isEqualTo(engine);
        String expected = TestFiles.text("rfc8463/" + expectedFile);
        byte[] message = TestFiles.bytes("rfc8463/message.unsigned.eml");

        String produced = new DkimSigner(rfcSettings(key, selector)).sign(message);

        assertThat(TestFiles.tag(produced, "bh"))
                .isEqualTo(TestFiles.tag(expected, "bh"))
                .isEqualTo("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
        assertThat(TestFiles.tag(produced, "b")).isEqualTo(TestFiles.tag(expected, "b"));
        // same signed text: relaxed forms without b= are identical (folding may differ)
        assertThat(HeaderField.canonical(TagList.withEmptyB(stripCrlf(produced)), Canonicalization.RELAXED))
                .isEqualTo(HeaderField.canonical(TagList.withEmptyB(stripCrlf(expected)), Canonicalization.RELAXED));
        assertThat(produced).endsWith("\r\n");
        for (String line : produced.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(78);
        }
    }

    @ParameterizedTest
    @EnumSource(SigningEngine.class)
    void multiSignerProducesBothPublishedSignaturesInOnePass(SigningEngine engine) {
        assumeEngine(engine);
        DkimKey ed = DkimKey.load(TestFiles.dir("rfc8463/ed25519.brisbane.private.pem"))
                .withEngine(engine);
        DkimKey rsa =
                DkimKey.load(TestFiles.dir("rfc8463/rsa.test.private.pem")).withEngine(engine);
        MultiSigner multi = MultiSigner.of(rfcSettings(ed, "brisbane"), rfcSettings(rsa, "test"));
        byte[] message = TestFiles.bytes("rfc8463/message.unsigned.eml");

        SigningSession session = multi.start();
        for (int i = 0; i < message.length; i += 7) {
            session.update(message, i, Math.min(7, message.length - i));
        }
        List<String> fields = session.finishAll();

        assertThat(fields).hasSize(2);
        assertThat(TestFiles.tag(fields.get(0), "b"))
                .isEqualTo(TestFiles.tag(TestFiles.text("rfc8463/expected-dkim-signature.ed25519.txt"), "b"));
        assertThat(TestFiles.tag(fields.get(1), "b"))
                .isEqualTo(TestFiles.tag(TestFiles.text("rfc8463/expected-dkim-signature.rsa.txt"), "b"));
    }

    @Test
    void verifierAcceptsPublishedSignedMessage() {
        DkimVerifier verifier = new DkimVerifier(KeyLookup.fromDirectory(TestFiles.dir("rfc8463")));
        List<VerificationResult> results = verifier.verify(TestFiles.bytes("rfc8463/message.signed.eml"));
        assertThat(results).hasSize(2).allMatch(VerificationResult::passed);
        assertThat(results).extracting(VerificationResult::algorithm).containsExactly("ed25519-sha256", "rsa-sha256");
    }

    @Test
    void publicKeysMatchPublishedRecords() {
        assertThat(DkimKey.load(TestFiles.dir("rfc8463/ed25519.brisbane.private.b64"))
                        .dnsRecord())
                .isEqualTo(TestFiles.text("rfc8463/brisbane._domainkey.football.example.com.txt")
                        .strip());
        DkimKey rsa = DkimKey.load(TestFiles.dir("rfc8463/rsa.test.private.pem"));
        assertThat(rsa.dnsRecord())
                .isEqualTo(TestFiles.text("rfc8463/test._domainkey.football.example.com.txt")
                        .strip());
        assertThat(rsa.bits()).isEqualTo(1024);
        assertThat(rsa.algorithm()).isEqualTo(DkimAlgorithm.RSA_SHA256);
    }

    /** Both engines run on linux-x86_64 (the native one must load there); elsewhere only the JDK's. */
    private static void assumeEngine(SigningEngine engine) {
        assumeTrue(SigningEngines.all().contains(engine), "native signing engine only on linux-x86_64");
    }

    private static String stripCrlf(String field) {
        return field.endsWith("\r\n") ? field.substring(0, field.length() - 2) : field;
    }
}
