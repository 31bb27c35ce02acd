package dev.tern.core.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.cli.Main;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import dev.tern.testkit.smtp.SmtpSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool's guarantees as seen from SMTP: disk floor, and a bad spool directory at start. */
class SpoolAtInjectionTest {
    @TempDir
    Path dir;

    private TernConfig config(int sinkPort, String minFree) {
        return ConfigLoader.parse(
                """
        spool: { directory: "%s", min_free_disk: %s }
        injection: { listen: 127.0.0.1:0 }
        admin: { listen: 127.0.0.1:0 }
        events: { log: "%s" }
        routes: { "*": 127.0.0.1:%d }
        delivery: { retry: { initial: 200ms, max: 500ms } }
        """.formatted(dir.resolve("spool"), minFree, dir.resolve("events.jsonl"), sinkPort), "t");
    }

    /** Sends one message; returns the final reply line. */
    static String inject(TernServer tern, String rcpt) throws Exception {
        try (Socket s = new Socket(
                tern.injectionAddress().getAddress(), tern.injectionAddress().getPort())) {
            s.setSoTimeout(20_000);
            var in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            var out = s.getOutputStream();
            in.readLine();
            out.write("HELO t\r\n".getBytes(StandardCharsets.US_ASCII));
            in.readLine();
            out.write(("MAIL FROM:<a@inject.test>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            in.readLine();
            in.readLine();
            String data = in.readLine();
            if (!data.startsWith("354")) return data;
            out.write(("Subject: floor\r\n\r\nbody\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            return in.readLine();
        }
    }

    @Test
    void diskFloorRefusesNewMailWith452AndQueuedMailStillGoesOut() throws Exception {
        SmtpSink sink = SmtpSink.builder().address("127.0.0.1").port(0).start();
        int port = sink.port();
        sink.stop();
        try (TernServer tern = TernServer.start(config(port, "1MiB"))) {
            for (int i = 0; i < 5; i++)
                assertThat(inject(tern, "q" + i + "@floor.test")).startsWith("250");
            assertThat(tern.spool().stats().entries()).isEqualTo(5);
        }
        // now the floor is above any free space: new mail is refused, queued mail is untouched
        sink.start();
        try (TernServer tern = TernServer.start(config(port, "1000000GiB"))) {
            assertThat(inject(tern, "new@floor.test")).startsWith("452 4.3.1");
            assertThat(sink.awaitMessages(5, Duration.ofSeconds(20))).hasSize(5);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> tern.spool().stats().entries() == 0);
        } finally {
            sink.close();
        }
    }

    @Test
    void foreignSpoolDirectoryFailsAtStartWithAClearError() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Files.writeString(spool.resolve("CURRENT"), "garbage\n");
        Files.writeString(spool.resolve("notes.txt"), "not a spool\n");
        Path cfg = Files.writeString(dir.resolve("tern.yaml"), """
        spool: { directory: "%s" }
        injection: { listen: 127.0.0.1:0 }
        admin: { listen: 127.0.0.1:0 }
        events: { log: "%s" }
        """.formatted(spool, dir.resolve("events.jsonl")));
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.commandLine().execute("run", "--config", cfg.toString());
        } finally {
            System.setErr(oldErr);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).isEqualTo(1);
        assertThat(text)
                .contains("cannot open the spool")
                .contains(spool.toString())
                .doesNotContain("\tat ");
    }
}
