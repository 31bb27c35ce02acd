package dev.tern.core.cli;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tern config check FILE}: validates a configuration and names every wrong key. */
@Command(name = "config", description = "Configuration tools.", subcommands = ConfigCommand.Check.class)
public final class ConfigCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(
            name = "check",
            description = "Validate a configuration file; exit 1 and list every problem if it is not valid.")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the configuration file (YAML)")
        Path file;

        @Override
        public Integer call() {
            try {
                ConfigLoader.load(file);
                System.out.println(file + ": OK");
                return 0;
            } catch (ConfigException e) {
                System.err.println(file + ": " + e.problems().size() + " problem(s):");
                for (String p : e.problems()) System.err.println("  " + p);
                return 1;
            }
        }
    }
}
