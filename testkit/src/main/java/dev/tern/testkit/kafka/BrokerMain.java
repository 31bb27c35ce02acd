package dev.tern.testkit.kafka;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child JVM's entry point of {@link KafkaBroker}: formats the KRaft storage on the first start
 * (standalone controller quorum), then runs the broker; one JVM start instead of two. Kafka is
 * called by reflection: it is on the child's classpath only.
 */
public final class BrokerMain {
    private BrokerMain() {}

    /** Arguments: the server.properties file, the cluster id, the data directory. */
    public static void main(String[] args) throws Throwable {
        try {
            if (!Files.exists(Path.of(args[2], "meta.properties"))) {
                int rc = (int) Class.forName("kafka.tools.StorageTool")
                        .getMethod("execute", String[].class, PrintStream.class)
                        .invoke(
                                null,
                                new String[] {"format", "-t", args[1], "-c", args[0], "--standalone"},
                                System.out);
                if (rc != 0) {
                    System.err.println("formatting the Kafka storage failed: " + rc);
                    System.exit(rc);
                }
            }
            Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object)
                    new String[] {args[0]});
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
