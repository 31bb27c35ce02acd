package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.inject.auth.PasswordHash;
import dev.tern.queue.Envelope;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile SMTP sessions against the injection listener's TLS, AUTH and relay policy, over real
 * loopback sockets (the listener on 127.0.0.1; "outsiders" connect from 127.0.0.2, which is not
 * in relay_from). After every refusal the spool and the event stream must hold nothing.
 */
class HostileAuthSessionsTest {
    private static final String OUTSIDE = "127.0.0.2";
    private static final String INSIDE = "127.0.0.1";
    // cheap hashes keep the tests fast; the cost is part of each hash
    private static final String ALICE = hash("alice-secret"), BOB = hash("bob-secret"), CAROL = hash("carol-secret");

    @TempDir
    Path dir;

    private TestListener tern;
    private SSLContext trustingClient;

    private static String hash(String password) {
        return PasswordHash.argon2id(password.toCharArray(), 256, 1, 1);
    }

    private void start(boolean allowWithoutTls, int maxConnectionsPerIp) throws Exception {
        tern = new TestListener(dir, """
          relay_from: [127.0.0.1/32]
          max_connections_per_ip: %d
          tls:
            starttls: true
            self_signed: true
            certificate: "%s"
            private_key: "%s"
            smtps_listen: 127.0.0.1:0
          auth:
            enabled: true
            allow_without_tls: %s
            max_failures: 4
            failure_window: 10m
            lockout: 5m
            max_failures_per_session: 3
            users:
              alice: { password_hash: "%s", tenants: [acme] }
              bob: { password_hash: "%s", tenants: [acme, beta], pools: [bulk] }
              carol: { password_hash: "%s", tenants: ["*"], max_messages_per_minute: 2 }
        """.formatted(
                        maxConnectionsPerIp,
                        dir.resolve("tls/cert.pem"),
                        dir.resolve("tls/key.pem"),
                        allowWithoutTls,
                        ALICE,
                        BOB,
                        CAROL));
        trustingClient = TestListener.trusting(dir.resolve("tls/cert.pem"));
    }

    @AfterEach
    void stop() throws Exception {
        if (tern != null) tern.close();
    }

    private TestListener.TestClient connect(String from) throws Exception {
        return tern.connect(from);
    }

    private TestListener.TestClient connectSmtps(String from) throws Exception {
        return tern.connectSmtps(from, trustingClient);
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private void assertNothingAccepted() {
        assertThat(tern.spool.stats().messages()).isZero();
        assertThat(tern.events).isEmpty();
    }

    private List<Envelope> spooled() {
        List<Envelope> out = new ArrayList<>();
        tern.spool.forEachEntry(e -> out.add(e.envelope()));
        return out;
    }

    @Test
    void openRelayAttemptsFromANonAllowedAddressAreRefused() throws Exception {
        start(false, 0);
        TestListener.TestClient c = connect(OUTSIDE);
        assertThat(c.banner).startsWith("220 ");
        assertThat(c.ehlo()).contains("250-STARTTLS");
        assertThat(c.cmd("MAIL FROM:<spammer@evil.test>")).startsWith("550 5.7.1");
        assertThat(c.cmd("RCPT TO:<victim@example.test>")).startsWith("503");
        assertThat(c.cmd("DATA")).startsWith("503");
        assertThat(c.cmd("MAIL FROM:<>")).startsWith("550 5.7.1");
        // TLS alone is not authentication
        c.startTls(trustingClient);
        c.ehlo();
        assertThat(c.cmd("MAIL FROM:<spammer@evil.test>")).startsWith("550 5.7.1");
        // a failed AUTH is not one either
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "wrong"))).startsWith("535 5.7.8");
        assertThat(c.cmd("MAIL FROM:<spammer@evil.test>")).startsWith("550 5.7.1");
        // a pipelined transaction gets nothing through
        c.write("MAIL FROM:<a@evil.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: x\r\n\r\nspam\r\n.\r\n");
        assertThat(c.reply()).startsWith("550 5.7.1");
        assertThat(c.reply()).startsWith("503");
        assertThat(c.reply()).startsWith("503");
        assertNothingAccepted();

        // the control: the same transaction from an allowed address is accepted
        TestListener.TestClient inside = connect(INSIDE);
        inside.ehlo();
        assertThat(inside.send("a@x.test", List.of("b@example.test"), "Subject: ok\r\n\r\nhello"))
                .startsWith("250 2.0.0");
        assertThat(tern.spool.stats().messages()).isEqualTo(1);
    }

    @Test
    void authBeforeStartTlsIsNeitherAdvertisedNorAccepted() throws Exception {
        start(false, 0);
        TestListener.TestClient c = connect(OUTSIDE);
        List<String> ehlo = c.ehlo();
        assertThat(ehlo).noneMatch(l -> l.contains("AUTH"));
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "alice-secret"))).startsWith("538 5.7.11");
        assertThat(c.cmd("AUTH LOGIN")).startsWith("538 5.7.11");
        assertThat(c.cmd("MAIL FROM:<a@x.test>")).startsWith("550 5.7.1");
        c.cmd("RSET");
        c.startTls(trustingClient);
        ehlo = c.ehlo();
        assertThat(ehlo).contains("250-AUTH PLAIN LOGIN").noneMatch(l -> l.contains("STARTTLS"));
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "alice-secret"))).startsWith("235 2.7.0");
        assertNothingAccepted();
    }

    @Test
    void authWithoutTlsOnlyWhenExplicitlyAllowed() throws Exception {
        start(true, 0);
        TestListener.TestClient c = connect(OUTSIDE);
        assertThat(c.ehlo()).contains("250-AUTH PLAIN LOGIN", "250-STARTTLS");
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "alice-secret"))).startsWith("235");
        // the identity would survive the switch to TLS (RFC 3207 4.2): refused
        assertThat(c.cmd("STARTTLS")).startsWith("503 5.5.1");
        assertThat(c.send("a@x.test", List.of("b@example.test"), "Subject: plain\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        assertThat(spooled())
                .singleElement()
                .satisfies(e -> assertThat(e.attributes()).containsEntry("auth_user", "alice"));
        assertThat(new String(tern.spool.body(spooled().get(0).messageId()).orElseThrow(), StandardCharsets.US_ASCII))
                .contains("with ESMTPA id");
    }

    @Test
    void wrongPasswordsInALoopLeadToALockoutThatEnds() throws Exception {
        start(false, 0);
        TestListener.TestClient c = connect(OUTSIDE);
        c.ehlo();
        c.startTls(trustingClient);
        c.ehlo();
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "guess1"))).startsWith("535 5.7.8");
        assertThat(c.cmd("AUTH PLAIN " + plain("nobody", "guess2"))).startsWith("535 5.7.8");
        // the third failure in one session closes it
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "guess3"))).startsWith("421 4.7.0");
        assertThat(c.reply()).isEqualTo("<closed>");

        TestListener.TestClient d = connect(OUTSIDE);
        d.ehlo();
        d.startTls(trustingClient);
        d.ehlo();
        assertThat(d.cmd("AUTH LOGIN")).startsWith("334 VXNlcm5hbWU6");
        assertThat(d.cmd(b64("alice"))).startsWith("334 UGFzc3dvcmQ6");
        assertThat(d.cmd(b64("guess4"))).startsWith("535 5.7.8"); // the 4th failure of the address: locked out
        // locked out: even the right password is refused without a check
        assertThat(d.cmd("AUTH PLAIN " + plain("alice", "alice-secret"))).startsWith("454 4.7.0");
        assertThat(d.cmd("MAIL FROM:<a@x.test>")).startsWith("550 5.7.1");
        d.cmd("RSET");
        tern.clock.advance(Duration.ofMinutes(4));
        assertThat(d.cmd("AUTH PLAIN " + plain("alice", "alice-secret")))
                .startsWith("421 4.7.0"); // 3rd refusal in this session
        assertNothingAccepted();

        // the lockout is per address: another client address is not affected
        TestListener.TestClient inside = connect(INSIDE);
        inside.ehlo();
        inside.startTls(trustingClient);
        inside.ehlo();
        assertThat(inside.cmd("AUTH PLAIN " + plain("alice", "alice-secret"))).startsWith("235");

        tern.clock.advance(Duration.ofMinutes(1)); // the lockout has ended
        TestListener.TestClient e = connect(OUTSIDE);
        e.ehlo();
        e.startTls(trustingClient);
        e.ehlo();
        assertThat(e.cmd("AUTH PLAIN " + plain("alice", "alice-secret"))).startsWith("235 2.7.0");
        assertThat(e.send("a@x.test", List.of("b@example.test"), "Subject: back\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        assertThat(tern.spool.stats().messages()).isEqualTo(1);
    }

    @Test
    void plainAfterStartTlsDeliversIntoTheSpoolWithTheUsersTenant() throws Exception {
        start(false, 0);
        TestListener.TestClient c = connect(OUTSIDE);
        c.ehlo();
        SSLSocket tls = c.startTls(trustingClient);
        assertThat(tls.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        c.ehlo();
        // initial response on its own line
        assertThat(c.cmd("AUTH PLAIN")).isEqualTo("334 ");
        assertThat(c.cmd(plain("alice", "alice-secret"))).startsWith("235 2.7.0");
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "alice-secret"))).startsWith("503");
        assertThat(c.send(
                        "sender@acme.test",
                        List.of("rcpt@example.test"),
                        "From: <sender@acme.test>\r\nSubject: hi\r\n\r\nhello"))
                .startsWith("250 2.0.0");
        Envelope e = spooled().get(0);
        assertThat(e.tenant()).isEqualTo("acme"); // the user's only tenant, without X-Tern-Tenant
        assertThat(e.attributes()).containsEntry("auth_user", "alice").containsEntry("client", OUTSIDE);
        String body = new String(tern.spool.body(e.messageId()).orElseThrow(), StandardCharsets.US_ASCII);
        assertThat(body).contains("with ESMTPSA id " + e.messageId()).doesNotContain("alice-secret");
        assertThat(tern.events)
                .singleElement()
                .satisfies(ev -> assertThat(ev.tenant()).isEqualTo("acme"));
    }

    @Test
    void loginOverSmtpsDeliversForAnAllowedTenantAndPool() throws Exception {
        start(false, 0);
        TestListener.TestClient c = connectSmtps(OUTSIDE);
        assertThat(c.banner).startsWith("220 ");
        assertThat(((SSLSocket) c.socket).getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        List<String> ehlo = c.ehlo();
        assertThat(ehlo).contains("250-AUTH PLAIN LOGIN").noneMatch(l -> l.contains("STARTTLS"));
        assertThat(c.cmd("AUTH LOGIN " + b64("bob"))).startsWith("334 UGFzc3dvcmQ6");
        assertThat(c.cmd(b64("bob-secret"))).startsWith("235 2.7.0");
        assertThat(c.send(
                        "s@beta.test",
                        List.of("r@example.test"),
                        "X-Tern-Tenant: beta\r\nX-Tern-Pool: bulk\r\nSubject: hi\r\n\r\nhello"))
                .startsWith("250 2.0.0");
        Envelope e = spooled().get(0);
        assertThat(e.tenant()).isEqualTo("beta");
        assertThat(e.pool()).isEqualTo("bulk");
        assertThat(e.attributes()).containsEntry("auth_user", "bob");
        assertThat(new String(tern.spool.body(e.messageId()).orElseThrow(), StandardCharsets.US_ASCII))
                .contains("with ESMTPSA")
                .doesNotContain("X-Tern-Tenant");
        // the implicit-TLS listener refuses plain text
        try (Socket raw = new Socket(
                tern.listener.smtpsAddress().orElseThrow().getAddress(),
                tern.listener.smtpsAddress().orElseThrow().getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write("EHLO plain\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[256];
            int n = raw.getInputStream().read(buf);
            assertThat(n <= 0 || !new String(buf, 0, n, StandardCharsets.ISO_8859_1).startsWith("250"))
                    .isTrue();
        } catch (IOException expected) {
            // reset: fine
        }
        assertThat(tern.spool.stats().messages()).isEqualTo(1);
    }

    @Test
    void aUserSendingForATenantOrPoolItMayNotUseIsRefused() throws Exception {
        start(false, 0);
        TestListener.TestClient alice = authenticated(OUTSIDE, "alice", "alice-secret");
        assertThat(alice.send("s@x.test", List.of("r@example.test"), "X-Tern-Tenant: globex\r\nSubject: x\r\n\r\nhi"))
                .startsWith("550 5.7.1")
                .contains("'alice'")
                .contains("'globex'");
        assertThat(alice.send("s@x.test", List.of("r@example.test"), "X-Tern-Pool: vip\r\nSubject: x\r\n\r\nhi"))
                .startsWith("550 5.7.1")
                .contains("pool 'vip'");
        TestListener.TestClient bob = authenticated(OUTSIDE, "bob", "bob-secret");
        // two tenants: the message must say which
        assertThat(bob.send("s@x.test", List.of("r@example.test"), "Subject: x\r\n\r\nhi"))
                .startsWith("550 5.7.1")
                .contains("X-Tern-Tenant");
        assertThat(bob.send(
                        "s@x.test",
                        List.of("r@example.test"),
                        "X-Tern-Tenant: acme\r\nX-Tern-Pool: default\r\nSubject: x\r\n\r\nhi"))
                .startsWith("550 5.7.1")
                .contains("pool 'default'");
        assertNothingAccepted();
        // the session goes on after a refusal
        assertThat(bob.send("s@x.test", List.of("r@example.test"), "X-Tern-Tenant: acme\r\nSubject: x\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        assertThat(spooled()).singleElement().satisfies(e -> {
            assertThat(e.tenant()).isEqualTo("acme");
            assertThat(e.pool()).isEqualTo("bulk");
        });
    }

    @Test
    void perUserMessageRateIsEnforcedAtMailFrom() throws Exception {
        start(false, 0);
        TestListener.TestClient carol = authenticated(OUTSIDE, "carol", "carol-secret");
        assertThat(carol.send("s@x.test", List.of("r@example.test"), "Subject: 1\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        assertThat(carol.send("s@x.test", List.of("r@example.test"), "Subject: 2\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        // the limit is per user, over all its sessions
        TestListener.TestClient again = authenticated(OUTSIDE, "carol", "carol-secret");
        assertThat(again.cmd("MAIL FROM:<s@x.test>")).startsWith("451 4.7.1");
        assertThat(again.cmd("RCPT TO:<r@example.test>")).startsWith("503");
        assertThat(again.cmd("DATA")).startsWith("503");
        assertThat(tern.spool.stats().messages()).isEqualTo(2);
        // other users are not held back
        TestListener.TestClient alice = authenticated(OUTSIDE, "alice", "alice-secret");
        assertThat(alice.send("s@x.test", List.of("r@example.test"), "Subject: a\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        tern.clock.advance(Duration.ofSeconds(30)); // one token of 2 per minute back
        assertThat(again.send("s@x.test", List.of("r@example.test"), "Subject: 3\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        assertThat(carol.cmd("MAIL FROM:<s@x.test>")).startsWith("451 4.7.1");
        assertThat(tern.spool.stats().messages()).isEqualTo(4);
    }

    @Test
    void perAddressConnectionLimitAnswers421() throws Exception {
        start(false, 2);
        TestListener.TestClient a = connect(OUTSIDE);
        TestListener.TestClient b = connect(OUTSIDE);
        assertThat(a.banner).startsWith("220");
        assertThat(b.banner).startsWith("220");
        TestListener.TestClient c = connect(OUTSIDE);
        assertThat(c.banner).startsWith("421 4.7.0");
        assertThat(c.reply()).isEqualTo("<closed>");
        // the SMTPS listener shares the count
        TestListener.TestClient d = connectSmtps(OUTSIDE);
        assertThat(d.banner).startsWith("421 4.7.0");
        // another address has its own count
        assertThat(connect(INSIDE).banner).startsWith("220");
        // a closed session frees its place
        a.cmd("QUIT");
        a.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            TestListener.TestClient e = connect(OUTSIDE);
            return e.banner.startsWith("220");
        });
        assertNothingAccepted();
    }

    @Test
    void malformedAndForgedAuthExchangesFail() throws Exception {
        start(false, 0);
        TestListener.TestClient c = connect(INSIDE);
        c.ehlo();
        c.startTls(trustingClient);
        assertThat(c.cmd("AUTH PLAIN " + plain("alice", "alice-secret")))
                .startsWith("503 5.5.1"); // no EHLO after STARTTLS
        c.ehlo();
        assertThat(c.cmd("AUTH CRAM-MD5")).startsWith("504");
        assertThat(c.cmd("AUTH PLAIN")).isEqualTo("334 ");
        assertThat(c.cmd("*")).startsWith("501"); // canceled by the client: not a failure
        // acting for another user (authzid) is not supported
        String forged = Base64.getEncoder().encodeToString("alice\0bob\0bob-secret".getBytes(StandardCharsets.UTF_8));
        assertThat(c.cmd("AUTH PLAIN " + forged)).startsWith("535 5.7.8");
        assertThat(c.cmd("AUTH PLAIN !!!notbase64")).startsWith("501 5.5.2");
        TestListener.TestClient d = connect(INSIDE);
        d.ehlo();
        d.startTls(trustingClient);
        d.ehlo();
        assertThat(d.cmd("MAIL FROM:<a@x.test>")).startsWith("250");
        assertThat(d.cmd("AUTH PLAIN " + plain("alice", "alice-secret")))
                .startsWith("503 5.5.1"); // inside a transaction
        assertThat(d.cmd("RSET")).startsWith("250");
        assertThat(d.cmd("AUTH PLAIN " + plain("alice\0", "alice-secret"))).startsWith("501 5.5.2");
        assertNothingAccepted();
    }

    private TestListener.TestClient authenticated(String from, String user, String password) throws Exception {
        TestListener.TestClient c = connect(from);
        c.ehlo();
        c.startTls(trustingClient);
        c.ehlo();
        assertThat(c.cmd("AUTH PLAIN " + plain(user, password))).startsWith("235");
        return c;
    }
}
