package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The native and the JDK RSA engines sign the same bytes; the native one is preferred where it loads. */
class RsaEngineTest {
    private static final DkimKey RSA = DkimKey.generateRsa(2048);

    @Test
    void nativeEngineIsPreferredWhereItLoads() {
        if (RsaEngines.nativeExpected()) {
            assertThat(RsaEngine.nativeAvailable()).isTrue();
            assertThat(RsaEngine.nativeUnavailableReason()).isNull();
            assertThat(RsaEngine.preferred()).isEqualTo(RsaEngine.NATIVE);
            assertThat(RSA.rsaEngine()).isEqualTo(RsaEngine.NATIVE);
            assertThat(RsaEngine.NATIVE.description()).contains("AWS-LC");
        } else {
            assertThat(RsaEngine.preferred()).isEqualTo(RsaEngine.JAVA);
            assertThat(RsaEngine.NATIVE.description()).contains("unavailable");
        }
    }

    @Test
    void everyEngineSignsTheSameBytesAndTheSignatureVerifies() throws Exception {
        byte[] message = ("From: a@tern.example\r\nTo: b@example.net\r\nSubject: engines\r\n\r\n"
                        + "body line\r\n".repeat(50))
                .getBytes(StandardCharsets.US_ASCII);
        byte[] data = "header data to sign".getBytes(StandardCharsets.US_ASCII);
        var pub = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(RSA.publicKeyBase64())));
        byte[] reference = RSA.withRsaEngine(RsaEngine.JAVA).sign(data);
        for (RsaEngine engine : RsaEngines.all()) {
            DkimKey key = RSA.withRsaEngine(engine);
            assertThat(key.rsaEngine()).isEqualTo(engine);
            byte[] sig = key.sign(data);
            assertThat(sig).as(engine.name()).isEqualTo(reference);
            Signature v = Signature.getInstance("SHA256withRSA");
            v.initVerify(pub);
            v.update(data);
            assertThat(v.verify(sig)).as(engine.name()).isTrue();
            // and through the signer: the whole DKIM-Signature field is the same
            SignerSettings s = SignerSettings.of("tern.example", "s", key)
                    .withClock(java.time.Clock.fixed(
                            java.time.Instant.ofEpochSecond(1_800_000_000L), java.time.ZoneOffset.UTC));
            assertThat(new DkimSigner(s).sign(message))
                    .isEqualTo(new DkimSigner(SignerSettings.of("tern.example", "s", RSA.withRsaEngine(RsaEngine.JAVA))
                                    .withClock(s.clock()))
                            .sign(message));
        }
    }

    @Test
    void ed25519KeysIgnoreTheRsaEngine() {
        DkimKey ed = DkimKey.generateEd25519();
        assertThat(ed.rsaEngine()).isNull();
        assertThat(ed.withRsaEngine(RsaEngine.JAVA)).isSameAs(ed);
    }
}
