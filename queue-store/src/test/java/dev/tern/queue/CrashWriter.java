package dev.tern.queue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Child JVM of {@link SpoolCrashTest}: writes to the spool as fast as it can and appends a
 * line to the ack file for every write whose future completed ("S id" stored, "C id domain"
 * completed, "U id domain" updated; "c id domain" just before a complete is requested) until it is killed with SIGKILL.
 * Memtables are flushed every 150 ms, so WAL files switch and are reused meanwhile.
 */
public final class CrashWriter {
    private CrashWriter() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String prefix = args[2];
        try (OutputStream ack = new FileOutputStream(args[1], true)) {
            Spool spool = Spool.open(Messages.settings(dir));
            log(ack, "R " + spool.recoveredCount());
            for (int w = 0; w < 8; w++) {
                int writer = w;
                Thread.ofPlatform().daemon().start(() -> {
                    for (long i = 0; ; i++) {
                        String id = prefix + "-" + writer + "-" + i;
                        Envelope env = Messages.envelope(id);
                        spool.store(
                                        env,
                                        Messages.body(id),
                                        Messages.entries(env, System.currentTimeMillis(), domains(id)))
                                .join();
                        log(ack, "S " + id);
                    }
                });
            }
            // Memtables are flushed now and then, so the WAL switches files and obsolete WAL files are
            // reused (recycle_log_file_num) while writes go on: the kill can land in a reused file.
            Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    try {
                        Thread.sleep(150);
                        spool.flushMemtables();
                    } catch (InterruptedException | RuntimeException e) {
                        return;
                    }
                }
            });
            // One consumer: completes, reschedules or keeps leased what is due.
            while (true) {
                List<QueueEntry> due = spool.due(System.currentTimeMillis(), 20);
                for (QueueEntry e : due) {
                    int dice = ThreadLocalRandom.current().nextInt(3);
                    if (dice == 0) {
                        log(ack, "c " + e.messageId() + " " + e.domain()); // intent: the entry may vanish from here on
                        spool.complete(e).join();
                        log(ack, "C " + e.messageId() + " " + e.domain());
                    } else if (dice == 1) {
                        spool.update(e.rescheduled(System.currentTimeMillis() + 50, true))
                                .join();
                        log(ack, "U " + e.messageId() + " " + e.domain());
                    } // else: stays leased (in flight when the kill comes)
                }
                if (due.isEmpty()) Thread.sleep(5);
            }
        }
    }

    /**
     * The domains of a message: writers with an odd number store one entry per message (a completion
     * that needs no read), the others two (a completion that looks for the message's other entry).
     */
    static String[] domains(String id) {
        int writer = Integer.parseInt(id.split("-")[1]);
        return writer % 2 == 1 ? new String[] {"a.example"} : new String[] {"a.example", "b.example"};
    }

    private static void log(OutputStream out, String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            try {
                out.write(b); // one write(2) per line: in the kernel before the next write starts
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
