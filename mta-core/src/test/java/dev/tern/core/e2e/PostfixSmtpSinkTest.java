package dev.tern.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.core.server.TernServer;
import dev.tern.core.testing.InjectClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery to Postfix's own {@code smtp-sink} (an independent SMTP implementation), installed
 * by scripts/install-test-tools.sh. Every message must arrive with its content intact.
 */
class PostfixSmtpSinkTest {
    private static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");

    @TempDir
    Path dir;

    @Test
    void everyMessageReachesPostfixSmtpSink() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(SMTP_SINK), "smtp-sink not installed (scripts/install-test-tools.sh installs it)");
        // smtp-sink drops privileges to nobody: the dump directory must be reachable for it,
        // so it cannot live under the (owner-only) JUnit temp dir
        Path dumps = Files.createTempDirectory("tern-smtp-sink-");
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(SMTP_SINK.toString()));
        if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("-u", "nobody"));
        cmd.addAll(List.of("-d", dumps + "/%M.", "127.0.0.1:" + port, "100"));
        Process sink = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sink.log").toFile())
                .start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> canConnect(port));
            int n = 40;
            List<byte[]> sent = new ArrayList<>();
            try (TernServer tern = TernServer.start(TernHarness.config(dir, port, ""));
                    InjectClient inj = new InjectClient(tern.injectionAddress())) {
                for (int i = 0; i < n; i++) {
                    byte[] m = TernHarness.message(i, "s@inject.test", "r" + i + "@pf.test", 20);
                    assertThat(inj.send("s@inject.test", List.of("r" + i + "@pf.test"), m))
                            .startsWith("250");
                    sent.add(m);
                }
                await().atMost(Duration.ofSeconds(30))
                        .failFast(
                                "a delivery failed",
                                () -> TernHarness.events(dir).stream()
                                        .anyMatch(e -> !e.get("type").asText().matches("reception|delivery")))
                        .until(() -> tern.spool().stats().entries() == 0);
            }
            List<String> dumped = new ArrayList<>();
            try (Stream<Path> files = Files.walk(dumps)) {
                for (Path f : files.filter(Files::isRegularFile).toList())
                    dumped.add(Files.readString(f, StandardCharsets.UTF_8));
            }
            assertThat(dumped).hasSize(n);
            for (byte[] m : sent) {
                String expected =
                        new String(TernHarness.expectedDelivered(m), StandardCharsets.UTF_8).replace("\r\n", "\n");
                assertThat(dumped)
                        .as("a dump holding the content of a sent message")
                        .anyMatch(d -> d.replace("\r\n", "\n").contains(expected));
            }
        } finally {
            sink.destroy();
            sink.waitFor(5, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(dumps)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }

    private static boolean canConnect(int port) {
        try (var s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
