package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VERP delivery, then an asynchronous Postfix-style DSN to the VERP address and an ARF complaint
 * to the FBL domain, sent over SMTP from a client outside relay_from (127.0.0.2): both are
 * consumed (not delivered), matched to message, recipient, tenant and campaign, and suppress.
 */
class AsyncFeedbackEndToEndTest {
    @TempDir
    Path dir;

    static final String BOUNCES = """
      bounces:
        domain: bounces.example.com
        verp: true
        keys: { a: "0123456789abcdef-secret-a" }
        current_key: a
        fbl_domains: [fbl.example.com]
        fbl_reporters: [{ name: mailbox-test, ips: [127.0.0.2/32] }]
      injection: { listen: 127.0.0.1:0, relay_from: [127.0.0.1/32] }
      """;

    @Test
    void asyncDsnAndArfComplaintAreTiedToTheOriginalMessageAndCampaign() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            Path log = dir.resolve("events.jsonl");
            try (TernServer tern = TernServer.start(
                    FeedbackFixture.config(dir, sink.port(), "events: { log: \"" + log + "\" }\n" + BOUNCES))) {
                String tags = "X-Tern-Tenant: acme\r\nX-Tern-Campaign: spring\r\n";
                try (InjectClient c = new InjectClient(tern.injectionAddress(), "127.0.0.1")) {
                    assertThat(c.send(
                                    "news@inject.test",
                                    List.of("later@dest.test"),
                                    FeedbackFixture.message("news@inject.test", "later@dest.test", tags, "one")))
                            .startsWith("250");
                    assertThat(c.send(
                                    "news@inject.test",
                                    List.of("happy@dest.test"),
                                    FeedbackFixture.message("news@inject.test", "happy@dest.test", tags, "two")))
                            .startsWith("250");
                    // VERP: a message for two recipients is split, each copy with its own return path
                    assertThat(c.send(
                                    "news@inject.test",
                                    List.of("x1@dest.test", "x2@other.test"),
                                    FeedbackFixture.message("news@inject.test", "x1@dest.test", tags, "three")))
                            .startsWith("250")
                            .contains("1 more");
                }
                List<ReceivedMessage> got = sink.awaitMessages(4, Duration.ofSeconds(20));
                assertThat(got).hasSize(4);
                assertThat(got).allSatisfy(m -> {
                    assertThat(m.recipients()).hasSize(1);
                    assertThat(m.mailFrom()).matches("b-a[a-z2-7]+@bounces\\.example\\.com");
                    assertThat(m.text()).contains("X-Tern-Id: ").doesNotContain("X-Tern-Campaign");
                });
                assertThat(got.stream().map(ReceivedMessage::mailFrom).distinct())
                        .hasSize(4);
                ReceivedMessage later = byRecipient(got, "later@dest.test");
                ReceivedMessage happy = byRecipient(got, "happy@dest.test");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> FeedbackFixture.events(log, "delivery").size() == 4);
                String laterId = messageIdOf(log, "later@dest.test");
                String happyId = messageIdOf(log, "happy@dest.test");
                // events report the injected return path, not the VERP one
                assertThat(FeedbackFixture.events(log, "delivery"))
                        .allSatisfy(e -> assertThat(e.get("sender").asText()).isEqualTo("news@inject.test"));

                try (InjectClient outsider = new InjectClient(tern.injectionAddress(), "127.0.0.2")) {
                    // not a relay client: ordinary mail is refused ...
                    assertThat(outsider.send(
                                    "x@remote.test",
                                    List.of("someone@dest.test"),
                                    "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)))
                            .startsWith("550 5.7.1 Relaying denied");
                    // ... but returned mail for the bounce and FBL domains is accepted
                    assertThat(outsider.send("", List.of(later.mailFrom()), postfixDsn(later)))
                            .startsWith("250 2.0.0 Ok: 1 report");
                    assertThat(outsider.send("fbl@mailbox.test", List.of("fbl@fbl.example.com"), arfComplaint(happy)))
                            .startsWith("250 2.0.0 Ok: 1 report");
                }

                // the event log is written a moment after the events are published
                await().atMost(Duration.ofSeconds(5))
                        .until(() ->
                                !FeedbackFixture.events(log, "async_bounce").isEmpty());
                List<JsonNode> asyncBounces = FeedbackFixture.events(log, "async_bounce");
                assertThat(asyncBounces).hasSize(1);
                JsonNode b = asyncBounces.get(0);
                assertThat(b.get("message_id").asText()).isEqualTo(laterId);
                assertThat(b.get("recipient").asText()).isEqualTo("later@dest.test");
                assertThat(b.get("campaign").asText()).isEqualTo("spring");
                assertThat(b.get("tenant").asText()).isEqualTo("acme");
                assertThat(b.get("reason").asText()).isEqualTo("userunknown");
                assertThat(b.get("hard").asBoolean()).isTrue();
                assertThat(b.get("sender").asText()).isEqualTo("news@inject.test");

                await().atMost(Duration.ofSeconds(5))
                        .until(() -> !FeedbackFixture.events(log, "complaint").isEmpty());
                JsonNode f = FeedbackFixture.events(log, "complaint").get(0);
                assertThat(f.get("message_id").asText()).isEqualTo(happyId);
                assertThat(f.get("recipient").asText()).isEqualTo("happy@dest.test");
                assertThat(f.get("campaign").asText()).isEqualTo("spring");
                assertThat(f.get("feedback_type").asText()).isEqualTo("abuse");

                assertThat(tern.spool()
                                .suppression("acme", "later@dest.test")
                                .orElseThrow()
                                .reason())
                        .isEqualTo("userunknown");
                assertThat(tern.spool()
                                .suppression("acme", "happy@dest.test")
                                .orElseThrow()
                                .reason())
                        .isEqualTo("complaint");
                assertThat(tern.spool().suppression("", "happy@dest.test")).isEmpty();
                // the returned mail was consumed, never queued or delivered onwards: had it been relayed, it
                // would be spooled before its 250, so it would be queued now or delivered already
                assertThat(sink.messageCount()).isEqualTo(4);
                assertThat(tern.spool().stats().entries()).isZero();

                CampaignHealth.Snapshot h =
                        tern.feedback().campaigns().snapshot("spring").orElseThrow();
                assertThat(h.injected()).isEqualTo(4);
                assertThat(h.delivered()).isEqualTo(4);
                assertThat(h.hardBounced()).isEqualTo(1);
                assertThat(h.complained()).isEqualTo(1);

                // the tenant's list applies after DATA, when X-Tern-Tenant is known
                try (InjectClient c = new InjectClient(tern.injectionAddress(), "127.0.0.1")) {
                    assertThat(c.send(
                                    "news@inject.test",
                                    List.of("later@dest.test"),
                                    FeedbackFixture.message("news@inject.test", "later@dest.test", tags, "again")))
                            .startsWith(
                                    "550 5.7.1 <later@dest.test>: recipient is on the suppression list (userunknown");
                }
            }
        }
    }

    private static ReceivedMessage byRecipient(List<ReceivedMessage> got, String rcpt) {
        return got.stream()
                .filter(m -> m.recipients().contains(rcpt))
                .findFirst()
                .orElseThrow();
    }

    private static String messageIdOf(Path log, String rcpt) throws Exception {
        return FeedbackFixture.events(log, "reception").stream()
                .filter(e -> e.get("recipient").asText().equals(rcpt))
                .findFirst()
                .orElseThrow()
                .get("message_id")
                .asText();
    }

    private static String headersOf(ReceivedMessage m) {
        String t = m.text();
        return t.substring(0, t.indexOf("\r\n\r\n") + 2);
    }

    /** A DSN as Postfix writes it (bounce(8) template, multipart/report with message/delivery-status). */
    static byte[] postfixDsn(ReceivedMessage original) {
        return dsn(
                original.mailFrom(),
                original.recipients().get(0),
                "Return-Path: <" + original.mailFrom() + ">\n"
                        + headersOf(original).replace("\r\n", "\n"));
    }

    /** A Postfix DSN to {@code to} saying {@code rcpt} failed with 5.1.1, returning {@code headers} (LF line ends). */
    static byte[] dsn(String to, String rcpt, String headers) {
        String dsn = """
        Return-Path: <>
        Received: by mx.dest.test (Postfix)
        \tid 4XyZ1T2b3cz9vKL; Mon, 23 Nov 2026 10:00:05 +0000 (UTC)
        Date: Mon, 23 Nov 2026 10:00:05 +0000 (UTC)
        From: MAILER-DAEMON@mx.dest.test (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: %1$s
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        \tboundary="4XyZ1T2b3cz9vKL.1763892005/mx.dest.test"
        Content-Transfer-Encoding: 8bit
        Message-Id: <20261123100005.4XyZ1T2b3cz9vKL@mx.dest.test>

        This is a MIME-encapsulated message.

        --4XyZ1T2b3cz9vKL.1763892005/mx.dest.test
        Content-Description: Notification
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        This is the mail system at host mx.dest.test.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients. It's attached below.

        For further assistance, please send mail to postmaster.

        If you do so, please include this problem report. You can
        delete your own text from the attached returned message.

                           The mail system

        <%2$s>: host mailstore.dest.test[192.0.2.25] said: 550 5.1.1
            <%2$s>: Recipient address rejected: User unknown in local recipient
            table (in reply to RCPT TO command)

        --4XyZ1T2b3cz9vKL.1763892005/mx.dest.test
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.dest.test
        X-Postfix-Queue-ID: 4XyZ1T2b3cz9vKL
        X-Postfix-Sender: rfc822; %1$s
        Arrival-Date: Mon, 23 Nov 2026 10:00:04 +0000 (UTC)

        Final-Recipient: rfc822; %2$s
        Original-Recipient: rfc822;%2$s
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mailstore.dest.test
        Diagnostic-Code: smtp; 550 5.1.1 <%2$s>: Recipient address rejected: User
            unknown in local recipient table

        --4XyZ1T2b3cz9vKL.1763892005/mx.dest.test
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers
        Content-Transfer-Encoding: 8bit

        %3$s
        --4XyZ1T2b3cz9vKL.1763892005/mx.dest.test--
        """.formatted(to, rcpt, headers);
        return dsn.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** An RFC 5965 abuse report returning the whole delivered message. */
    static byte[] arfComplaint(ReceivedMessage original) {
        String rcpt = original.recipients().get(0);
        String arf = """
        From: <staff@mailbox.test>
        Date: Mon, 23 Nov 2026 11:00:00 +0000
        Subject: FW: hello
        To: <fbl@fbl.example.com>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report;
        \tboundary="part1_13d.2e68ed54_report"

        --part1_13d.2e68ed54_report
        Content-Type: text/plain; charset="US-ASCII"
        Content-Transfer-Encoding: 7bit

        This is an email abuse report for an email message received from IP
        127.0.0.1 on Mon, 23 Nov 2026 10:00:00 +0000.
        For more information about this format please see
        http://www.mipassoc.org/arf/.

        --part1_13d.2e68ed54_report
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Mail-From: <%1$s>
        Original-Rcpt-To: <%2$s>
        Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000
        Reporting-MTA: dns; mail.mailbox.test
        Source-IP: 127.0.0.1
        Authentication-Results: mail.mailbox.test; spf=pass smtp.mail=%1$s
        Reported-Domain: inject.test

        --part1_13d.2e68ed54_report
        Content-Type: message/rfc822
        Content-Disposition: inline

        %3$s
        --part1_13d.2e68ed54_report--
        """.formatted(original.mailFrom(), rcpt, original.text().replace("\r\n", "\n"));
        return arf.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
