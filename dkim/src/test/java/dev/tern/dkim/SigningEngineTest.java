package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The native and the pure-Java engines sign the same bytes, for RSA and Ed25519; the native one is
 * preferred where it loads, and without it every key signs in pure Java.
 */
class SigningEngineTest {
    private static final DkimKey RSA = DkimKey.generateRsa(2048);
    private static final Clock FIXED = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

    @Test
    void nativeEngineIsPreferredWhereItLoads() {
        DkimKey ed = DkimKey.generateEd25519();
        if (SigningEngines.nativeExpected()) {
            assertThat(SigningEngine.nativeAvailable()).isTrue();
            assertThat(SigningEngine.nativeUnavailableReason()).isNull();
            assertThat(SigningEngine.nativeEd25519UnavailableReason()).isNull();
            assertThat(SigningEngine.preferred()).isEqualTo(SigningEngine.NATIVE);
            assertThat(RSA.engine()).isEqualTo(SigningEngine.NATIVE);
            assertThat(ed.engine()).isEqualTo(SigningEngine.NATIVE);
            assertThat(SigningEngine.NATIVE.description()).contains("AWS-LC");
        } else {
            assertThat(SigningEngine.preferred()).isEqualTo(SigningEngine.JAVA);
            assertThat(ed.engine()).isEqualTo(SigningEngine.JAVA);
            assertThat(SigningEngine.NATIVE.description()).contains("unavailable");
        }
        assertThat(ed.withEngine(SigningEngine.JAVA).engine()).isEqualTo(SigningEngine.JAVA);
        assertThat(ed.withEngine(ed.engine())).isSameAs(ed);
    }

    @Test
    void everyEngineSignsTheSameRsaBytesAndTheSignatureVerifies() throws Exception {
        byte[] message = message("engines", 50);
        byte[] data = "header data to sign".getBytes(StandardCharsets.US_ASCII);
        PublicKey pub = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(RSA.publicKeyBase64())));
        byte[] reference = RSA.withEngine(SigningEngine.JAVA).sign(data);
        for (SigningEngine engine : SigningEngines.all()) {
            DkimKey key = RSA.withEngine(engine);
            assertThat(key.engine()).isEqualTo(engine);
            byte[] sig = key.sign(data);
            assertThat(sig).as(engine.name()).isEqualTo(reference);
            Signature v = Signature.getInstance("SHA256withRSA");
            v.initVerify(pub);
            v.update(data);
            assertThat(v.verify(sig)).as(engine.name()).isTrue();
            // and through the signer: the whole DKIM-Signature field is the same
            assertThat(field(key, message)).isEqualTo(field(RSA.withEngine(SigningEngine.JAVA), message));
        }
    }

    @Test
    void everyEngineSignsTheSameEd25519BytesForManyKeysAndMessages() throws Exception {
        KeyFactory jdk = KeyFactory.getInstance("Ed25519");
        for (int k = 0; k < 8; k++) {
            DkimKey bc = DkimKey.generateEd25519().withEngine(SigningEngine.JAVA);
            // the JDK's own verifier (SunEC), independent of both engines: the raw key as an X.509 SPKI
            byte[] spki = concat(
                    new byte[] {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00},
                    Base64.getDecoder().decode(bc.publicKeyBase64()));
            PublicKey pub = jdk.generatePublic(new X509EncodedKeySpec(spki));
            for (int m = 0; m < 6; m++) {
                byte[] data = ("h" + k + "-" + m + ":" + "x".repeat(m * 97)).getBytes(StandardCharsets.US_ASCII);
                byte[] reference = bc.sign(data);
                for (SigningEngine engine : SigningEngines.all()) {
                    DkimKey key = bc.withEngine(engine);
                    assertThat(key.engine()).isEqualTo(engine);
                    byte[] sig = key.sign(data);
                    assertThat(sig).as("key %d message %d %s", k, m, engine).isEqualTo(reference);
                    Signature v = Signature.getInstance("Ed25519");
                    v.initVerify(pub);
                    v.update(MessageDigest.getInstance("SHA-256").digest(data)); // RFC 8463: over the digest
                    assertThat(v.verify(sig))
                            .as("key %d message %d %s", k, m, engine)
                            .isTrue();
                }
                byte[] message = message("ed" + k + m, 1 + m * 40);
                String expected = field(bc, message);
                for (SigningEngine engine : SigningEngines.all()) {
                    DkimKey key = bc.withEngine(engine);
                    assertThat(field(key, message)).isEqualTo(expected);
                    byte[] signed = (expected + new String(message, StandardCharsets.ISO_8859_1))
                            .getBytes(StandardCharsets.ISO_8859_1);
                    assertThat(new DkimVerifier((s, d) -> key.dnsRecord()).verify(signed))
                            .singleElement()
                            .matches(VerificationResult::passed);
                }
            }
        }
    }

    @Test
    void pooledSigningObjectsGiveTheSameSignaturesFromManyThreads() throws Exception {
        DkimKey ed = DkimKey.generateEd25519();
        List<DkimKey> keys = new ArrayList<>();
        for (SigningEngine e : SigningEngines.all()) {
            keys.add(ed.withEngine(e));
            keys.add(RSA.withEngine(e));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (DkimKey key : keys) {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 32; t++) {
                    int seed = t;
                    results.add(pool.submit(() -> {
                        for (int i = 0; i < 20; i++) {
                            byte[] data = ("thread " + seed + " message " + i).getBytes(StandardCharsets.US_ASCII);
                            if (!Arrays.equals(
                                    key.sign(data),
                                    key.withEngine(SigningEngine.JAVA).sign(data))) {
                                return false;
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : results)
                    assertThat(f.get(60, TimeUnit.SECONDS)).as(key.toString()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Without the native provider on the class path (a child JVM), both key types sign with pure Java
     * and give exactly the signatures the native engine gives here.
     */
    @Test
    void withoutTheNativeProviderKeysSignInPureJavaWithTheSameBytes() throws Exception {
        assumeTrue(SigningEngines.nativeExpected(), "the native engine loads only on linux-x86_64");
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("AmazonCorrettoCryptoProvider"))
                .collect(Collectors.joining(File.pathSeparator));
        Path ed = TestFiles.dir("rfc8463/ed25519.brisbane.private.pem");
        Path rsa = TestFiles.dir("rfc8463/rsa.test.private.pem");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classPath,
                        NoNativeSigner.class.getName(),
                        ed.toString(),
                        rsa.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        String expected = NoNativeSigner.report(DkimKey.load(ed), DkimKey.load(rsa));
        assertThat(DkimKey.load(ed).engine()).isEqualTo(SigningEngine.NATIVE);
        assertThat(out)
                .startsWith("reason: Amazon Corretto Crypto Provider is not on the class path\n"
                        + "native=false preferred=JAVA ed=JAVA rsa=JAVA\n")
                .endsWith(expected.substring(expected.indexOf("\nDKIM-Signature")));
    }

    static byte[] message(String subject, int lines) {
        return ("From: a@tern.example\r\nTo: b@example.net\r\nSubject: " + subject + "\r\n\r\n"
                        + "body line\r\n".repeat(lines))
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static String field(DkimKey key, byte[] message) {
        return new DkimSigner(SignerSettings.of("tern.example", "s", key).withClock(FIXED)).sign(message);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
