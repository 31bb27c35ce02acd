package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.dkim.VerificationResult.Reason;
import dev.tern.dkim.VerificationResult.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Tern signs, Tern verifies: tag output, over-signing, expiry, l=, key record rules and result reasons. */
class SignerVerifierTest {
    static final DkimKey RSA = DkimKey.load(TestFiles.dir("rfc8463/rsa.test.private.pem"));
    static final DkimKey ED = DkimKey.load(TestFiles.dir("rfc8463/ed25519.brisbane.private.pem"));
    static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L);
    static final String MESSAGE = "From: Alice <alice@example.com>\r\n"
            + "To: bob@example.net\r\n"
            + "Subject: a folded\r\n\tsubject line\r\n"
            + "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            + "Message-ID: <1@example.com>\r\n"
            + "X-Other: not signed\r\n"
            + "\r\n"
            + "Hello  world \r\n\r\nbye\r\n\r\n\r\n";

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static SignerSettings settings(DkimKey key) {
        return SignerSettings.of("example.com", key == RSA ? "rsa" : "ed", key)
                .withClock(Clock.fixed(T0, ZoneOffset.UTC));
    }

    static KeyLookup keys(String rsaRecord, String edRecord) {
        return (selector, domain) -> switch (selector + "@" + domain) {
            case "rsa@example.com" -> rsaRecord;
            case "ed@example.com" -> edRecord;
            default -> null;
        };
    }

    static final KeyLookup KEYS = keys(RSA.dnsRecord(), ED.dnsRecord());

    static List<VerificationResult> verify(String signed) {
        return new DkimVerifier(KEYS, VerifierSettings.defaults().withClock(Clock.fixed(T0, ZoneOffset.UTC)))
                .verify(bytes(signed));
    }

    static String sign(SignerSettings s, String message) {
        return new DkimSigner(s).sign(bytes(message)) + message;
    }

    @ParameterizedTest
    @EnumSource(Canonicalization.class)
    void roundTripAllCanonicalizations(Canonicalization c) {
        for (DkimKey key : List.of(RSA, ED)) {
            for (Canonicalization body : Canonicalization.values()) {
                String signed = sign(settings(key).withCanonicalization(c, body), MESSAGE);
                assertThat(verify(signed))
                        .as(key + " " + c + "/" + body)
                        .singleElement()
                        .matches(VerificationResult::passed);
            }
        }
    }

    @Test
    void signatureFieldLayout() {
        String field = new DkimSigner(settings(RSA).withExpiry(Duration.ofDays(7))).sign(bytes(MESSAGE));
        String unfolded = field.replace("\r\n", "");
        assertThat(unfolded)
                .startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;"
                        + " q=dns/txt; s=rsa; t=1700000000; x=1700604800; h=from : to : subject : date : message-id"
                        + " : from : to : cc : subject : date : message-id : reply-to : list-unsubscribe"
                        + " : list-unsubscribe-post; bh=");
        assertThat(field).endsWith("\r\n").doesNotContain("l=");
        for (String line : field.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(78);
        }
    }

    @Test
    void tamperedBodyAndHeaderFail() {
        String signed = sign(settings(ED), MESSAGE);
        assertThat(verify(signed.replace("bye", "bye!"))).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Status.FAIL);
            assertThat(r.reason()).isEqualTo(Reason.BODY_HASH_MISMATCH);
        });
        assertThat(verify(signed.replace("Subject: a folded", "Subject: A folded")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.SIGNATURE_MISMATCH);
        // relaxed tolerates whitespace changes, an unsigned header may change
        assertThat(verify(signed.replace("Hello  world", "Hello world").replace("not signed", "changed")))
                .singleElement()
                .matches(VerificationResult::passed);
    }

    @Test
    void overSignedHeadersCannotBeAdded() {
        String signed = sign(settings(RSA), MESSAGE);
        String withFrom = signed.replace("X-Other:", "From: mallory@evil.example\r\nX-Other:");
        String withCc = signed.replace("X-Other:", "Cc: mallory@evil.example\r\nX-Other:");
        String withUnsigned = signed.replace("X-Other:", "X-Added: harmless\r\nX-Other:");
        assertThat(verify(withFrom))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(verify(withCc))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(verify(withUnsigned)).singleElement().matches(VerificationResult::passed);
    }

    @Test
    void repeatedHeadersAreAllSigned() {
        String msg = "Received: a\r\nFrom: x@example.com\r\nTo: a@example.net\r\nTo: b@example.net\r\n\r\nbody\r\n";
        String field = new DkimSigner(settings(ED)).sign(bytes(msg));
        assertThat(field.replace("\r\n", "")).contains("h=from : to : to : from : to : cc");
        assertThat(verify(field + msg)).singleElement().matches(VerificationResult::passed);
    }

    @Test
    void expiry() {
        String signed = sign(settings(ED).withExpiry(Duration.ofHours(1)), MESSAGE);
        DkimVerifier later = new DkimVerifier(
                KEYS,
                VerifierSettings.defaults().withClock(Clock.fixed(T0.plus(Duration.ofMinutes(59)), ZoneOffset.UTC)));
        DkimVerifier tooLate = new DkimVerifier(
                KEYS,
                VerifierSettings.defaults().withClock(Clock.fixed(T0.plus(Duration.ofMinutes(61)), ZoneOffset.UTC)));
        assertThat(later.verify(bytes(signed))).singleElement().matches(VerificationResult::passed);
        assertThat(tooLate.verify(bytes(signed))).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Status.FAIL);
            assertThat(r.reason()).isEqualTo(Reason.EXPIRED);
        });
    }

    @Test
    void bodyLengthTag() {
        String signed = sign(settings(RSA).withBodyLengthTag(true), MESSAGE);
        // relaxed body: "Hello world\r\n\r\nbye\r\n" = 20 bytes
        assertThat(TestFiles.tag(signed.substring(0, signed.indexOf("From:")), "l"))
                .isEqualTo("20");
        assertThat(verify(signed + "appended\r\n")).singleElement().matches(VerificationResult::passed);
        assertThat(verify(signed.replace("bye\r\n", "")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.BODY_TOO_SHORT);
    }

    @Test
    void multiSignerAddsOneVerifiableSignaturePerSigner() {
        MultiSigner multi = MultiSigner.of(
                settings(RSA),
                settings(ED).withCanonicalization(Canonicalization.SIMPLE, Canonicalization.SIMPLE),
                settings(ED).withIdentity("news@mail.example.com"));
        String signed = multi.sign(bytes(MESSAGE)) + MESSAGE;
        List<VerificationResult> results = verify(signed);
        assertThat(results).hasSize(3).allMatch(VerificationResult::passed);
        assertThat(results)
                .extracting(VerificationResult::algorithm)
                .containsExactly("rsa-sha256", "ed25519-sha256", "ed25519-sha256");
    }

    @Test
    void keyRecordRules() {
        String p = "p=" + RSA.publicKeyBase64();
        String signed = sign(settings(RSA), MESSAGE);
        record Case(String record, Reason reason) {}
        for (Case c : List.of(
                new Case(null, Reason.KEY_NOT_FOUND),
                new Case("v=DKIM1; k=rsa; p=", Reason.KEY_REVOKED),
                new Case("v=DKIM2; " + p, Reason.BAD_KEY_SYNTAX),
                new Case("k=rsa; v=DKIM1; " + p, Reason.BAD_KEY_SYNTAX),
                new Case("k=rsa; t; " + p, Reason.BAD_KEY_SYNTAX),
                new Case("k=dsa; " + p, Reason.BAD_KEY_SYNTAX),
                new Case("k=ed25519; " + p, Reason.KEY_MISMATCH),
                new Case("h=sha1; " + p, Reason.KEY_MISMATCH),
                new Case("s=web; " + p, Reason.BAD_KEY_SYNTAX),
                new Case("p=AAAA", Reason.BAD_KEY_SYNTAX),
                new Case("p=" + ED.publicKeyBase64(), Reason.BAD_KEY_SYNTAX))) {
            List<VerificationResult> r = new DkimVerifier(keys(c.record, null)).verify(bytes(signed));
            assertThat(r)
                    .as(c.record)
                    .singleElement()
                    .extracting(VerificationResult::reason)
                    .isEqualTo(c.reason);
        }
        for (String ok : List.of(p, "v=DKIM1; h=sha1:sha256; s=email:*; t=y; " + p, "n=note; k=RSA; " + p)) {
            assertThat(new DkimVerifier(keys(ok, null)).verify(bytes(signed)))
                    .as(ok)
                    .singleElement()
                    .matches(VerificationResult::passed);
        }
        DkimVerifier strict = new DkimVerifier(KEYS, VerifierSettings.defaults().withMinRsaKeyBits(2048));
        assertThat(strict.verify(bytes(signed)))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.KEY_TOO_SMALL);
        DkimVerifier failing = new DkimVerifier((s, d) -> {
            throw new IOException("SERVFAIL");
        });
        assertThat(failing.verify(bytes(signed)))
                .singleElement()
                .extracting(VerificationResult::status)
                .isEqualTo(Status.TEMPERROR);
    }

    @Test
    void strictFlagRequiresIdentityInSigningDomain() {
        String signed = sign(settings(ED).withIdentity("@news.example.com"), MESSAGE);
        String record = ED.dnsRecord();
        assertThat(new DkimVerifier(keys(null, record)).verify(bytes(signed)))
                .singleElement()
                .matches(VerificationResult::passed);
        assertThat(new DkimVerifier(keys(null, record + "; t=s")).verify(bytes(signed)))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.IDENTITY_MISMATCH);
    }

    @Test
    void signatureSyntaxErrors() {
        String signed = sign(settings(ED), MESSAGE);
        assertThat(verify(signed.replaceFirst("bh=", "xx=")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.BAD_SIGNATURE_SYNTAX);
        assertThat(verify(signed.replaceFirst("v=1;", "v=1; v=1;")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.BAD_SIGNATURE_SYNTAX);
        assertThat(verify(signed.replaceFirst("a=ed25519-sha256", "a=ed448-sha256")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
        assertThat(verify(signed.replaceFirst("c=relaxed/relaxed", "c=relaxed/fancy")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.UNSUPPORTED_CANONICALIZATION);
        assertThat(verify(signed.replaceFirst("v=1;", "v=1; i=@other.example;")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.IDENTITY_MISMATCH);
        assertThat(verify(signed.replaceFirst("h=[^;]*;", "h=to : subject;")))
                .singleElement()
                .extracting(VerificationResult::reason)
                .isEqualTo(Reason.FROM_NOT_SIGNED);
        assertThat(verify("From: a@example.com\r\n\r\nbody\r\n")).isEmpty();
    }

    @Test
    void edgeMessages() {
        for (String msg : List.of(
                "From: a@example.com\r\nSubject: no body\r\n\r\n",
                "From: a@example.com\r\nSubject: headers only, no empty line\r\n",
                "From: a@example.com\r\n\r\nno final CRLF",
                "From: a@example.com\r\n\r\n\r\n\r\n",
                "From: =?UTF-8?B?w6k=?= <a@example.com>\r\nSubject: caf\u00e9 8-bit\r\n\r\n\u00e9t\u00e9\r\n")) {
            for (DkimKey key : List.of(RSA, ED)) {
                for (Canonicalization c : Canonicalization.values()) {
                    String signed = sign(settings(key).withCanonicalization(c, c), msg);
                    assertThat(verify(signed)).as(msg).singleElement().matches(VerificationResult::passed);
                }
            }
        }
    }

    @Test
    void settingsValidation() {
        assertThatThrownBy(() -> SignerSettings.of("example.com", "s", ED).withHeaders(List.of("To"), List.of()))
                .hasMessageContaining("From");
        assertThatThrownBy(() -> SignerSettings.of("example.com", "s", ED).withIdentity("@other.example"))
                .hasMessageContaining("example.com");
        assertThatThrownBy(() -> SignerSettings.of("exa mple.com", "s", ED)).hasMessageContaining("domain");
        assertThatThrownBy(() -> SignerSettings.of("example.com", "s", ED).withExpiry(Duration.ZERO))
                .hasMessageContaining("expiry");
    }
}
