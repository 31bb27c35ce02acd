package dev.tern.core.unsubscribe;

import static dev.tern.core.unsubscribe.UnsubFixture.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.core.testing.TestConfig;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What injection adds before signing, on the in-memory and the streamed (spooled tail) path:
 * Message-ID and Date when missing, List-Unsubscribe by lane, tenant and campaign, a client's own
 * List-Unsubscribe kept, replaced or refused; and the From check (550 5.6.0).
 */
class InjectionHeadersTest {
    @TempDir
    Path dir;

    private static String message(String headers, String body) {
        return "From: <news@example.com>\r\nSubject: s\r\n" + headers + "\r\n" + body;
    }

    private static ReceivedMessage send(TernServer tern, SmtpSink sink, String rcpt, String message) throws Exception {
        int before = sink.messages().size();
        try (var smtp = new InjectClient(tern.injectionAddress())) {
            assertThat(smtp.send("news@example.com", List.of(rcpt), message)).startsWith("250");
        }
        return sink.awaitMessages(before + 1, Duration.ofSeconds(20)).get(before);
    }

    private static String refusal(TernServer tern, String message) throws Exception {
        try (var smtp = new InjectClient(tern.injectionAddress())) {
            return smtp.send("news@example.com", List.of("x@dest.test"), message);
        }
    }

    @Test
    void addedFieldsAreSignedOnBothPathsAndSelectedByLaneTenantAndCampaign() throws Exception {
        Path key = UnsubFixture.rsaKey(dir.resolve("dkim.pem"));
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(
                        TestConfig.routedTo(dir, sink.port(), """
                        injection:
                          listen: 127.0.0.1:0
                          tls: { starttls: false }
                          data: { memory_threshold: 64KiB }
                          headers: { require_from: true }
                        unsubscribe:
                          enabled: true
                          url: https://unsub.example.com/
                          keys: { a: "%s" }
                          existing: replace
                          all_tenants: false
                          tenants:
                            acme: { enabled: true, campaigns: { receipts: false } }
                            globex: { enabled: false, campaigns: { news: true } }
                        """.formatted(KEY_A) + UnsubFixture.dkimYaml(key)))) {
            // in memory: Message-ID and Date added and signed, List-Unsubscribe (no mailto configured)
            ReceivedMessage m = send(tern, sink, "a@dest.test", message("X-Tern-Tenant: acme\r\n", "hi\r\n"));
            String t = m.text();
            assertThat(UnsubFixture.header(t, "Message-ID")).matches("<[0-9a-f]{24}@tern\\.test>");
            assertThat(UnsubFixture.header(t, "Date"))
                    .matches("\\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000");
            assertThat(UnsubFixture.header(t, "List-Unsubscribe"))
                    .matches("<https://unsub\\.example\\.com/u/a[a-z0-9]{42}>");
            UnsubFixture.assertSignedOver(
                    m.data(), key, "message-id", "date", "list-unsubscribe", "list-unsubscribe-post");

            // streamed: a text past memory_threshold is signed as it arrives; the added fields still are
            String big = "line of a long body .................................................\r\n".repeat(3000);
            m = send(tern, sink, "b@dest.test", message("X-Tern-Tenant: acme\r\nX-Tern-Campaign: spring\r\n", big));
            t = m.text();
            assertThat(m.data().length).isGreaterThan(200_000);
            assertThat(UnsubFixture.count(t, "Message-ID")).isEqualTo(1);
            assertThat(UnsubFixture.count(t, "Date")).isEqualTo(1);
            assertThat(UnsubFixture.count(t, "List-Unsubscribe")).isEqualTo(1);
            assertThat(UnsubFixture.header(t, "List-Unsubscribe-Post")).isEqualTo("List-Unsubscribe=One-Click");
            UnsubFixture.assertSignedOver(
                    m.data(), key, "message-id", "date", "list-unsubscribe", "list-unsubscribe-post");
            UnsubFixture.assertDkimpyVerifies(
                    dir, m.data(), key, "message-id", "date", "list-unsubscribe", "list-unsubscribe-post");

            // replace: the client's List-Unsubscribe fields give way to Tern's (streamed too), still signed
            m = send(
                    tern,
                    sink,
                    "c@dest.test",
                    message(
                            "X-Tern-Tenant: acme\r\nList-Unsubscribe: <https://client.example/u/1>\r\n"
                                    + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                            big));
            t = m.text();
            assertThat(t).doesNotContain("client.example");
            assertThat(UnsubFixture.count(t, "List-Unsubscribe")).isEqualTo(1);
            assertThat(UnsubFixture.count(t, "List-Unsubscribe-Post")).isEqualTo(1);
            UnsubFixture.assertSignedOver(m.data(), key, "list-unsubscribe", "list-unsubscribe-post");

            // not selected: transactional lane, a campaign switched off, a tenant switched off, no tenant
            for (String headers : List.of(
                    "X-Tern-Tenant: acme\r\nX-Tern-Priority: transactional\r\n",
                    "X-Tern-Tenant: acme\r\nX-Tern-Campaign: receipts\r\n",
                    "X-Tern-Tenant: globex\r\n",
                    "")) {
                t = send(tern, sink, "d@dest.test", message(headers, "hi\r\n")).text();
                assertThat(UnsubFixture.count(t, "List-Unsubscribe"))
                        .as(headers)
                        .isZero();
                assertThat(UnsubFixture.count(t, "Message-ID")).isEqualTo(1);
            }
            // a campaign switched on under a tenant switched off
            t = send(tern, sink, "e@dest.test", message("X-Tern-Tenant: globex\r\nX-Tern-Campaign: news\r\n", "hi\r\n"))
                    .text();
            assertThat(UnsubFixture.count(t, "List-Unsubscribe")).isEqualTo(1);

            // From: none, two fields, two addresses -> 550 5.6.0, nothing queued; one address is fine
            assertThat(refusal(tern, "Subject: no from\r\n\r\nhi\r\n"))
                    .startsWith("550 5.6.0")
                    .contains("no From");
            assertThat(refusal(tern, "From: <a@example.com>\r\nFrom: <b@example.com>\r\n\r\nhi\r\n"))
                    .startsWith("550 5.6.0");
            assertThat(refusal(tern, "From: a@example.com, \"Smith, J\" <b@example.com>\r\n\r\nhi\r\n"))
                    .startsWith("550 5.6.0")
                    .contains("holds 2");
            assertThat(refusal(tern, "From: undisclosed:;\r\n\r\nhi\r\n")).startsWith("550 5.6.0");
            assertThat(refusal(tern, "Subject: no from\r\n\r\n" + big)).startsWith("550 5.6.0");
            assertThat(refusal(tern, "From: \"Smith, J (x@y)\" <b@example.com>\r\n\r\nhi\r\n"))
                    .startsWith("250");
        }
    }

    @Test
    void keepAndRefuseAClientsOwnHeaderAndAcceptMissingFromByDefault() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            String own = "List-Unsubscribe: <mailto:leave@client.example>\r\n";
            for (String existing : List.of("keep", "refuse")) {
                Path d = dir.resolve(existing);
                try (TernServer tern =
                        TernServer.start(TestConfig.routedTo(d, sink.port(), """
                        injection: { listen: 127.0.0.1:0, tls: { starttls: false } }
                        unsubscribe:
                          enabled: true
                          mailto_domain: unsub.example.com
                          keys: { a: "%s" }
                          existing: %s
                        """.formatted(KEY_A, existing)))) {
                    if (existing.equals("keep")) {
                        String t = send(tern, sink, "k@dest.test", message(own, "hi\r\n"))
                                .text();
                        assertThat(UnsubFixture.header(t, "List-Unsubscribe"))
                                .isEqualTo("<mailto:leave@client.example>");
                        assertThat(UnsubFixture.count(t, "List-Unsubscribe-Post"))
                                .isZero();
                        // without a url, Tern's field has the mailto link only and no -Post field
                        t = send(tern, sink, "k@dest.test", message("", "hi\r\n"))
                                .text();
                        assertThat(UnsubFixture.header(t, "List-Unsubscribe"))
                                .matches("<mailto:u-a[a-z0-9]{42}@unsub\\.example\\.com>");
                        assertThat(UnsubFixture.count(t, "List-Unsubscribe-Post"))
                                .isZero();
                        // require_from is off by default: a message without From is accepted
                        t = send(tern, sink, "k@dest.test", "Subject: no from\r\n\r\nhi\r\n")
                                .text();
                        assertThat(UnsubFixture.count(t, "From")).isZero();
                        assertThat(UnsubFixture.count(t, "Date")).isEqualTo(1);
                    } else {
                        assertThat(refusal(tern, message(own, "hi\r\n")))
                                .startsWith("550 5.6.0")
                                .contains("List-Unsubscribe");
                    }
                }
            }
        }
    }
}
