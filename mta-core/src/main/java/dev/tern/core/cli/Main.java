package dev.tern.core.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tern} command line. */
@Command(
        name = "tern",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Tern, a high-throughput outbound mail transfer agent.",
        subcommands = {
            RunCommand.class,
            ConfigCommand.class,
            VersionCommand.class,
            BouncesCommand.class,
            QueuesCommand.class,
            ShowCommand.class,
            SuspendCommand.class,
            ResumeCommand.class,
            HoldsCommand.class,
            BounceCommand.class,
            RetryCommand.class,
            ReloadCommand.class,
            SuppressionCommand.class,
            CampaignsCommand.class,
            TopCommand.class,
            AuthCommand.class,
            CheckCommand.class,
            DrainCommand.class,
            SpoolCommand.class,
            TlsReportCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        dev.tern.core.inject.tls.ServerTls.refuseClientRenegotiation(); // before any TLS handshake of the JVM
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand registered; each one takes {@code -h}/{@code --help}. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        addHelp(cl);
        return cl;
    }

    private static void addHelp(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (spec.optionsMap().get("--help") == null) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help")
                    .usageHelp(true)
                    .description("Show this help message and exit.")
                    .build());
        }
        for (CommandLine sub : cl.getSubcommands().values()) addHelp(sub);
    }
}
