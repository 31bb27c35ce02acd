package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.SigningEngine;
import dev.tern.dkim.VerificationResult;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messages are signed at injection (RSA + Ed25519) and the signatures survive delivery. */
class DkimSigningTest {
    @TempDir
    Path dir;

    static Path writePkcs8(Path file, String algorithm, int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        if (bits > 0) g.initialize(bits);
        byte[] der = g.generateKeyPair().getPrivate().getEncoded();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(file, pem);
        return file;
    }

    private String dkimYaml(Path rsa, Path ed) {
        return """
        dkim:
          domains:
            example.com:
              - { selector: rsa1, key_file: "%s", algorithm: rsa-sha256 }
              - { selector: ed1, key_file: "%s", algorithm: ed25519-sha256 }
        """.formatted(rsa, ed);
    }

    @Test
    void signedAtInjectionAndVerifiableAtTheSink() throws Exception {
        Path rsa = writePkcs8(dir.resolve("rsa.pem"), "RSA", 2048);
        Path ed = writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            TernConfig config = ConfigLoader.parse(
                    """
          spool: { directory: "%s", min_free_disk: 1MiB }
          injection: { listen: 127.0.0.1:0 }
          admin: { listen: 127.0.0.1:0 }
          events: { log: "%s" }
          routes: { "*": 127.0.0.1:%d }
          """.formatted(dir.resolve("spool"), dir.resolve("events.jsonl"), sink.port()) + dkimYaml(rsa, ed),
                    "t");
            String message = "From: Sender <news@mail.example.com>\r\nTo: <rcpt@dest.test>\r\nSubject: signed\r\n"
                    + "Subject-Extra: folded\r\n value\r\nX-Tern-Campaign: c1\r\n\r\nBody with 8-bit \u00e9 text\r\n"
                    + "x".repeat(1500) + "\r\n\r\n\r\n";
            try (TernServer tern = TernServer.start(config)) {
                inject(tern, message);
                List<ReceivedMessage> got = sink.awaitMessages(1, Duration.ofSeconds(20));
                byte[] delivered = got.get(0).data();
                String text = new String(delivered, StandardCharsets.UTF_8);
                assertThat(text).contains("DKIM-Signature:").doesNotContain("X-Tern-Campaign");
                DkimKey rsaKey = DkimKey.load(rsa), edKey = DkimKey.load(ed);
                DkimVerifier verifier = new DkimVerifier((selector, domain) -> domain.equals("example.com")
                        ? (selector.equals("rsa1") ? rsaKey.dnsRecord() : edKey.dnsRecord())
                        : null);
                List<VerificationResult> results = verifier.verify(delivered);
                assertThat(results).hasSize(2).allMatch(VerificationResult::passed);
                assertThat(results).extracting(VerificationResult::selector).containsExactlyInAnyOrder("rsa1", "ed1");
                verifyWithDkimpy(delivered, rsaKey, edKey);
            }
        }
    }

    /** Independent check with python3-dkim (dkimpy), when installed. */
    private void verifyWithDkimpy(byte[] message, DkimKey rsa, DkimKey ed) throws Exception {
        Assumptions.assumeTrue(
                new ProcessBuilder("/usr/bin/python3", "-c", "import dkim, nacl")
                                .start()
                                .waitFor()
                        == 0,
                "python3-dkim not installed");
        Path msg = Files.write(dir.resolve("delivered.eml"), message);
        String script = """
        import sys, dkim
        keys = {b'rsa1._domainkey.example.com.': sys.argv[2].encode(), b'ed1._domainkey.example.com.': sys.argv[3].encode()}
        data = open(sys.argv[1], 'rb').read()
        d = dkim.DKIM(data)
        ok = [d.verify(idx=i, dnsfunc=lambda name, timeout=5: keys.get(name)) for i in range(2)]
        print(ok)
        sys.exit(0 if all(ok) else 1)
        """;
        Process p = new ProcessBuilder(
                        "/usr/bin/python3", "-c", script, msg.toString(), rsa.dnsRecord(), ed.dnsRecord())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("dkimpy says: %s", out).isZero();
    }

    private static void inject(TernServer tern, String message) throws Exception {
        try (Socket s = new Socket(
                tern.injectionAddress().getAddress(), tern.injectionAddress().getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            var in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            in.readLine();
            out.write(("EHLO t\r\nMAIL FROM:<news@mail.example.com>\r\nRCPT TO:<rcpt@dest.test>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line;
            while (!(line = in.readLine()).startsWith("354")) {
                /* EHLO lines, 250s */
            }
            out.write(message.getBytes(StandardCharsets.UTF_8));
            out.write(".\r\nQUIT\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(in.readLine()).startsWith("250 2.0.0");
        }
    }

    @Test
    void badKeyFileAndAlgorithmMismatchAreConfigErrorsNamingTheKey() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a key\n");
        Path ed = writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        assertThatThrownBy(() -> ConfigLoader.parse("""
        dkim:
          domains:
            example.com:
              - { selector: a, key_file: "%s" }
              - { selector: b, key_file: "%s", algorithm: rsa-sha256 }
        """.formatted(garbage, ed), "t"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .satisfiesExactlyInAnyOrder(
                                        p -> assertThat(p)
                                                .startsWith(
                                                        "dkim.domains.\"example.com\"[0].key_file: cannot load DKIM key"),
                                        p -> assertThat(p)
                                                .startsWith("dkim.domains.\"example.com\"[1].algorithm: the key in")
                                                .contains("ed25519-sha256")));
    }

    @Test
    void signingIsCountedPerDomainSelectorAndAlgorithmAndTimed() throws Exception {
        Path ed = writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        Path rsa = writePkcs8(dir.resolve("rsa.pem"), "RSA", 2048);
        TernConfig config = ConfigLoader.parse("""
        dkim:
          domains:
            example.com: [ { selector: e1, key_file: "%s" }, { selector: r1, key_file: "%s" } ]
        """.formatted(ed, rsa), "t");
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        byte[] msg = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        try (DkimSigning s = new DkimSigning(config.dkim(), registry)) {
            for (int i = 0; i < 3; i++) assertThat(s.sign(msg, "example.com")).contains("s=e1", "s=r1");
            assertThat(s.sign(msg, "unsigned.test")).isEmpty();
        }
        assertThat(registry.get("tern.dkim.signatures")
                        .tags("domain", "example.com", "selector", "e1", "algorithm", "ed25519-sha256")
                        .counter()
                        .count())
                .isEqualTo(3);
        assertThat(registry.get("tern.dkim.signatures")
                        .tags("domain", "example.com", "selector", "r1", "algorithm", "rsa-sha256")
                        .counter()
                        .count())
                .isEqualTo(3);
        assertThat(registry.get("tern.dkim.signing").timer().count()).isEqualTo(3);
        assertThat(registry.get("tern.dkim.signing").timer().totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                .isPositive();
        assertThat(registry.find("tern.dkim.signing.failures").counters()).isEmpty();
    }

    @Test
    void rsaEngineFromTheConfigurationSignsVerifiably() throws Exception {
        Path rsa = writePkcs8(dir.resolve("rsa.pem"), "RSA", 2048);
        Path ed = writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        for (Path keyFile : List.of(rsa, ed)) signsWithEveryEngine(keyFile);
        assertThatThrownBy(() -> ConfigLoader.parse("dkim: { rsa_engine: fast }\n", "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dkim.rsa_engine")
                .hasMessageContaining("auto, native or java");
    }

    /** {@code dkim.rsa_engine} picks the engine of RSA and Ed25519 keys; every engine's signature verifies. */
    private static void signsWithEveryEngine(Path keyFile) throws Exception {
        DkimKey key = DkimKey.load(keyFile);
        byte[] msg = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        List<String> engines =
                SigningEngine.nativeAvailable() ? List.of("auto", "java", "native") : List.of("auto", "java");
        for (String engine : engines) {
            TernConfig config = ConfigLoader.parse("""
            dkim:
              rsa_engine: %s
              domains:
                example.com: [ { selector: a, key_file: "%s" } ]
            """.formatted(engine, keyFile), "t");
            assertThat(DkimSigning.engine(config.dkim()))
                    .isEqualTo(
                            switch (engine) {
                                case "java" -> SigningEngine.JAVA;
                                case "native" -> SigningEngine.NATIVE;
                                default -> null;
                            });
            try (DkimSigning s = new DkimSigning(config.dkim())) {
                String field = s.sign(msg, "example.com");
                byte[] signed =
                        (field + new String(msg, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
                assertThat(new DkimVerifier((sel, d) -> key.dnsRecord()).verify(signed))
                        .as(engine + " " + key)
                        .singleElement()
                        .matches(VerificationResult::passed);
            }
        }
    }

    @Test
    void fromDomainMatchingUsesParentsThenFallback() throws Exception {
        Path ed = writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        TernConfig config = ConfigLoader.parse("""
        dkim:
          fallback_domain: platform.test
          domains:
            example.com: [ { selector: a, key_file: "%s" } ]
            platform.test: [ { selector: p, key_file: "%s" } ]
        """.formatted(ed, ed), "t");
        try (DkimSigning s = new DkimSigning(config.dkim())) {
            assertThat(s.signingDomain("example.com")).isEqualTo("example.com");
            assertThat(s.signingDomain("news.mail.example.com")).isEqualTo("example.com");
            assertThat(s.signingDomain("other.org")).isEqualTo("platform.test");
            assertThat(InjectionSession.Injector.domainOf("\"A, B\" <x@News.Example.com>"))
                    .isEqualTo("news.example.com");
        }
    }

    @Test
    void changedKeyFileIsReloadedWithoutRestart() throws Exception {
        Path ed = writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        TernConfig config = ConfigLoader.parse("""
        dkim:
          domains:
            example.com: [ { selector: a, key_file: "%s" } ]
        """.formatted(ed), "t");
        byte[] msg = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        try (DkimSigning s = new DkimSigning(config.dkim())) {
            DkimKey first = DkimKey.load(ed);
            writePkcs8(ed, "Ed25519", 0);
            DkimKey second = DkimKey.load(ed);
            s.reload();
            byte[] signed = (s.sign(msg, "example.com") + new String(msg, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.US_ASCII);
            assertThat(new DkimVerifier((sel, d) -> second.dnsRecord()).verify(signed))
                    .allMatch(VerificationResult::passed);
            assertThat(new DkimVerifier((sel, d) -> first.dnsRecord()).verify(signed))
                    .noneMatch(VerificationResult::passed);
            // a broken key on reload keeps the previous key in service
            Files.writeString(ed, "broken");
            s.reload();
            assertThat(s.sign(msg, "example.com")).startsWith("DKIM-Signature:");
        }
    }

    @Test
    void aReloadedConfigurationSwitchesDomainsOnlyWhenApplied() throws Exception {
        Path ed = writePkcs8(dir.resolve("ed.pem"), "Ed25519", 0);
        TernConfig before = ConfigLoader.parse("""
        dkim:
          domains:
            example.com: [ { selector: a, key_file: "%s" } ]
        """.formatted(ed), "t");
        TernConfig after = ConfigLoader.parse("""
        dkim:
          domains:
            other.test: [ { selector: b, key_file: "%s" } ]
        """.formatted(ed), "t");
        try (DkimSigning s = new DkimSigning(before.dkim())) {
            Runnable apply = s.prepare(after.dkim());
            assertThat(s.signingDomain("example.com")).isEqualTo("example.com"); // prepared, not applied
            apply.run();
            assertThat(s.signingDomain("example.com")).isNull();
            assertThat(s.signingDomain("other.test")).isEqualTo("other.test");

            // a key that cannot be loaded: the reload is refused naming the domain, signing goes on
            Files.writeString(ed, "broken");
            assertThatThrownBy(() -> s.prepare(before.dkim()))
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).problems())
                            .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                            .startsWith("dkim.domains.example.com: "));
            assertThat(s.signingDomain("other.test")).isEqualTo("other.test");
        }
    }
}
