package dev.tern.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.inject.TestListener.TestClient;
import dev.tern.core.inject.auth.PasswordHash;
import dev.tern.queue.QueueEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits and reply hygiene of the injection listener against hostile commands, over real loopback
 * sessions: rates count recipients, the transactional lane is a permission, out-of-range
 * X-Tern-Deliver-After values get clean refusals, EHLO names and client text are cleaned, unknown
 * MAIL/RCPT parameters get 555 5.5.4, and every reply carries an enhanced status code.
 */
class HostileCommandsTest {
    private static final String HASH = PasswordHash.argon2id("secret".toCharArray(), 256, 1, 1);
    private static final String ENHANCED = "^[2-5][0-9][0-9][ -][245]\\.[0-9]{1,3}\\.[0-9]{1,3}( .*)?$";

    @TempDir
    Path dir;

    private TestListener t;

    private void start() throws Exception {
        t = new TestListener(dir, """
          relay_from: [127.0.0.1/32]
          auth:
            enabled: true
            allow_without_tls: true
            users:
              bulk: { password_hash: "%s", tenants: ["*"], max_messages_per_minute: 5 }
              trans: { password_hash: "%s", tenants: ["*"], priorities: [transactional] }
        """.formatted(HASH, HASH), "delivery: { max_age: 5d }\n");
    }

    @AfterEach
    void stop() throws Exception {
        if (t != null) t.close();
    }

    private TestClient login(String user) throws Exception {
        TestClient c = t.connect("127.0.0.2");
        c.cmd("EHLO client.test");
        String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0secret").getBytes(StandardCharsets.UTF_8));
        assertThat(c.cmd("AUTH PLAIN " + plain)).startsWith("235");
        return c;
    }

    private int spooledRecipients() {
        return t.entries().stream().mapToInt(e -> e.recipients().size()).sum();
    }

    @Test
    void aUserLimitedTo5PerMinuteSendsAtMost5RecipientsAMinute() throws Exception {
        start();
        TestClient c = login("bulk");
        assertThat(c.cmd("MAIL FROM:<a@x.test>")).startsWith("250 2.1.0");
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < 8; i++) replies.add(c.cmd("RCPT TO:<r" + i + "@example.test>"));
        assertThat(replies.subList(0, 5)).allMatch(r -> r.startsWith("250 2.1.5"));
        assertThat(replies.subList(5, 8)).allMatch(r -> r.startsWith("451 4.7.1"));
        assertThat(c.cmd("DATA")).startsWith("354");
        assertThat(c.cmd("Subject: x\r\n\r\nhi\r\n.")).startsWith("250 2.0.0");
        assertThat(spooledRecipients()).isEqualTo(5);
        // the allowance is spent: a new transaction is refused at MAIL
        assertThat(c.cmd("MAIL FROM:<a@x.test>")).startsWith("451 4.7.1");
        // a minute later (virtual time) there are 5 more, not 500
        t.clock.advance(Duration.ofSeconds(60));
        List<String> more =
                IntStream.range(0, 7).mapToObj(i -> "s" + i + "@example.test").toList();
        assertThat(c.send("a@x.test", more, "Subject: y\r\n\r\nhi")).startsWith("250 2.0.0");
        assertThat(spooledRecipients()).isEqualTo(10);
    }

    @Test
    void theTransactionalLaneIsAPermission() throws Exception {
        start();
        String msg = "X-Tern-Priority: transactional\r\nSubject: x\r\n\r\nhi";
        TestClient bulk = login("bulk");
        assertThat(bulk.send("a@x.test", List.of("r@example.test"), msg)).startsWith("550 5.7.1");
        assertThat(t.entries()).isEmpty();
        TestClient trans = login("trans");
        assertThat(trans.send("a@x.test", List.of("r@example.test"), msg)).startsWith("250 2.0.0");
        assertThat(t.entries())
                .singleElement()
                .satisfies(e -> assertThat(e.envelope().transactional()).isTrue());
        // bulk mail from the bulk user is fine
        assertThat(bulk.send("a@x.test", List.of("s@example.test"), "Subject: y\r\n\r\nhi"))
                .startsWith("250 2.0.0");
    }

    @Test
    void theTransactionalLaneIsAPermissionPerTenant() throws Exception {
        t = new TestListener(dir, """
          relay_from: [127.0.0.1/32]
          auth:
            enabled: true
            allow_without_tls: true
            users:
              trans: { password_hash: "%s", tenants: ["*"], priorities: [transactional] }
          tags:
            transactional_tenants: [acme]
        """.formatted(HASH), "");
        String acme = "X-Tern-Tenant: acme\r\nX-Tern-Priority: transactional\r\nSubject: x\r\n\r\nhi";
        String globex = "X-Tern-Tenant: globex\r\nX-Tern-Priority: transactional\r\nSubject: x\r\n\r\nhi";
        String none = "X-Tern-Priority: transactional\r\nSubject: x\r\n\r\nhi";
        // a relay client: the tenant's permission decides
        TestClient relay = t.connect("127.0.0.1");
        relay.cmd("EHLO client.test");
        assertThat(relay.send("a@x.test", List.of("r1@example.test"), globex))
                .startsWith("550 5.7.1")
                .contains("globex")
                .contains("injection.tags.transactional_tenants");
        assertThat(relay.send("a@x.test", List.of("r2@example.test"), none)).startsWith("550 5.7.1");
        assertThat(t.entries()).isEmpty();
        assertThat(relay.send("a@x.test", List.of("r3@example.test"), acme)).startsWith("250 2.0.0");
        // a permitted AUTH user still needs a permitted tenant
        TestClient trans = login("trans");
        assertThat(trans.send("a@x.test", List.of("r4@example.test"), globex)).startsWith("550 5.7.1");
        assertThat(trans.send("a@x.test", List.of("r5@example.test"), acme)).startsWith("250 2.0.0");
        assertThat(t.entries())
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.envelope().transactional()).isTrue());
    }

    @Test
    void deliverAfterBeyondMaxAgeOrOutOfRangeIsRefusedCleanly() throws Exception {
        start();
        TestClient c = t.connect("127.0.0.1");
        c.cmd("EHLO client.test");
        String far = c.send(
                "a@x.test",
                List.of("r@example.test"),
                "X-Tern-Deliver-After: 9999-12-31T23:59:59Z\r\nSubject: x\r\n\r\nhi");
        assertThat(far).startsWith("550 5.5.4").contains("max_age");
        String overflow = c.send(
                "a@x.test",
                List.of("r@example.test"),
                "X-Tern-Deliver-After: +999999999-12-31T23:59:59Z\r\nSubject: x\r\n\r\nhi");
        assertThat(overflow).matches("(501|554) 5\\.[0-9]\\.[0-9] .*");
        String longValue = "x".repeat(5000);
        String garbage = c.send(
                "a@x.test",
                List.of("r@example.test"),
                "X-Tern-Deliver-After: " + longValue + "\r\nSubject: x\r\n\r\nhi");
        assertThat(garbage).startsWith("554 5.6.0").hasSizeLessThan(200);
        assertThat(t.entries()).isEmpty();
        assertThat(t.warnings()).noneMatch(e -> e.getThrowableProxy() != null);
        // within max_age: accepted and held until then
        assertThat(c.send(
                        "a@x.test",
                        List.of("r@example.test"),
                        "X-Tern-Deliver-After: 2026-11-25T10:00:00Z\r\nSubject: x\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        assertThat(t.entries())
                .singleElement()
                .satisfies(e -> assertThat(e.nextAttemptAt())
                        .isEqualTo(
                                java.time.Instant.parse("2026-11-25T10:00:00Z").toEpochMilli()));
    }

    @Test
    void controlBytesInEhloNeverReachTheReceivedHeader() throws Exception {
        start();
        TestClient c = t.connect("127.0.0.1");
        assertThat(c.cmd("EHLO evil\u001b[2J\u0007name")).startsWith("250 ");
        assertThat(c.send("a@x.test", List.of("r@example.test"), "Subject: x\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        QueueEntry e = t.entries().get(0);
        String body = new String(t.spool.body(e.envelope().messageId()).orElseThrow(), StandardCharsets.ISO_8859_1);
        String received = body.substring(0, body.indexOf("\r\n"));
        assertThat(received).startsWith("Received: from evil?[2J?name ");
        assertThat(received.chars()).allMatch(ch -> ch >= 0x20 && ch < 0x7f);
        // HELO too
        TestClient d = t.connect("127.0.0.1");
        assertThat(d.cmd("HELO a\u0000b")).startsWith("250 ");
        assertThat(d.send("a@x.test", List.of("r@example.test"), "Subject: y\r\n\r\nhi"))
                .startsWith("250 2.0.0");
        assertThat(t.entries())
                .extracting(q ->
                        new String(t.spool.body(q.envelope().messageId()).orElseThrow(), StandardCharsets.ISO_8859_1))
                .anyMatch(b -> b.startsWith("Received: from a?b "));
    }

    @Test
    void unknownMailAndRcptParametersGet555() throws Exception {
        start();
        TestClient c = t.connect("127.0.0.1");
        c.cmd("EHLO client.test");
        assertThat(c.cmd("MAIL FROM:<a@x.test> X-FOO=bar")).startsWith("555 5.5.4");
        assertThat(c.cmd("MAIL FROM:<a@x.test> SIZE=abc")).startsWith("501 5.5.4");
        assertThat(c.cmd("MAIL FROM:<a@x.test> SIZE=999999999999")).startsWith("552 5.3.4");
        assertThat(c.cmd("MAIL FROM:<a@x.test> BODY=8BITMIME SIZE=100 SMTPUTF8"))
                .startsWith("250 2.1.0");
        assertThat(c.cmd("RCPT TO:<r@example.test> NOTIFY=NEVER")).startsWith("555 5.5.4");
        assertThat(c.cmd("RCPT TO:<r@example.test>")).startsWith("250 2.1.5");
        assertThat(c.cmd("RSET")).startsWith("250 2.0.0");
        assertThat(t.entries()).isEmpty();
    }

    @Test
    void theF16MailFromWithNulBytesGetsACleanReply() throws Exception {
        start();
        TestClient c = t.connect("127.0.0.1");
        c.cmd("EHLO client.test");
        String reply = c.cmd("MAIL FROM:<a@x.e\0\0\0\0\0\0\0\0FROM:<evil@" + "A".repeat(500) + ".test>");
        assertThat(reply).matches("(501|553) 5\\.1\\.7 .*").hasSizeLessThan(200);
        assertThat(reply.chars()).allMatch(ch -> ch >= 0x20 && ch < 0x7f);
        // the session is still usable
        assertThat(c.send("a@x.test", List.of("r@example.test"), "Subject: x\r\n\r\nhi"))
                .startsWith("250 2.0.0");
    }

    @Test
    void everyReplyCarriesAnEnhancedStatusCode() throws Exception {
        start();
        TestClient c = t.connect("127.0.0.2");
        List<String> replies = new ArrayList<>();
        for (String cmd : List.of(
                "HELO",
                "MAIL FROM:<a@x.test>", // relaying denied from outside
                "RCPT TO:<r@example.test>",
                "DATA",
                "NOOP",
                "RSET",
                "VRFY postmaster",
                "EXPN staff",
                "HELP",
                "MAIL TO:<a@x.test>",
                "RCPT FROM:<a@x.test>",
                "STARTTLS extra",
                "QUIT")) replies.add(cmd + " -> " + c.cmd(cmd));
        assertThat(replies)
                .allSatisfy(r -> assertThat(r.substring(r.indexOf(" -> ") + 4)).matches(ENHANCED));
        TestClient inside = t.connect("127.0.0.1");
        inside.cmd("EHLO client.test");
        assertThat(inside.cmd("MAIL FROM:<a@x.test>")).matches(ENHANCED);
        assertThat(inside.cmd("MAIL FROM:<a@x.test>")).startsWith("503 5.5.1");
        assertThat(inside.cmd("RCPT TO:<not an address>")).matches(ENHANCED);
        // what SubEthaSMTP answers itself: unknown verbs, short lines, overlong lines
        assertThat(inside.cmd("FOOBAR x")).matches(ENHANCED).startsWith("500 5.5.2");
        assertThat(inside.cmd("AB")).matches(ENHANCED).startsWith("500 5.5.2");
        assertThat(inside.cmd("NOOP " + "x".repeat(2000))).matches(ENHANCED);
    }
}
