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
            BounceCommand.class,
            RetryCommand.class,
            ReloadCommand.class,
            SuppressionCommand.class,
            CampaignsCommand.class,
            TopCommand.class,
            AuthCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand registered. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }
}
