package dev.tern.core.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tern version}: prints Tern's and the JVM's versions. */
@Command(name = "version", description = "Print the Tern version.")
public final class VersionCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println(version());
        return 0;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return "tern " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ", "
                + System.getProperty("java.vm.vendor") + ")";
    }

    /** Supplies {@code tern --version}. */
    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {version()};
        }
    }
}
