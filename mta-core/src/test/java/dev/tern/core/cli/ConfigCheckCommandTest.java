package dev.tern.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.commandLine().execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void shippedConfigPasses() {
        Run r = run("config", "check", "../config/tern.yaml");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("OK");
    }

    @Test
    void misspelledKeyAndNegativeLimitAreBothNamed() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
        injection:
          max_recipents: 100
        delivery:
          max_messages_per_connection: -1
        """);
        Run r = run("config", "check", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains("injection.max_recipents: unknown key; did you mean 'max_recipients'?")
                .contains("delivery.max_messages_per_connection: must be >= 1 (got -1)");
    }

    @Test
    void anOpenRelayIsRefusedWithItsKey() throws Exception {
        Path bad = dir.resolve("open.yaml");
        Files.writeString(bad, """
        injection:
          listen: 0.0.0.0:25
          relay_from: ["0.0.0.0/0"]
        """);
        Run r = run("config", "check", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("injection.relay_from[0]: 0.0.0.0/0").contains("open relay");
    }

    @Test
    void missingFileIsAnError() {
        Run r = run("config", "check", dir.resolve("nope.yaml").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("file not found");
    }
}
