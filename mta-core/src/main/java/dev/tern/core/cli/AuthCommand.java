package dev.tern.core.cli;

import dev.tern.core.inject.auth.PasswordHash;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tern auth hash-password}: makes the password hash of an injection AUTH user. */
@Command(name = "auth", description = "SMTP AUTH tools.", subcommands = AuthCommand.HashPassword.class)
public final class AuthCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(
            name = "hash-password",
            description = {
                "Print the Argon2id hash of a password, for injection.auth.users.<name>.password_hash.",
                "The password is prompted for (twice, without echo) on a terminal, else read as one line from standard input."
            })
    static final class HashPassword implements Callable<Integer> {
        @Option(names = "--stdin", description = "read the password from standard input even on a terminal")
        boolean stdin;

        @Option(
                names = "--memory",
                paramLabel = "KIB",
                description = "Argon2id memory in KiB (default: ${DEFAULT-VALUE})")
        int memoryKib = PasswordHash.DEFAULT_MEMORY_KIB;

        @Option(names = "--iterations", description = "Argon2id iterations (default: ${DEFAULT-VALUE})")
        int iterations = PasswordHash.DEFAULT_ITERATIONS;

        @Option(names = "--parallelism", description = "Argon2id lanes (default: ${DEFAULT-VALUE})")
        int parallelism = PasswordHash.DEFAULT_PARALLELISM;

        @Override
        public Integer call() throws IOException {
            Console console = System.console();
            char[] password;
            if (!stdin && interactive(console)) {
                password = console.readPassword("Password: ");
                char[] again = console.readPassword("Again: ");
                boolean same = password != null && Arrays.equals(password, again);
                if (again != null) Arrays.fill(again, '\0');
                if (!same) {
                    System.err.println("the passwords differ");
                    return 1;
                }
            } else {
                password = readLine(System.in);
            }
            try {
                if (password == null || password.length == 0) {
                    System.err.println("no password given");
                    return 1;
                }
                System.out.println(PasswordHash.argon2id(password, memoryKib, iterations, parallelism));
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 1;
            } finally {
                if (password != null) Arrays.fill(password, '\0');
            }
        }

        /** True when the console is a terminal (JDK 22+ also returns a console when streams are redirected). */
        private static boolean interactive(Console console) {
            if (console == null) return false;
            try {
                return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
            } catch (ReflectiveOperationException e) {
                return true; // JDK 21: a console is there only for a terminal
            }
        }

        /** The first line of {@code in} (UTF-8, without its line ending); null at once-empty input. */
        private static char[] readLine(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int b;
            boolean any = false;
            while ((b = in.read()) >= 0 && b != '\n') {
                any = true;
                buf.write(b);
            }
            if (!any && b < 0) return null;
            byte[] bytes = buf.toByteArray();
            int n = bytes.length;
            if (n > 0 && bytes[n - 1] == '\r') n--;
            CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, n));
            char[] out = new char[chars.remaining()];
            chars.get(out);
            Arrays.fill(bytes, (byte) 0);
            if (chars.hasArray()) Arrays.fill(chars.array(), '\0');
            return out;
        }
    }
}
