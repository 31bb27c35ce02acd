package dev.tern.queue;

import static dev.tern.queue.Messages.body;
import static dev.tern.queue.Messages.entries;
import static dev.tern.queue.Messages.envelope;
import static dev.tern.queue.Messages.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool reuses obsolete WAL files ({@code recycle_log_file_num}): a reused file is overwritten
 * from its start and still holds records of its previous life past the new ones. A crash image
 * taken after synced writes into a reused file (a copy of the live directory: what a killed
 * process leaves) must reopen with every one of them and nothing of the file's old content.
 */
class WalRecycleTest {
    @TempDir
    Path dir;

    @Test
    void syncedWritesIntoARecycledWalFileSurviveACrash() throws Exception {
        Path live = dir.resolve("live");
        Path image = dir.resolve("image");
        Map<Long, WalFile> seen = new HashMap<>(); // every WAL file seen, by inode
        List<String> stored = new ArrayList<>();
        boolean recycled = false;
        try (Spool spool = Spool.open(settings(live))) {
            int n = 0;
            for (int round = 0; round < 4 && !recycled; round++) {
                // larger rounds first: a reused file's old records lie past the new ones
                int count = round == 0 ? 400 : 40;
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    Envelope env = envelope("m" + n++);
                    writes.add(spool.store(env, bigBody(env.messageId()), entries(env, 10, "a.example")));
                    stored.add(env.messageId());
                }
                writes.forEach(CompletableFuture::join);
                for (Map.Entry<Long, WalFile> f : walFiles(live).entrySet()) {
                    WalFile before = seen.put(f.getKey(), f.getValue());
                    // reused: the same file under a new number, still as long as in its previous life
                    // (a new file that merely got a freed inode number holds only this round's writes)
                    if (before != null
                            && !before.name().equals(f.getValue().name())
                            && f.getValue().size() >= before.size()
                            && before.size() > 2L * count * 8192) recycled = true;
                }
                if (!recycled) spool.flushMemtables(); // the WAL switches; the old file becomes obsolete
            }
            assertThat(recycled).as("a WAL file was reused under a new number").isTrue();
            // one more synced write into the reused file, then the crash image
            Envelope env = envelope("last");
            spool.store(env, bigBody("last"), entries(env, 10, "a.example")).join();
            stored.add("last");
            copy(live, image);
        }
        try (Spool spool = Spool.open(settings(image))) {
            Set<String> found = new HashSet<>();
            spool.forEachEntry(e -> found.add(e.messageId()));
            assertThat(found).containsExactlyInAnyOrderElementsOf(stored);
            for (String id : stored)
                assertThat(spool.body(id)).as("body of %s", id).hasValue(bigBody(id));
            assertThat(spool.stats().messages()).isEqualTo(stored.size());
        }
    }

    private static byte[] bigBody(String id) {
        byte[] head = body(id);
        byte[] b = new byte[8192];
        for (int i = 0; i < b.length; i++) b[i] = head[i % head.length];
        return b;
    }

    private record WalFile(String name, long size) {}

    /** The WAL files of a RocksDB directory, by inode. */
    private static Map<Long, WalFile> walFiles(Path db) throws IOException {
        Map<Long, WalFile> out = new HashMap<>();
        try (Stream<Path> s = Files.list(db)) {
            for (Path p :
                    s.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                out.put(
                        (Long) Files.getAttribute(p, "unix:ino"),
                        new WalFile(p.getFileName().toString(), Files.size(p)));
            }
        }
        return out;
    }

    /** Copies a live spool directory file by file, as a crash would leave it (no flush, no close). */
    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else if (!p.getFileName().toString().equals("LOCK")) Files.copy(p, t);
            }
        }
    }
}
