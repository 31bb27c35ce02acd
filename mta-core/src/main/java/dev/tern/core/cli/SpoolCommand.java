package dev.tern.core.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.TernConfig;
import dev.tern.core.transfer.SpoolExport;
import dev.tern.core.transfer.TransferException;
import dev.tern.queue.Spool;
import dev.tern.queue.SpoolException;
import dev.tern.queue.SpoolSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tern spool export|import}: hands a drained node's queue to another node. */
@Command(
        name = "spool",
        description = "Move queued messages between nodes: export (from a stopped node's spool), import (into a"
                + " running node).",
        subcommands = {SpoolCommand.Export.class, SpoolCommand.Import.class})
final class SpoolCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Writes every queued message of the spool of {@code --config} to DIR (checksummed, manifest
     * last) and then removes them from the spool. The node must be stopped (its spool is locked
     * while it runs): {@code tern drain --wait}, stop it, then export. Exit 0 on success, 1 when the
     * spool cannot be opened or the export fails, 2 for a bad configuration.
     */
    @Command(
            name = "export",
            description = "Export the queued messages of a STOPPED node's spool to DIR, then remove them from that"
                    + " spool (run tern drain first).")
    static final class Export implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(
                names = {"-c", "--config"},
                paramLabel = "FILE",
                description = "the node's configuration (default: config/tern.yaml)")
        Path config;

        @Parameters(paramLabel = "DIR", description = "new (or empty) directory to write the export to")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            TernConfig cfg;
            try {
                Path file = config != null ? config : Path.of("config/tern.yaml");
                cfg = config != null || Files.exists(file) ? ConfigLoader.load(file) : TernConfig.defaults();
            } catch (ConfigException e) {
                err.println("tern spool export: " + e.getMessage());
                err.flush();
                return 2;
            }
            String node = cfg.fleet() != null && !cfg.fleet().nodeId().isEmpty()
                    ? cfg.fleet().nodeId()
                    : cfg.server().hostname();
            try (Spool spool =
                    Spool.open(SpoolSettings.defaults(cfg.spool().directory()).withMinFreeDiskBytes(0))) {
                SpoolExport.Result r = SpoolExport.run(spool, dir, node, Clock.systemUTC());
                out.printf(
                        "exported %d messages (%d recipients, %d bytes) to %s; removed %d queue entries from %s%n",
                        r.messages(),
                        r.recipients(),
                        r.bodyBytes(),
                        dir.toAbsolutePath(),
                        r.entriesRemoved(),
                        cfg.spool().directory());
                out.println("import it on another node: tern spool import " + dir.toAbsolutePath() + " --url ...");
                out.flush();
                return 0;
            } catch (SpoolException e) {
                err.println("tern spool export: cannot open the spool (is the node still running? stop it first): "
                        + e.getMessage());
            } catch (TransferException | IOException e) {
                err.println("tern spool export: " + e.getMessage());
            }
            err.flush();
            return 1;
        }
    }

    /** Queues an export on a running node through its admin API (the node reads DIR itself). */
    @Command(
            name = "import",
            description = "Queue the messages of an export DIR on a running node (the node reads DIR: same host or a"
                    + " shared file system).")
    static final class Import extends ApiCommand {
        @Parameters(paramLabel = "DIR", description = "directory written by tern spool export")
        Path dir;

        @Option(names = "--force", description = "import even if DIR was imported before (queues its messages again)")
        boolean force;

        @Override
        void run(AdminClient client, PrintWriter out) throws AdminClient.Failure {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("path", dir.toAbsolutePath().normalize().toString());
            body.put("force", force);
            JsonNode r = client.post("/api/v1/spool/import", body);
            if (printedJson(r, out)) return;
            out.printf(
                    "queued %d messages (%d recipients) from %s; %d were already queued here%n",
                    r.get("messages").asLong(),
                    r.get("recipients").asLong(),
                    dir,
                    r.get("already_queued").asLong());
        }
    }
}
