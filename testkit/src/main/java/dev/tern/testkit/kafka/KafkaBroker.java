package dev.tern.testkit.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Kafka broker for tests: one node in KRaft mode (broker and controller in one
 * process), run in a child JVM from the Kafka jars on Maven Central (the classpath is resolved at
 * build time into the resource {@code broker.classpath}), listening on loopback, with its data
 * under a directory the test owns. {@link #stop()} kills it; {@link #start()} again brings it back
 * on the same ports with the same data (a broker restart).
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String classpath;
    private final String clusterId = clusterId();
    private volatile Process process;
    private boolean hookAdded;

    private KafkaBroker(Path dir) throws IOException {
        this.dir = dir;
        this.port = freePort();
        this.controllerPort = freePort();
        this.classpath = classpath();
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("server.properties"), properties(), StandardCharsets.UTF_8);
    }

    /** Starts a fresh broker under {@code dir} (formatted on first start); returns once its listener accepts connections. */
    public static KafkaBroker start(Path dir) throws IOException {
        KafkaBroker b = create(dir);
        b.start();
        return b;
    }

    /** A broker under {@code dir} with its ports chosen ({@link #bootstrap()} is known), not started yet. */
    public static KafkaBroker create(Path dir) throws IOException {
        return new KafkaBroker(dir);
    }

    /** {@code 127.0.0.1:port} for {@code bootstrap.servers}. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts (or restarts) the broker process on its ports and data; waits until it listens. */
    public synchronized void start() throws IOException {
        if (running()) return;
        process = java(
                BrokerMain.class.getName(),
                dir.resolve("server.properties").toString(),
                clusterId,
                dir.resolve("data").toString());
        Process started = process;
        if (!hookAdded) {
            hookAdded = true; // a test JVM that exits early does not leave a broker behind
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Process p = this.process;
                if (p != null) p.destroyForcibly();
            }));
        }
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!started.isAlive())
                throw new IOException("the Kafka broker exited with " + started.exitValue() + "; the end of " + log()
                        + ":\n" + logTail(40));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        stop();
        throw new IOException("the Kafka broker did not listen within " + STARTUP + "; see " + log());
    }

    /** Kills the broker (no clean shutdown) and waits for the process to end; the data stays. */
    public synchronized void stop() {
        if (process == null) return;
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private Path log() {
        return dir.resolve("broker.log");
    }

    /** The last lines of the broker's log (the test's temporary directory is gone once it fails). */
    private String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, never starting with '-'
     * (`kafka-storage format --cluster-id -x...` takes such an id for an option and fails, one start
     * in 64; Kafka's own {@code Uuid.randomUuid()} skips those ids too).
     */
    static String clusterId() {
        while (true) {
            UUID u = UUID.randomUUID();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
            b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
            String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
            if (!id.startsWith("-")) return id;
        }
    }

    private Process java(String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // small and quick to start: the tests send a few thousand records
        cmd.addAll(List.of(
                "-Xms64m",
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-Djava.awt.headless=true",
                "-cp",
                classpath,
                mainClass));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
    }

    private String properties() {
        String data = dir.resolve("data").toAbsolutePath().toString().replace("\\", "/");
        return """
                process.roles=broker,controller
                node.id=1
                controller.quorum.bootstrap.servers=127.0.0.1:%2$d
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                inter.broker.listener.name=PLAINTEXT
                log.dirs=%3$s
                num.partitions=3
                auto.create.topics.enable=true
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                log.flush.interval.messages=1
                num.network.threads=2
                num.io.threads=2
                background.threads=2
                """.formatted(port, controllerPort, data);
    }

    /**
     * The broker's classpath: the resolved Kafka jars, the SLF4J API this JVM has (a compile
     * dependency of testkit, so not in the provided list) and testkit itself ({@link BrokerMain}).
     */
    private static String classpath() throws IOException {
        try (InputStream in = KafkaBroker.class.getResourceAsStream("broker.classpath")) {
            if (in == null)
                throw new IOException(
                        "testkit resource dev/tern/testkit/kafka/broker.classpath is missing: build testkit"
                                + " with Maven (maven-dependency-plugin writes it)");
            String cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            try {
                Path slf4j = Path.of(org.slf4j.Logger.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
                Path self = Path.of(KafkaBroker.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
                cp = cp + java.io.File.pathSeparator + slf4j + java.io.File.pathSeparator + self;
            } catch (java.net.URISyntaxException | RuntimeException e) {
                throw new IOException("cannot locate the SLF4J API jar: " + e, e);
            }
            return cp;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
