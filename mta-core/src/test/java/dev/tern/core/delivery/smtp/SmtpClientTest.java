package dev.tern.core.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.testkit.smtp.Command;
import dev.tern.testkit.smtp.ConnectionStats;
import dev.tern.testkit.smtp.Phase;
import dev.tern.testkit.smtp.ReceivedMessage;
import dev.tern.testkit.smtp.SmtpSink;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Conversations of the client with a scripted sink on loopback addresses. */
class SmtpClientTest {
    static EventLoopGroup group;
    static SmtpClient client;
    static final SmtpClientSettings SETTINGS = SmtpClientSettings.defaults().withAllTimeouts(Duration.ofSeconds(5));
    final List<SmtpSink> sinks = new ArrayList<>();

    @BeforeAll
    static void startClient() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        client = new SmtpClient(group, SETTINGS);
    }

    @AfterAll
    static void stopClient() {
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void stopSinks() {
        sinks.forEach(SmtpSink::stop);
    }

    SmtpSink sink(SmtpSink.Builder builder) {
        SmtpSink s = builder.start();
        sinks.add(s);
        return s;
    }

    static SmtpConnection connect(SmtpSink sink) throws Exception {
        return connect(sink, SETTINGS);
    }

    static SmtpConnection connect(SmtpSink sink, SmtpClientSettings settings) throws Exception {
        return client.connect(sink.address(), null, "client.test", settings).get(10, TimeUnit.SECONDS);
    }

    static TransactionResult send(SmtpConnection c, SmtpTransaction tx) throws Exception {
        return c.send(tx).get(10, TimeUnit.SECONDS);
    }

    static byte[] message(String body) {
        return ("From: a@sender.test\r\nTo: r@x.test\r\nSubject: test\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    static SmtpException failure(CompletableFuture<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SmtpException.class);
            return (SmtpException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected an SmtpException, got success");
    }

    static Command command(SmtpSink sink, dev.tern.testkit.smtp.Phase phase) {
        return sink.commands().stream()
                .filter(c -> c.phase() == phase)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void pipelinedTransactionWithSeveralRecipientsGoesInOneFlush() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.2"));
        SmtpConnection c = connect(sink);
        assertThat(c.extensions()).contains("PIPELINING", "8BITMIME", "SIZE", "ENHANCEDSTATUSCODES");
        assertThat(c.banner().code()).isEqualTo(220);
        byte[] msg = message("Hello\r\n");
        TransactionResult r =
                send(c, SmtpTransaction.of("a@sender.test", List.of("r1@x.test", "r2@x.test", "r3@x.test"), msg));
        assertThat(r.allAccepted()).isTrue();
        assertThat(r.recipientReplies()).hasSize(3).allMatch(x -> x.code() == 250);
        assertThat(r.dataReply().code()).isEqualTo(250);
        assertThat(r.dataReply().enhancedCode()).isEqualTo("2.0.0");
        c.quit().get(5, TimeUnit.SECONDS);
        assertThat(c.isOpen()).isFalse();

        ReceivedMessage m = sink.awaitMessages(1, Duration.ofSeconds(5)).get(0);
        assertThat(m.recipients()).containsExactly("r1@x.test", "r2@x.test", "r3@x.test");
        assertThat(m.data()).isEqualTo(msg);
        long mail = command(sink, Phase.MAIL).readSequence();
        assertThat(sink.commands())
                .filteredOn(x -> x.phase() == Phase.RCPT || x.phase() == Phase.DATA)
                .hasSize(4)
                .allMatch(x -> x.readSequence() == mail);
        assertThat(sink.connectionStats().get(0).maxCommandsPerRead()).isGreaterThanOrEqualTo(5);
        assertThat(command(sink, Phase.MAIL).parameters()).isEqualTo("SIZE=" + msg.length);
    }

    @Test
    void sizeOfAMessageWithATailCountsTheTail(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.2"));
        SmtpConnection c = connect(sink);
        byte[] head = message("first part\r\n");
        byte[] rest = ".dotted line\r\nmore of the body\r\n".repeat(2000).getBytes(StandardCharsets.US_ASCII);
        java.nio.file.Path tail = java.nio.file.Files.write(dir.resolve("tail"), rest);
        SmtpTransaction tx = new SmtpTransaction(
                "a@sender.test", List.of("r@x.test"), head, new SmtpTransaction.Tail(tail, rest.length), false, false);
        assertThat(send(c, tx).allAccepted()).isTrue();
        c.quit().get(5, TimeUnit.SECONDS);
        ReceivedMessage m = sink.awaitMessages(1, Duration.ofSeconds(5)).get(0);
        byte[] whole = new byte[head.length + rest.length];
        System.arraycopy(head, 0, whole, 0, head.length);
        System.arraycopy(rest, 0, whole, head.length, rest.length);
        assertThat(m.data()).isEqualTo(whole);
        // RFC 1870: SIZE declares the whole message, not only the part held in memory
        assertThat(command(sink, Phase.MAIL).parameters()).isEqualTo("SIZE=" + whole.length);
    }

    @Test
    void withoutPipeliningOneCommandAtATime() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.3").pipelining(false));
        SmtpConnection c = connect(sink);
        assertThat(c.extensions()).doesNotContain("PIPELINING");
        TransactionResult r =
                send(c, SmtpTransaction.of("a@sender.test", List.of("r1@x.test", "r2@x.test"), message("x\r\n")));
        assertThat(r.allAccepted()).isTrue();
        c.quit().get(5, TimeUnit.SECONDS);
        assertThat(sink.awaitMessages(1, Duration.ofSeconds(5))).hasSize(1);
        ConnectionStats stats = sink.connectionStats().get(0);
        assertThat(stats.maxCommandsPerRead()).isEqualTo(1);
        assertThat(stats.commands()).isEqualTo(7); // EHLO MAIL RCPT RCPT DATA . QUIT
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void partialRecipientFailureStillDelivers(boolean pipelining) throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.4").pipelining(pipelining));
        sink.onRcpt(rcpt -> rcpt.startsWith("bad") ? "550 5.1.1 User unknown" : null);
        SmtpConnection c = connect(sink);
        TransactionResult r = send(
                c,
                SmtpTransaction.of(
                        "a@sender.test", List.of("good1@x.test", "bad@x.test", "good2@x.test"), message("x\r\n")));
        assertThat(r.delivered()).isTrue();
        assertThat(r.allAccepted()).isFalse();
        assertThat(r.recipientReplies()).extracting(SmtpReply::code).containsExactly(250, 550, 250);
        assertThat(r.replyFor(1).toString()).isEqualTo("550 5.1.1 User unknown");
        assertThat(r.replyFor(1).permanentFailure()).isTrue();
        assertThat(r.delivered(0)).isTrue();
        assertThat(r.delivered(1)).isFalse();
        assertThat(r.replyFor(2).code()).isEqualTo(250);
        assertThat(sink.awaitMessages(1, Duration.ofSeconds(5)).get(0).recipients())
                .containsExactly("good1@x.test", "good2@x.test");
    }

    @Test
    void bannerWith421FailsTheConnectionTransiently() {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.5"));
        sink.onBanner("421 4.7.0 Try again later");
        SmtpException e = failure(client.connect(sink.address(), null, "client.test", SETTINGS));
        assertThat(e.phase()).isEqualTo(SmtpException.Phase.BANNER);
        assertThat(e.reply().code()).isEqualTo(421);
        assertThat(e.reply().enhancedCode()).isEqualTo("4.7.0");
        assertThat(e.isTransient()).isTrue();
        assertThat(e.tlsFailure()).isFalse();
    }

    @Test
    void bannerWith554IsPermanent() {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.5"));
        sink.onBanner("554 5.7.1 No service for you");
        SmtpException e = failure(client.connect(sink.address(), null, "client.test", SETTINGS));
        assertThat(e.phase()).isEqualTo(SmtpException.Phase.BANNER);
        assertThat(e.isTransient()).isFalse();
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void rcpt452ForAllRecipientsThenRsetBeforeTheNextTransaction(boolean pipelining) throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.6").pipelining(pipelining));
        sink.onRcpt(rcpt -> "452 4.5.3 Too many recipients");
        SmtpConnection c = connect(sink);
        TransactionResult r =
                send(c, SmtpTransaction.of("a@sender.test", List.of("r1@x.test", "r2@x.test"), message("x\r\n")));
        assertThat(r.mailReply().code()).isEqualTo(250);
        assertThat(r.recipientReplies()).extracting(SmtpReply::code).containsExactly(452, 452);
        assertThat(r.recipientReplies()).allMatch(SmtpReply::transientFailure);
        assertThat(r.dataReply()).isNull();
        assertThat(r.delivered()).isFalse();
        assertThat(r.replyFor(0).enhancedCode()).isEqualTo("4.5.3");

        sink.onRcpt(null);
        TransactionResult second = send(c, SmtpTransaction.of("a@sender.test", List.of("r1@x.test"), message("y\r\n")));
        assertThat(second.allAccepted()).isTrue();
        assertThat(c.transactions()).isEqualTo(2);
        List<String> verbs = sink.commands().stream()
                .filter(x -> x.phase() != Phase.CONNECT)
                .map(Command::verb)
                .toList();
        if (pipelining) {
            assertThat(verbs)
                    .containsExactly("EHLO", "MAIL", "RCPT", "RCPT", "DATA", "RSET", "MAIL", "RCPT", "DATA", ".");
        } else {
            assertThat(verbs).containsExactly("EHLO", "MAIL", "RCPT", "RCPT", "RSET", "MAIL", "RCPT", "DATA", ".");
        }
        assertThat(sink.awaitMessages(1, Duration.ofSeconds(5))).hasSize(1);
    }

    @Test
    void rejectionAfterDataIsAResultAndNeedsNoRset() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.7"));
        sink.onData(m -> m.text().contains("spam") ? "554 5.7.1 Message rejected as spam" : null);
        SmtpConnection c = connect(sink);
        TransactionResult r = send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("spam\r\n")));
        assertThat(r.delivered()).isFalse();
        assertThat(r.dataReply().toString()).isEqualTo("554 5.7.1 Message rejected as spam");
        assertThat(r.replyFor(0).permanentFailure()).isTrue();
        TransactionResult ok = send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("ham\r\n")));
        assertThat(ok.delivered()).isTrue();
        assertThat(sink.commands()).noneMatch(x -> x.phase() == Phase.RSET);
        assertThat(sink.awaitMessages(1, Duration.ofSeconds(5)))
                .singleElement()
                .matches(m -> m.text().endsWith("ham\r\n"));
    }

    @Test
    void mailRefusedGivesEmptyRecipientReplies() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.7"));
        sink.onMail(from -> "550 5.7.1 Sender blocked");
        SmtpConnection c = connect(sink);
        TransactionResult r =
                send(c, SmtpTransaction.of("a@sender.test", List.of("r1@x.test", "r2@x.test"), message("x\r\n")));
        assertThat(r.mailReply().code()).isEqualTo(550);
        assertThat(r.recipientReplies()).isEmpty();
        assertThat(r.dataReply()).isNull();
        assertThat(r.replyFor(1).code()).isEqualTo(550);
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void connectionResetDuringDataFailsTheTransaction() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.8"));
        sink.disconnectAt(Phase.DATA_BODY, SmtpSink.Disconnect.RESET);
        SmtpConnection c = connect(sink);
        byte[] big = new byte[4 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) 'a');
        for (int i = 998; i < big.length; i += 1000) {
            big[i] = '\r';
            big[i + 1] = '\n';
        }
        SmtpException e = failure(c.send(SmtpTransaction.of("a@sender.test", List.of("r@x.test"), big)));
        assertThat(e.phase()).isIn(SmtpException.Phase.DATA_BLOCK, SmtpException.Phase.DATA_END);
        assertThat(e.isTransient()).isTrue();
        assertThat(e.reply()).isNull();
        assertThat(c.isOpen()).isFalse();
        assertThat(sink.messages()).isEmpty();
        SmtpException next =
                failure(c.send(SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n"))));
        assertThat(next.getMessage()).contains("closed");
    }

    @Test
    void serverClosingWhileIdleMakesTheConnectionUnusable() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.8"));
        SmtpConnection c = connect(sink);
        sink.stop();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !c.isOpen());
        SmtpException e = failure(c.send(SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n"))));
        assertThat(e.isTransient()).isTrue();
    }

    @Test
    void startTlsWithSelfSignedCertificate() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.9").startTls(true));
        SmtpConnection c = connect(sink);
        assertThat(c.tlsActive()).isTrue();
        assertThat(c.extensions()).doesNotContain("STARTTLS").contains("PIPELINING");
        TransactionResult r = send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("secret\r\n")));
        assertThat(r.delivered()).isTrue();
        ReceivedMessage m = sink.awaitMessages(1, Duration.ofSeconds(5)).get(0);
        assertThat(m.tls()).isTrue();
        assertThat(sink.commands())
                .filteredOn(x -> x.phase() == Phase.EHLO)
                .extracting(Command::tls)
                .containsExactly(false, true);

        SmtpConnection plain = connect(sink, SETTINGS.withStartTls(false));
        assertThat(plain.tlsActive()).isFalse();
        assertThat(plain.extensions()).contains("STARTTLS");
    }

    @Test
    void verifyingCertificatesRejectsTheSelfSignedOne() {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.9").startTls(true));
        SmtpException e =
                failure(client.connect(sink.address(), null, "client.test", SETTINGS.withVerifyCertificates(true)));
        assertThat(e.phase()).isEqualTo(SmtpException.Phase.TLS_HANDSHAKE);
        assertThat(e.tlsFailure()).isTrue();
        assertThat(e.isTransient()).isTrue();
    }

    @Test
    void brokenTlsAfterStartTlsIsReportedAsTlsFailure() throws Exception {
        // the sink claims STARTTLS but then keeps talking clear text
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.10"));
        sink.onEhlo(name -> "250-sink.test\n250-PIPELINING\n250 STARTTLS");
        sink.on(Phase.STARTTLS, cmd -> "220 2.0.0 Go ahead");
        SmtpException e = failure(client.connect(sink.address(), null, "client.test", SETTINGS));
        assertThat(e.tlsFailure()).isTrue();
        assertThat(e.phase()).isEqualTo(SmtpException.Phase.TLS_HANDSHAKE);
        // the caller retries without TLS
        SmtpConnection c = connect(sink, SETTINGS.withStartTls(false));
        assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n")))
                        .delivered())
                .isTrue();
    }

    @Test
    void severalMessagesOnOneConnection() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.11"));
        SmtpConnection c = connect(sink);
        int n = 5;
        for (int i = 0; i < n; i++) {
            assertThat(send(
                                    c,
                                    SmtpTransaction.of(
                                            "a@sender.test", List.of("r" + i + "@x.test"), message("n" + i + "\r\n")))
                            .delivered())
                    .isTrue();
        }
        assertThat(c.transactions()).isEqualTo(n);
        c.quit().get(5, TimeUnit.SECONDS);
        List<ReceivedMessage> got = sink.awaitMessages(n, Duration.ofSeconds(5));
        assertThat(got)
                .extracting(ReceivedMessage::connectionId)
                .containsOnly(got.get(0).connectionId());
        assertThat(sink.messagesOnConnection(got.get(0).connectionId())).isEqualTo(n);
        assertThat(sink.connectionsAccepted()).isEqualTo(1);
        assertThat(sink.commands()).noneMatch(x -> x.phase() == Phase.RSET);
    }

    @Test
    void concurrentSendIsRejected() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.11"));
        sink.delay(Phase.DATA_END, Duration.ofSeconds(1));
        SmtpConnection c = connect(sink);
        SmtpTransaction tx = SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n"));
        CompletableFuture<TransactionResult> first = c.send(tx);
        assertThatThrownBy(() -> c.send(tx)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(c::quit).isInstanceOf(IllegalStateException.class);
        assertThat(first.get(5, TimeUnit.SECONDS).delivered()).isTrue();
        assertThat(send(c, tx).delivered()).isTrue();
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void dotStuffingRoundTripIsByteIdentical(boolean pipelining) throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.12").pipelining(pipelining));
        SmtpConnection c = connect(sink);
        byte[] small = ".starts with a dot\r\n.\r\n..\r\nmiddle . dot\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        // large, with dot lines everywhere (also across the 64 KiB chunk borders)
        Random random = new Random(42);
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        while (big.size() < 600_000) {
            int len = random.nextInt(120);
            StringBuilder line = new StringBuilder();
            if (random.nextInt(4) == 0) line.append(random.nextBoolean() ? "." : "..");
            for (int i = 0; i < len; i++) line.append((char) (' ' + random.nextInt(95)));
            big.writeBytes((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        for (byte[] body : List.of(small, big.toByteArray())) {
            assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), body))
                            .delivered())
                    .isTrue();
        }
        byte[] noFinalCrlf = "line one\r\n.last line without CRLF".getBytes(StandardCharsets.US_ASCII);
        assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), noFinalCrlf))
                        .delivered())
                .isTrue();
        assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), new byte[0]))
                        .delivered())
                .isTrue();
        List<ReceivedMessage> got = sink.awaitMessages(4, Duration.ofSeconds(5));
        assertThat(got.get(0).data()).isEqualTo(small);
        assertThat(got.get(1).data()).isEqualTo(big.toByteArray());
        assertThat(got.get(2).text()).isEqualTo("line one\r\n.last line without CRLF\r\n");
        assertThat(got.get(3).data()).isEmpty();
    }

    @Test
    void multiLineRepliesAreJoined() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.13"));
        sink.onData(m -> "250-2.0.0 Ok: queued\n250-2.0.0 as ABC123\n250 2.0.0 have a nice day");
        sink.onRcpt(
                r -> "550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 Please check.");
        SmtpConnection c = connect(sink);
        TransactionResult r = send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n")));
        assertThat(r.recipientReplies().get(0).lines())
                .containsExactly("The email account that you tried to reach does not exist.", "Please check.");
        assertThat(r.recipientReplies().get(0).enhancedCode()).isEqualTo("5.1.1");
        assertThat(r.dataReply()).isNull();

        sink.onRcpt(null);
        r = send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n")));
        assertThat(r.dataReply().lines()).containsExactly("Ok: queued", "as ABC123", "have a nice day");
        assertThat(r.dataReply().toString()).isEqualTo("250 2.0.0 Ok: queued as ABC123 have a nice day");
    }

    @Test
    void eightBitAndSmtpUtf8WhenOffered() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.14"));
        SmtpConnection c = connect(sink);
        byte[] body = "Subject: Grüße\r\n\r\nÄpfel\r\n".getBytes(StandardCharsets.UTF_8);
        TransactionResult r = send(c, new SmtpTransaction("a@sender.test", List.of("r@x.test"), body, true, false));
        assertThat(r.delivered()).isTrue();
        r = send(c, new SmtpTransaction("a@sender.test", List.of("jörg@bücher.test"), body, true, true));
        assertThat(r.delivered()).isTrue();
        List<Command> mails =
                sink.commands().stream().filter(x -> x.phase() == Phase.MAIL).toList();
        assertThat(mails.get(0).hasParameter("BODY=8BITMIME")).isTrue();
        assertThat(mails.get(0).hasParameter("SMTPUTF8")).isFalse();
        assertThat(mails.get(1).hasParameter("BODY=8BITMIME")).isTrue();
        assertThat(mails.get(1).hasParameter("SMTPUTF8")).isTrue();
        List<ReceivedMessage> got = sink.awaitMessages(2, Duration.ofSeconds(5));
        assertThat(got.get(1).recipients()).containsExactly("jörg@bücher.test");
        assertThat(got.get(1).data()).isEqualTo(body);
    }

    @Test
    void eightBitAndSmtpUtf8WhenNotOffered() throws Exception {
        SmtpSink sink = sink(
                SmtpSink.builder().address("127.0.0.14").eightBitMime(false).smtpUtf8(false));
        SmtpConnection c = connect(sink);
        byte[] body = "Subject: x\r\n\r\nÄpfel\r\n".getBytes(StandardCharsets.UTF_8);
        // an 8-bit body is never sent to a server without 8BITMIME, nor converted: 554 5.6.3, nothing sent
        TransactionResult r = send(c, new SmtpTransaction("a@sender.test", List.of("r@x.test"), body, true, false));
        assertThat(r.local()).isTrue();
        assertThat(r.mailReply().toString()).startsWith("554 5.6.3");
        assertThat(r.replyFor(0).permanentFailure()).isTrue();
        assertThat(sink.commands()).filteredOn(x -> x.phase() == Phase.MAIL).isEmpty();
        TransactionResult utf8 =
                send(c, new SmtpTransaction("a@sender.test", List.of("jörg@bücher.test"), body, true, true));
        assertThat(utf8.local()).isTrue();
        assertThat(utf8.mailReply().code()).isEqualTo(553);
        assertThat(utf8.mailReply().enhancedCode()).isEqualTo("5.6.7");
        assertThat(utf8.replyFor(0).permanentFailure()).isTrue();
        assertThat(sink.commands()).filteredOn(x -> x.phase() == Phase.MAIL).isEmpty();
        assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n")))
                        .delivered())
                .isTrue();
    }

    @Test
    void sizeOverTheAdvertisedLimitIsRefusedLocally() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.15").maxSize(1000));
        SmtpConnection c = connect(sink);
        assertThat(c.extension("SIZE")).isEqualTo("1000");
        TransactionResult big = send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), new byte[2000]));
        assertThat(big.local()).isTrue();
        assertThat(big.mailReply().toString()).startsWith("552 5.3.4");
        assertThat(big.delivered()).isFalse();
        byte[] ok = message("small\r\n");
        assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), ok))
                        .delivered())
                .isTrue();
        assertThat(sink.commands())
                .filteredOn(x -> x.phase() == Phase.MAIL)
                .singleElement()
                .matches(m -> m.hasParameter("SIZE=" + ok.length));
    }

    @Test
    void heloFallbackWhenEhloIsRefused() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.16"));
        sink.onEhlo(name -> "502 5.5.1 EHLO not implemented");
        SmtpConnection c = connect(sink);
        assertThat(c.extensions()).isEmpty();
        assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n")))
                        .delivered())
                .isTrue();
        assertThat(sink.commands()).extracting(Command::verb).contains("EHLO", "HELO");
        assertThat(sink.connectionStats().get(0).maxCommandsPerRead()).isEqualTo(1); // no pipelining after HELO
    }

    @Test
    void ehloAndHeloRefused() {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.16"));
        sink.onEhlo(name -> "550 5.7.1 go away").on(Phase.HELO, cmd -> "550 5.7.1 go away");
        SmtpException e = failure(client.connect(sink.address(), null, "client.test", SETTINGS));
        assertThat(e.phase()).isEqualTo(SmtpException.Phase.HELO);
        assertThat(e.isTransient()).isFalse();
    }

    @Test
    void connectionRefused() {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.17"));
        sink.stop();
        SmtpException e = failure(client.connect(sink.address(), null, "client.test", SETTINGS));
        assertThat(e.phase()).isEqualTo(SmtpException.Phase.CONNECT);
        assertThat(e.isTransient()).isTrue();
    }

    @Test
    void bindsTheGivenLocalAddress() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.18"));
        SmtpConnection c = client.connect(sink.address(), InetAddress.getByName("127.0.0.19"), "source1.test", SETTINGS)
                .get(5, TimeUnit.SECONDS);
        assertThat(c.local().getAddress().getHostAddress()).isEqualTo("127.0.0.19");
        assertThat(command(sink, Phase.EHLO).argument()).isEqualTo("source1.test");
        c.close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> sink.currentConnections() == 0);
    }

    @Test
    void worksOnAnEpollEventLoop() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "epoll not available");
        EventLoopGroup epoll = new MultiThreadIoEventLoopGroup(1, io.netty.channel.epoll.EpollIoHandler.newFactory());
        try (SmtpClient epollClient = new SmtpClient(epoll, SETTINGS)) {
            SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.24").startTls(true));
            SmtpConnection c = epollClient
                    .connect(sink.address(), InetAddress.getByName("127.0.0.25"), "client.test", null)
                    .get(10, TimeUnit.SECONDS);
            assertThat(c.tlsActive()).isTrue();
            assertThat(send(c, SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n")))
                            .delivered())
                    .isTrue();
            c.quit().get(5, TimeUnit.SECONDS);
            assertThat(sink.awaitMessages(1, Duration.ofSeconds(5)).get(0).tls())
                    .isTrue();
        } finally {
            epoll.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest(name = "server closes at {0}")
    @org.junit.jupiter.params.provider.CsvSource({"MAIL, MAIL", "RCPT, RCPT", "DATA, DATA", "DATA_END, DATA_END"})
    void serverClosingMidTransactionFailsWithThePhase(Phase at, SmtpException.Phase expected) throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.26"));
        sink.disconnectAt(at, SmtpSink.Disconnect.CLOSE);
        SmtpConnection c = connect(sink);
        SmtpException e = failure(c.send(SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n"))));
        assertThat(e.phase()).isEqualTo(expected);
        assertThat(e.getMessage()).contains("closed by");
        assertThat(e.isTransient()).isTrue();
    }

    @ParameterizedTest(name = "server closes at {0}")
    @org.junit.jupiter.params.provider.CsvSource({"CONNECT, BANNER", "EHLO, EHLO"})
    void serverClosingDuringGreetingFailsTheConnect(Phase at, SmtpException.Phase expected) {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.26"));
        sink.disconnectAt(at, SmtpSink.Disconnect.CLOSE);
        SmtpException e = failure(client.connect(sink.address(), null, "client.test", SETTINGS));
        assertThat(e.phase()).isEqualTo(expected);
        assertThat(e.isTransient()).isTrue();
    }

    @Test
    void a421ToRcptIsKeptAsTheReasonWhenTheServerCloses() throws Exception {
        SmtpSink sink = sink(SmtpSink.builder().address("127.0.0.27"));
        sink.onRcpt(r -> "421 4.7.0 Too many connections from your IP");
        SmtpConnection c = connect(sink);
        SmtpException e = failure(c.send(SmtpTransaction.of("a@sender.test", List.of("r@x.test"), message("x\r\n"))));
        assertThat(e.reply()).isNotNull();
        assertThat(e.reply().toString()).isEqualTo("421 4.7.0 Too many connections from your IP");
        assertThat(e.isTransient()).isTrue();
        assertThat(c.isOpen()).isFalse();
    }
}
