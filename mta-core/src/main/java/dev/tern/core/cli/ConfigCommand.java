package dev.tern.core.cli;

import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.ConfigYaml;
import dev.tern.core.config.TernConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tern config check FILE}: validates a configuration and names every wrong key; {@code tern
 * config show [--effective] [FILE]}: prints it as commented YAML.
 */
@Command(
        name = "config",
        description = "Configuration tools.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class})
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

    @Command(
            name = "show",
            description = "Print a configuration as commented YAML: the keys it changes from the defaults, or"
                    + " with --effective every key with the value Tern uses. Secrets are shown as "
                    + ConfigYaml.HIDDEN + ".")
    static final class Show implements Callable<Integer> {
        @Parameters(
                paramLabel = "FILE",
                arity = "0..1",
                description = "the configuration file (default: config/tern.yaml if present, else the built-in"
                        + " defaults)")
        Path file;

        @Option(
                names = {"-c", "--config"},
                paramLabel = "FILE",
                description = "same as FILE")
        Path config;

        @Option(names = "--effective", description = "every key, defaults included")
        boolean effective;

        @Override
        public Integer call() {
            Path f = file != null ? file : config;
            TernConfig cfg;
            try {
                if (f == null) {
                    Path shipped = Path.of("config/tern.yaml");
                    cfg = Files.exists(shipped) ? ConfigLoader.load(shipped) : TernConfig.defaults();
                } else {
                    cfg = ConfigLoader.load(f);
                }
            } catch (ConfigException e) {
                System.err.println("tern config show: " + e.getMessage());
                return 2;
            }
            System.out.print(ConfigYaml.render(cfg, effective));
            System.out.flush();
            return 0;
        }
    }
}
