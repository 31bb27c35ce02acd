package dev.tern.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.server.TernServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** First start: the generated admin token file, the CLI finding it, config errors, --help everywhere. */
class FirstRunTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run tern(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private String config(int adminPort) {
        return """
        server: { hostname: tern.test }
        spool: { directory: "%s", min_free_disk: 1MiB }
        injection: { listen: 127.0.0.1:0, tls: { certificate: "%s", private_key: "%s" } }
        admin: { listen: 127.0.0.1:%d, token_file: "%s" }
        events: { log: "%s" }
        """.formatted(
                        dir.resolve("spool"),
                        dir.resolve("tls/cert.pem"),
                        dir.resolve("tls/key.pem"),
                        adminPort,
                        dir.resolve("data/admin.token"),
                        dir.resolve("events.jsonl"));
    }

    @Test
    void aFreshStartGeneratesAPrivateTokenFileThatTheCliUses() throws Exception {
        Path tokenFile = dir.resolve("data/admin.token");
        Path cfgFile = Files.writeString(dir.resolve("tern.yaml"), config(0));
        TernConfig cfg = ConfigLoader.load(cfgFile);
        String token;
        try (TernServer tern = TernServer.start(cfg, Clock.systemUTC(), cfgFile)) {
            assertThat(tokenFile).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
                    .isEqualTo("rw-------");
            token = Files.readString(tokenFile).strip();
            assertThat(token).hasSizeGreaterThanOrEqualTo(40);
            int port = tern.adminAddress().getPort();
            // the CLI: no --token, no --url: both from the configuration and its token file
            Path cliCfg = Files.writeString(dir.resolve("cli.yaml"), config(port));
            Run r = tern("queues", "-c", cliCfg.toString());
            assertThat(r.err()).isEmpty();
            assertThat(r.exit()).isZero();
            // the API needs that token; /metrics stays open on loopback
            assertThat(get(port, "/api/v1/queues", null)).isEqualTo(401);
            assertThat(get(port, "/api/v1/queues", "wrong")).isEqualTo(401);
            assertThat(get(port, "/api/v1/queues", token)).isEqualTo(200);
            assertThat(get(port, "/metrics", null)).isEqualTo(200);
            // a reload keeps the file's token
            Run reload = tern("reload", "-c", cliCfg.toString());
            assertThat(reload.exit()).as(reload.err()).isZero();
            assertThat(reload.out()).contains("admin.token: unchanged");
            assertThat(get(port, "/api/v1/queues", token)).isEqualTo(200);
        }
        // a restart reads the same token
        try (TernServer tern = TernServer.start(cfg, Clock.systemUTC(), cfgFile)) {
            assertThat(Files.readString(tokenFile).strip()).isEqualTo(token);
            assertThat(get(tern.adminAddress().getPort(), "/api/v1/queues", token))
                    .isEqualTo(200);
        }
    }

    @Test
    void aMissingConfigFileIsAnErrorForEveryCommand() {
        String missing = dir.resolve("nonexistent.yaml").toString();
        for (String[] args : List.of(
                new String[] {"queues", "-c", missing},
                new String[] {"reload", "--config", missing},
                new String[] {"top", "--once", "-c", missing},
                new String[] {"suppression", "list", "-c", missing})) {
            Run r = tern(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).contains(missing).contains("file not found");
        }
        Run run = tern("run", "-c", missing);
        assertThat(run.exit()).isEqualTo(2);
        Run show = tern("config", "show", missing);
        assertThat(show.exit()).isEqualTo(2);
    }

    @Test
    void everySubcommandTakesHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(15);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            StringWriter out = new StringWriter(), err = new StringWriter();
            java.io.PrintStream old = System.out;
            java.io.ByteArrayOutputStream sys = new java.io.ByteArrayOutputStream();
            System.setOut(new java.io.PrintStream(sys, true));
            int exit;
            try {
                CommandLine cl = Main.commandLine();
                cl.setOut(new PrintWriter(out, true));
                cl.setErr(new PrintWriter(err, true));
                exit = cl.execute(args.toArray(String[]::new));
            } finally {
                System.setOut(old);
            }
            assertThat(err.toString()).as("%s", args).doesNotContain("Unknown option");
            assertThat(exit).as("%s", args).isZero();
            assertThat(out + sys.toString()).as("%s", args).contains("Usage:");
        }
    }

    private static void collect(CommandLine cl, List<String> prefix, List<List<String>> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            List<String> p = new ArrayList<>(prefix);
            p.add(e.getKey());
            out.add(p);
            collect(e.getValue(), p, out);
        }
    }

    private static int get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient()
                .send(b.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
