package dev.tern.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.inject.auth.PasswordHash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AuthCommandTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            int exit = Main.commandLine().execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    @Test
    void hashesAPasswordReadFromStdin() {
        Run r = run(
                "correct horse ü\r\nignored\n",
                "auth",
                "hash-password",
                "--stdin",
                "--memory",
                "256",
                "--iterations",
                "1");
        assertThat(r.exit()).isZero();
        String hash = r.out().trim();
        assertThat(hash).startsWith("$argon2id$v=19$m=256,t=1,p=1$").doesNotContain("horse");
        assertThat(PasswordHash.verify("correct horse ü".toCharArray(), hash)).isTrue();
    }

    @Test
    void defaultCostIsTheRecommendedOne() {
        Run r = run("pw\n", "auth", "hash-password", "--stdin");
        assertThat(r.out().trim()).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    }

    @Test
    void anEmptyPasswordOrABadCostIsRefused() {
        assertThat(run("\n", "auth", "hash-password", "--stdin").exit()).isEqualTo(1);
        assertThat(run("", "auth", "hash-password", "--stdin").err()).contains("no password given");
        Run r = run("pw\n", "auth", "hash-password", "--stdin", "--memory", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cost out of range");
    }
}
