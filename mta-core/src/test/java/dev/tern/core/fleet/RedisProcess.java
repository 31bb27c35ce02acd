package dev.tern.core.fleet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian package, installed by scripts/install-test-tools.sh) run by a
 * test on a loopback port with its own temporary directory and no persistence; {@link #kill} and
 * {@link #restart} (same port, empty data) simulate an outage. A missing redis-server fails the
 * test: the fleet tests are never skipped.
 */
final class RedisProcess implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/redis-server");

    private final Path dir;
    private final int port;
    private Process process;

    private RedisProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static RedisProcess start(Path dir) throws IOException {
        if (!Files.isExecutable(BINARY))
            throw new AssertionError(
                    "redis-server is not installed at " + BINARY
                            + ": run scripts/install-test-tools.sh as root (bin/tern test does), or apt-get install redis-server");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisProcess r = new RedisProcess(Files.createDirectories(dir), port);
        r.launch();
        return r;
    }

    int port() {
        return port;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(List.of(
                        BINARY.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString(),
                        "--daemonize",
                        "no",
                        "--protected-mode",
                        "yes"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive())
                throw new IOException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
            try {
                if ("+PONG".equals(command("PING"))) return;
            } catch (IOException e) {
                // not listening yet
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("redis-server did not answer PING on port " + port);
    }

    /** Sends one inline command and returns the first reply line (for checks from the test). */
    String command(String line) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') if (c != '\r') sb.append((char) c);
            return sb.toString();
        }
    }

    /** The text of {@code INFO section} (a bulk reply), e.g. "commandstats". */
    String info(String section) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            s.getOutputStream().write(("INFO " + section + "\r\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            StringBuilder header = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') if (c != '\r') header.append((char) c);
            byte[] body = new byte[Integer.parseInt(header.substring(1))];
            in.readFully(body);
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Kills the server at once (SIGKILL): every connection drops, nothing is saved. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts the server again on the same port, empty. */
    void restart() throws IOException {
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) kill();
    }
}
