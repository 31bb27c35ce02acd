package dev.tern.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's quick start, as written there, on a fresh copy of the shipped configuration:
 * the {@code console} block under "## Quick start" is read from README.md, each {@code $} line is
 * run (in one bash, in order) and what it prints is checked against the lines under it ({@code
 * ...} = anything). {@code bin/tern} in the copy runs this build's classes (the real launcher would
 * build the jar with Maven). The README's ports are replaced by free ones, the same in the
 * commands, the expected output and the copied config.
 */
class QuickStartTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path copy;

    record Step(String command, List<String> expected) {}

    @Test
    void theReadmeQuickStartWorksOfflineTopToBottom() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/smtp-sink")), "smtp-sink (postfix) is not installed");
        assumeTrue(onPath("swaks"), "swaks is not installed");
        List<Step> steps = steps(Files.readString(ROOT.resolve("README.md")));
        assertThat(steps).hasSizeGreaterThanOrEqualTo(8);

        Map<String, String> ports = new LinkedHashMap<>();
        for (String p : List.of("2525", "8025", "2526")) ports.put("127.0.0.1:" + p, "127.0.0.1:" + freePort());
        freshCopy(ports);

        StringBuilder script = new StringBuilder("cd '" + copy + "'\n");
        for (int i = 0; i < steps.size(); i++) {
            script.append("echo '@@@BEGIN ").append(i).append("'\n");
            script.append(ports(steps.get(i).command(), ports)).append('\n');
            script.append("echo \"@@@END ").append(i).append(" $?\"\n");
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script.toString())
                .directory(copy.toFile())
                .redirectErrorStream(true)
                .redirectOutput(copy.resolve("quickstart.out").toFile());
        pb.environment()
                .put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/usr/bin:/bin");
        pb.environment().remove("TERN_TOKEN");
        Process bash = pb.start();
        String out;
        try {
            assertThat(bash.waitFor(240, TimeUnit.SECONDS))
                    .as("the quick start finished")
                    .isTrue();
            out = Files.readString(copy.resolve("quickstart.out"), StandardCharsets.UTF_8);
        } finally {
            bash.destroyForcibly();
            // background jobs (tern, smtp-sink) outlive the shell: let Tern finish its graceful stop
            // (the README's last command sends it SIGTERM), then stop whatever is left
            List<ProcessHandle> left = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().orElse("").contains(copy.toString())
                            || p.info()
                                    .commandLine()
                                    .orElse("")
                                    .contains("smtp-sink -u nobody " + ports.get("127.0.0.1:2526")))
                    .toList();
            for (ProcessHandle p : left) {
                p.destroy();
                try {
                    p.onExit().get(20, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    p.destroyForcibly();
                }
            }
        }
        String tern = Files.exists(copy.resolve("tern.log")) ? Files.readString(copy.resolve("tern.log")) : "";
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            Matcher m = Pattern.compile("(?s)@@@BEGIN " + i + "\n(.*?)@@@END " + i + " (\\d+)\n")
                    .matcher(out);
            assertThat(m.find())
                    .as("step %d ran: %s%nscript output:%n%s%ntern.log:%n%s", i, step.command(), out, tern)
                    .isTrue();
            String got = m.group(1);
            assertThat(m.group(2))
                    .as("exit status of: %s%n%s%ntern.log:%n%s", step.command(), got, tern)
                    .isEqualTo("0");
            List<String> expected =
                    step.expected().stream().map(l -> ports(l, ports)).toList();
            assertThat(matches(expected, got.lines().toList()))
                    .as("output of: %s%nexpected:%n%s%ngot:%n%s", step.command(), String.join("\n", expected), got)
                    .isTrue();
        }
    }

    /** The commands and expected output of the first console block under "## Quick start". */
    static List<Step> steps(String readme) {
        int section = readme.indexOf("\n## Quick start");
        assertThat(section).as("README has a Quick start section").isGreaterThanOrEqualTo(0);
        int start = readme.indexOf("```console\n", section);
        int end = readme.indexOf("\n```", start + 1);
        assertThat(start).as("Quick start has a console block").isGreaterThan(section);
        List<Step> steps = new ArrayList<>();
        for (String line :
                readme.substring(start + "```console\n".length(), end).split("\n")) {
            if (line.startsWith("$ ")) steps.add(new Step(line.substring(2), new ArrayList<>()));
            else if (!steps.isEmpty()) steps.get(steps.size() - 1).expected().add(line);
        }
        return steps;
    }

    /** Each expected line ("..." = any text) matches an output line, in order. */
    static boolean matches(List<String> expected, List<String> lines) {
        int at = 0;
        for (String e : expected) {
            if (e.strip().equals("...")) continue;
            StringBuilder re = new StringBuilder();
            String[] parts = e.stripTrailing().split("\\.\\.\\.", -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) re.append(".*");
                re.append(Pattern.quote(parts[i]));
            }
            Pattern p = Pattern.compile(re.toString());
            while (at < lines.size()
                    && !p.matcher(lines.get(at).stripTrailing()).matches()) at++;
            if (at == lines.size()) return false;
            at++;
        }
        return true;
    }

    private void freshCopy(Map<String, String> ports) throws IOException {
        Files.createDirectories(copy.resolve("config"));
        try (var files = Files.list(ROOT.resolve("config"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.writeString(copy.resolve("config").resolve(f.getFileName()), ports(Files.readString(f), ports));
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Path bin = Files.createDirectories(copy.resolve("bin")).resolve("tern");
        Files.writeString(bin, """
        #!/bin/sh
        # the launcher of this fresh copy: this build's classes, in the caller's directory
        exec '%s' -Dtern.quickstart.copy='%s' -Xmx256m --enable-native-access=ALL-UNNAMED -XX:+IgnoreUnrecognizedVMOptions \
          --sun-misc-unsafe-memory-access=allow -cp '%s' dev.tern.core.cli.Main "$@"
        """.formatted(java, copy, System.getProperty("java.class.path")));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String ports(String text, Map<String, String> ports) {
        for (var e : ports.entrySet()) text = text.replace(e.getKey(), e.getValue());
        return text;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return Files.isExecutable(Path.of("/usr/bin", tool));
    }
}
