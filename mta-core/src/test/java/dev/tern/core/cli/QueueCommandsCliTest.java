package dev.tern.core.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.admin.TernFixture;
import dev.tern.core.events.EventType;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tern retry site:}, {@code tern queues --age/--limit} and {@code tern show} of a finished message. */
class QueueCommandsCliTest {
    @TempDir
    Path dir;

    private TernFixture f;

    private String tern(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", f.adminUrl(), "--token", TernFixture.TOKEN));
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        assertThat(exit).as(String.join(" ", args) + ": " + err).isZero();
        return out.toString();
    }

    @Test
    void retryOfASiteAfterAConnectionRefusedDeliversAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens here: connection refused
        }
        try (TernFixture fixture = new TernFixture(dir, port)) {
            f = fixture;
            f.inject("refused.test", 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> f.count(EventType.TRANSIENT_FAILURE) == 2);
            String site = "site:route:127.0.0.1:" + port;
            assertThat(tern("queues")).containsPattern("route:127\\.0\\.0\\.1:" + port + " +2 +0 +0 +0 +0 +no ");
            try (SmtpSink sink =
                    SmtpSink.builder().address("127.0.0.1").port(port).start()) {
                // the next attempt is a minute away and the site is held down as long: retry acts now
                assertThat(tern("retry", site).strip()).isEqualTo(site + ": 2 entries due now");
                sink.awaitMessageCount(2, Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void queuesByAgeWithALimitAndShowOfQueuedAndFinishedMessages() throws Exception {
        try (SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
                TernFixture fixture = new TernFixture(dir, sink.port())) {
            f = fixture;
            String sent = f.inject("sent.test", 1).getFirst();
            sink.awaitMessageCount(1, Duration.ofSeconds(10));
            tern("suspend", "domain:held.test", "--reason", "customer asked");
            String held = f.inject("held.test", 3).getFirst();
            await().atMost(Duration.ofSeconds(10)).until(() -> tern("queues").contains("domain:held.test"));

            String age = tern("queues", "--age");
            assertThat(age).containsPattern("DESTINATION +TOTAL +0-5m +5-10m .* 640-1280m +1280m\\+");
            assertThat(age).containsPattern("domain:held\\.test +3 +3 +0 +0");
            String limited = tern("queues", "--limit", "1");
            assertThat(limited).contains("domain:held.test", "(1 of 2 destinations; --limit N for more)");
            assertThat(limited).containsPattern("domain:held\\.test +operator .* customer asked");

            String queued = tern("show", held);
            assertThat(queued).contains("subject   ops test", "priority  bulk", "held.test");
            await().atMost(Duration.ofSeconds(10)).until(() -> f.count(EventType.DELIVERY) == 1);
            String finished = tern("show", sent);
            assertThat(finished)
                    .contains("message   " + sent + " (finished: from the event log)", "sender    sender@inject.test")
                    .containsPattern("reception +\\S+@sent\\.test")
                    .containsPattern("delivery +\\S+@sent\\.test +250");
        }
    }
}
