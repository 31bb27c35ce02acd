package dev.tern.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.config.TernConfig;
import dev.tern.core.events.Event;
import dev.tern.core.events.EventType;
import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import dev.tern.dkim.DkimKey;
import dev.tern.dkim.DkimSigner;
import dev.tern.dkim.SignerSettings;
import dev.tern.testkit.dns.TestDnsServer;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Returned mail as an attacker sends it, over loopback from a client outside relay_from
 * (127.0.0.2): replays count once (also after a restart), a bare or forged X-Tern-Id and a
 * co-recipient the token does not cover change nothing and give unmatched_feedback, while a
 * genuine VERP bounce still suppresses and counts once.
 */
class HostileFeedbackTest {
    @TempDir
    Path dir;

    private static final String TAGS = "X-Tern-Tenant: acme\r\nX-Tern-Campaign: spring\r\n";

    private static String bounces(boolean verp) {
        return """
          bounces:
            domain: bounces.example.com
            verp: %s
            keys: { a: "0123456789abcdef-secret-a" }
            current_key: a
            fbl_domains: [fbl.example.com]
            fbl_reporters: [{ name: mailbox-test, ips: [127.0.0.2/32] }]
          injection: { listen: 127.0.0.1:0, relay_from: [127.0.0.1/32] }
          campaigns:
            guard: { enabled: true, min_volume: 4, max_complaint_rate: 0.3, max_hard_bounce_rate: 0.3 }
          """.formatted(verp);
    }

    private TernConfig config(int sinkPort, Path log, boolean verp) {
        return FeedbackFixture.config(dir, sinkPort, "events: { log: \"" + log + "\" }\n" + bounces(verp));
    }

    /** Sends the campaign's message from news@inject.test to each recipient, from 127.0.0.1 (a relay client). */
    private static void sendCampaign(TernServer tern, String... rcpts) throws IOException {
        try (InjectClient c = new InjectClient(tern.injectionAddress(), "127.0.0.1")) {
            for (String r : rcpts)
                assertThat(c.send(
                                "news@inject.test",
                                List.of(r),
                                FeedbackFixture.message("news@inject.test", r, TAGS, "hi")))
                        .startsWith("250");
        }
    }

    /**
     * From the reporter 127.0.0.2, {@code times} times: an ARF complaint about {@code complained} and a
     * DSN bouncing {@code bounced}.
     */
    private static void sendComplaintAndDsn(
            TernServer tern, ReceivedMessage complained, ReceivedMessage bounced, int times) throws Exception {
        try (InjectClient outsider = new InjectClient(tern.injectionAddress(), "127.0.0.2")) {
            for (int i = 0; i < times; i++) {
                assertThat(outsider.send(
                                "fbl@mailbox.test",
                                List.of("fbl@fbl.example.com"),
                                AsyncFeedbackEndToEndTest.arfComplaint(complained)))
                        .startsWith("250");
                assertThat(outsider.send(
                                "", List.of(bounced.mailFrom()), AsyncFeedbackEndToEndTest.postfixDsn(bounced)))
                        .startsWith("250");
            }
        }
    }

    @Test
    void replayedArfAndDsnCountOnceEvenAfterARestartAndDoNotPauseBelowTheThreshold() throws Exception {
        Path log = dir.resolve("events.jsonl");
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            ReceivedMessage later, happy;
            try (TernServer tern = TernServer.start(config(sink.port(), log, true))) {
                List<Event> seen = record(tern);
                sendCampaign(tern, "later@dest.test", "happy@dest.test", "c@dest.test", "d@dest.test");
                List<ReceivedMessage> got = sink.awaitMessages(4, Duration.ofSeconds(20));
                later = byRecipient(got, "later@dest.test");
                happy = byRecipient(got, "happy@dest.test");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> of(seen, EventType.DELIVERY).size() == 4);

                sendComplaintAndDsn(tern, happy, later, 10);
                assertThat(of(seen, EventType.COMPLAINT)).hasSize(1);
                assertThat(of(seen, EventType.ASYNC_BOUNCE))
                        .singleElement()
                        .satisfies(e -> assertThat(e.suppressed()).isEqualTo("yes"));
                CampaignHealth.Snapshot s =
                        tern.feedback().campaigns().snapshot("spring").orElseThrow();
                assertThat(s.complained()).isEqualTo(1);
                assertThat(s.hardBounced()).isEqualTo(1);
                assertThat(s.volume()).isEqualTo(4); // the bounced recipient is not counted again
                assertThat(s.delivered()).isEqualTo(4);
                assertThat(s.paused()).isFalse(); // 1/4 = 0.25 < 0.3 for both rates
                assertThat(tern.feedback().campaigns().pausedReason("spring")).isEmpty();
                assertThat(tern.spool().suppression("acme", "later@dest.test")).isPresent();
                assertThat(tern.spool().suppression("acme", "happy@dest.test")).isPresent();
                assertThat(of(seen, EventType.CAMPAIGN_PAUSED)).isEmpty();
            }

            // the same spool after a restart: figures kept, replays still count once
            try (TernServer tern = TernServer.start(config(sink.port(), log, true))) {
                List<Event> seen = record(tern);
                CampaignHealth.Snapshot s =
                        tern.feedback().campaigns().snapshot("spring").orElseThrow();
                assertThat(s.injected()).isEqualTo(4);
                assertThat(s.delivered()).isEqualTo(4);
                assertThat(s.complained()).isEqualTo(1);
                assertThat(s.hardBounced()).isEqualTo(1);
                sendComplaintAndDsn(tern, happy, later, 1);
                assertThat(of(seen, EventType.COMPLAINT)).isEmpty();
                assertThat(of(seen, EventType.ASYNC_BOUNCE)).isEmpty();
                s = tern.feedback().campaigns().snapshot("spring").orElseThrow();
                assertThat(s.complained()).isEqualTo(1);
                assertThat(s.hardBounced()).isEqualTo(1);
            }
        }
    }

    @Test
    void aRecipientThatBouncedAtDeliveryIsNotCountedAgainByADsn() throws Exception {
        Path log = dir.resolve("events.jsonl");
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            sink.onRcpt(rcpt -> rcpt.startsWith("gone") ? "550 5.1.1 <" + rcpt + ">: no such user" : null);
            try (TernServer tern = TernServer.start(config(sink.port(), log, true))) {
                List<Event> seen = record(tern);
                sendCampaign(tern, "gone@dest.test");
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> of(seen, EventType.BOUNCE).size() == 1);
                Event bounce = of(seen, EventType.BOUNCE).get(0);
                // the VERP return path Tern used for it, as the recipient's MTA would have seen it
                String verp = tern.feedback().verp().returnPath(bounce.messageId(), 0);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> tern.spool()
                                .feedbackStore()
                                .get("b:" + bounce.messageId() + "\u0000gone@dest.test")
                                .isPresent());
                try (InjectClient outsider = new InjectClient(tern.injectionAddress(), "127.0.0.2")) {
                    assertThat(outsider.send(
                                    "",
                                    List.of(verp),
                                    AsyncFeedbackEndToEndTest.dsn(
                                            verp, "gone@dest.test", "From: <news@inject.test>\nSubject: hello\n")))
                            .startsWith("250");
                }
                assertThat(of(seen, EventType.ASYNC_BOUNCE)).isEmpty();
                CampaignHealth.Snapshot s =
                        tern.feedback().campaigns().snapshot("spring").orElseThrow();
                assertThat(s.hardBounced()).isEqualTo(1);
                assertThat(s.volume()).isEqualTo(1);
            }
        }
    }

    @Test
    void untrustedReporterIsLoggedOnly() throws Exception {
        Path log = dir.resolve("events.jsonl");
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(config(sink.port(), log, true))) {
            List<Event> seen = record(tern);
            sendCampaign(tern, "happy@dest.test");
            ReceivedMessage happy =
                    sink.awaitMessages(1, Duration.ofSeconds(20)).get(0);
            // 127.0.0.3 is not a configured reporter
            try (InjectClient other = new InjectClient(tern.injectionAddress(), "127.0.0.3")) {
                assertThat(other.send(
                                "fbl@mailbox.test",
                                List.of("fbl@fbl.example.com"),
                                AsyncFeedbackEndToEndTest.arfComplaint(happy)))
                        .startsWith("250");
            }
            assertThat(of(seen, EventType.COMPLAINT)).isEmpty();
            assertThat(tern.spool().suppression("acme", "happy@dest.test")).isEmpty();
            assertThat(tern.feedback()
                            .campaigns()
                            .snapshot("spring")
                            .orElseThrow()
                            .complained())
                    .isZero();
        }
    }

    @Test
    void reporterMatchedByAVerifiedDkimDomainCountsOthersDoNot() throws Exception {
        Path log = dir.resolve("events.jsonl");
        DkimKey good = DkimKey.generateEd25519();
        DkimKey evil = DkimKey.generateEd25519();
        try (TestDnsServer dns = TestDnsServer.start();
                SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start()) {
            dns.txt("s1._domainkey.reports.fbl.bigmail.test", good.dnsRecord(), 300);
            dns.txt("s1._domainkey.evil.test", evil.dnsRecord(), 300);
            String yaml = "events: { log: \"" + log + "\" }\n"
                    + bounces(true)
                            .replace(
                                    "fbl_reporters: [{ name: mailbox-test, ips: [127.0.0.2/32] }]",
                                    "fbl_reporters: [{ name: bigmail, dkim_domains: [fbl.bigmail.test] }]")
                    + "dns: { servers: [\"127.0.0.1:" + dns.port() + "\"], timeout: 2s, attempts: 1 }\n";
            try (TernServer tern = TernServer.start(FeedbackFixture.config(dir, sink.port(), yaml))) {
                List<Event> seen = record(tern);
                sendCampaign(tern, "p@dest.test", "q@dest.test");
                List<ReceivedMessage> got = sink.awaitMessages(2, Duration.ofSeconds(20));
                byte[] forP = AsyncFeedbackEndToEndTest.arfComplaint(byRecipient(got, "p@dest.test"));
                byte[] forQ = AsyncFeedbackEndToEndTest.arfComplaint(byRecipient(got, "q@dest.test"));
                byte[] bySomeoneElse = signed(forQ, "evil.test", evil);
                byte[] tampered = signed(forQ, "reports.fbl.bigmail.test", good);
                tampered = new String(tampered, StandardCharsets.ISO_8859_1)
                        .replace("Feedback-Type: abuse", "Feedback-Type: fraud")
                        .getBytes(StandardCharsets.ISO_8859_1);
                try (InjectClient other = new InjectClient(tern.injectionAddress(), "127.0.0.3")) {
                    for (byte[] m : List.of(bySomeoneElse, tampered, forQ)) {
                        assertThat(other.send("fbl@bigmail.test", List.of("fbl@fbl.example.com"), m))
                                .startsWith("250");
                    }
                    assertThat(of(seen, EventType.COMPLAINT)).isEmpty();
                    assertThat(other.send(
                                    "fbl@bigmail.test",
                                    List.of("fbl@fbl.example.com"),
                                    signed(forP, "reports.fbl.bigmail.test", good)))
                            .startsWith("250");
                }
                assertThat(of(seen, EventType.COMPLAINT))
                        .singleElement()
                        .satisfies(e -> assertThat(e.recipient()).isEqualTo("p@dest.test"));
                assertThat(tern.spool().suppression("acme", "q@dest.test")).isEmpty();
            }
        }
    }

    private static byte[] signed(byte[] mail, String domain, DkimKey key) {
        String sig = new DkimSigner(SignerSettings.of(domain, "s1", key)).sign(mail);
        byte[] s = sig.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[s.length + mail.length];
        System.arraycopy(s, 0, out, 0, s.length);
        System.arraycopy(mail, 0, out, s.length, mail.length);
        return out;
    }

    @Test
    void bareOrForgedTernIdSuppressesNobodyAndGivesUnmatchedFeedback() throws Exception {
        Path log = dir.resolve("events.jsonl");
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(config(sink.port(), log, false))) {
            List<Event> seen = record(tern);
            List<String> rcpts = List.of("a@dest.test", "b@dest.test");
            try (InjectClient c = new InjectClient(tern.injectionAddress(), "127.0.0.1")) {
                // null sender, no VERP: one copy for both recipients
                assertThat(c.send("", rcpts, FeedbackFixture.message("news@inject.test", "a@dest.test", TAGS, "hi")))
                        .startsWith("250");
            }
            ReceivedMessage m = sink.awaitMessages(1, Duration.ofSeconds(20)).get(0);
            String ternId = header(m.text(), "X-Tern-Id");
            String id = ternId.substring(0, ternId.lastIndexOf('.'));
            assertThat(ternId).matches(Pattern.quote(id) + "\\.a[a-z2-7]{24}");

            String forgedMac = id + ".a" + "abcdefghijklmnopqrstuvwx";
            String otherKey = id + ".b" + ternId.substring(ternId.length() - 24);
            try (InjectClient outsider = new InjectClient(tern.injectionAddress(), "127.0.0.2")) {
                for (String forged : List.of(id, forgedMac, otherKey)) {
                    assertThat(outsider.send(
                                    "",
                                    List.of("bounces@bounces.example.com"),
                                    AsyncFeedbackEndToEndTest.dsn(
                                            "bounces@bounces.example.com",
                                            "b@dest.test",
                                            "From: <news@inject.test>\nTo: <b@dest.test>\nX-Tern-Id: " + forged
                                                    + "\nSubject: hello\n")))
                            .startsWith("250");
                }
            }
            assertThat(of(seen, EventType.ASYNC_BOUNCE)).isEmpty();
            assertThat(of(seen, EventType.UNMATCHED_FEEDBACK)).hasSize(3).allSatisfy(e -> {
                assertThat(e.reason()).isEqualTo("bad_token");
                assertThat(e.recipient()).isNull();
                assertThat(e.messageId()).isNull();
            });
            // and so it reaches the event log: a line that names nobody
            await().atMost(Duration.ofSeconds(5))
                    .until(() ->
                            FeedbackFixture.events(log, "unmatched_feedback").size() == 3);
            assertThat(FeedbackFixture.events(log, "unmatched_feedback"))
                    .allSatisfy(e -> assertThat(e.has("recipient")).isFalse());
            assertThat(tern.spool().suppression("acme", "b@dest.test")).isEmpty();
            assertThat(tern.spool().suppression("", "b@dest.test")).isEmpty();

            // the genuine signed header covers both recipients of that copy
            try (InjectClient outsider = new InjectClient(tern.injectionAddress(), "127.0.0.2")) {
                assertThat(outsider.send(
                                "",
                                List.of("bounces@bounces.example.com"),
                                AsyncFeedbackEndToEndTest.dsn(
                                        "bounces@bounces.example.com",
                                        "b@dest.test",
                                        "From: <news@inject.test>\nX-Tern-Id: " + ternId + "\nSubject: hello\n")))
                        .startsWith("250");
            }
            assertThat(of(seen, EventType.ASYNC_BOUNCE))
                    .singleElement()
                    .satisfies(e -> assertThat(e.recipient()).isEqualTo("b@dest.test"));
            assertThat(tern.spool().suppression("acme", "b@dest.test")).isPresent();
            assertThat(tern.spool().suppression("acme", "a@dest.test")).isEmpty();
        }
    }

    @Test
    void dsnForACoRecipientTheTokenDoesNotCoverChangesNothing() throws Exception {
        Path log = dir.resolve("events.jsonl");
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernServer tern = TernServer.start(config(sink.port(), log, true))) {
            List<Event> seen = record(tern);
            try (InjectClient c = new InjectClient(tern.injectionAddress(), "127.0.0.1")) {
                assertThat(c.send(
                                "news@inject.test",
                                List.of("x1@dest.test", "x2@dest.test"),
                                FeedbackFixture.message("news@inject.test", "x1@dest.test", TAGS, "hi")))
                        .startsWith("250");
            }
            List<ReceivedMessage> got = sink.awaitMessages(2, Duration.ofSeconds(20));
            ReceivedMessage x1 = byRecipient(got, "x1@dest.test");
            String x1Headers = "Return-Path: <" + x1.mailFrom() + ">\n"
                    + x1.text().substring(0, x1.text().indexOf("\r\n\r\n")).replace("\r\n", "\n") + "\n";
            try (InjectClient attacker = new InjectClient(tern.injectionAddress(), "127.0.0.2")) {
                // x1 (who got the mail, and so its VERP address and X-Tern-Id) claims x2 failed
                assertThat(attacker.send(
                                "",
                                List.of(x1.mailFrom()),
                                AsyncFeedbackEndToEndTest.dsn(x1.mailFrom(), "x2@dest.test", x1Headers)))
                        .startsWith("250");
                assertThat(attacker.send(
                                "",
                                List.of("bounces@bounces.example.com"),
                                AsyncFeedbackEndToEndTest.dsn(
                                        "bounces@bounces.example.com", "x2@dest.test", x1Headers)))
                        .startsWith("250");
            }
            assertThat(of(seen, EventType.ASYNC_BOUNCE)).isEmpty();
            assertThat(of(seen, EventType.UNMATCHED_FEEDBACK))
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(e.reason()).isEqualTo("not_covered"));
            assertThat(tern.spool().suppression("acme", "x2@dest.test")).isEmpty();
            assertThat(tern.spool().suppression("acme", "x1@dest.test")).isEmpty();
            assertThat(tern.feedback()
                            .campaigns()
                            .snapshot("spring")
                            .orElseThrow()
                            .hardBounced())
                    .isZero();
        }
    }

    /** Events as the bus hands them to sinks, synchronously (the event log file is written a moment later). */
    private static List<Event> record(TernServer tern) {
        List<Event> seen = new CopyOnWriteArrayList<>();
        tern.events().register(seen::add);
        return seen;
    }

    private static List<Event> of(List<Event> seen, EventType kind) {
        return seen.stream().filter(e -> e.kind() == kind).toList();
    }

    private static ReceivedMessage byRecipient(List<ReceivedMessage> got, String rcpt) {
        return got.stream()
                .filter(m -> m.recipients().contains(rcpt))
                .findFirst()
                .orElseThrow();
    }

    private static String header(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ": ([^\r\n]*)").matcher(text);
        assertThat(m.find()).as("header " + name).isTrue();
        return m.group(1).strip();
    }
}
