package dev.tern.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * CPU per message and stage of Tern's message path, from JFR CPU-time samples
 * ({@code jdk.CPUTimeSample}, JDK 25: every sample stands for the same amount of a thread's CPU
 * time, user and kernel, so the shares do not depend on how busy the machine was) and the JVM's
 * per-thread CPU from {@code /proc} ({@code thread-cpu.py diff} output).
 *
 * <pre>
 * bench main dev.tern.bench.report.CpuBudget --messages N [--threads threads-1.txt ...] run-1.jfr [run-2.jfr ...]
 * </pre>
 *
 * Each sample goes to the stage of the innermost frame of its stack that a rule knows (JDK frames
 * are skipped, except socket system calls and thread parking, which take the stage of their caller's
 * side: injection or delivery). Java threads' CPU (total of the {@code --threads} file minus the
 * threads JFR does not sample: GC, JIT compilers, RocksDB's own) is divided by the shares; those
 * other threads are rows of their own. Without {@code --threads}, µs come from the sample count
 * times the sampling period.
 */
public final class CpuBudget {
    private CpuBudget() {}

    /** A stage and the frame prefixes that put a sample in it. */
    record Rule(String stage, String... prefixes) {}

    static final String SESSION_IO = "session I/O (injection sockets, incl. kernel)";
    static final String OUTBOUND = "outbound SMTP (Netty client, incl. kernel)";
    static final String HANDOFF_IN = "thread hand-offs, injection side (park/unpark, virtual threads)";
    static final String HANDOFF_OUT = "thread hand-offs, delivery side";

    /** Innermost matching frame decides; order only matters between overlapping prefixes. */
    static final List<Rule> RULES = List.of(
            new Rule("DKIM signature (key operation)", "dev.tern.dkim.DkimKey.sign", "dev.tern.dkim.DkimKey.rsaSign"),
            new Rule("DKIM body hash (canonicalize + SHA-256)", "dev.tern.dkim.BodyHasher"),
            new Rule(
                    "header work (DKIM header hash, splitter, Tern headers)",
                    "dev.tern.dkim.",
                    "dev.tern.core.inject.HeaderBlock",
                    "dev.tern.core.inject.MessageIds"),
            new Rule(
                    "DATA read (dot-unstuffing, body buffer)",
                    "dev.tern.core.inject.DataReader",
                    "dev.tern.core.inject.SpooledTail",
                    "dev.tern.core.inject.MemoryBudget"),
            new Rule("spool write + sync (RocksDB, WAL fsync)", "dev.tern.queue.", "org.rocksdb."),
            new Rule("event log (JSON lines, bus)", "dev.tern.core.events.", "com.fasterxml."),
            new Rule("metrics", "io.micrometer.", "dev.tern.core.metrics.", "dev.tern.core.telemetry."),
            new Rule(OUTBOUND, "dev.tern.core.delivery.smtp.", "io.netty."),
            new Rule(
                    "scheduling (queue manager, dispatch, outcome)",
                    "dev.tern.core.delivery.",
                    "dev.tern.core.shaping.",
                    "dev.tern.core.dns.",
                    "dev.tern.core.server.WakeOnReception"),
            new Rule(
                    "command parsing + replies (SubEthaSMTP, session policy)",
                    "org.subethamail.",
                    "dev.tern.core.inject.",
                    "dev.tern.core.feedback."),
            new Rule("other Tern", "dev.tern."));

    private static final String[] SOCKET = {
        "sun.nio.ch.SocketDispatcher", "sun.nio.ch.Net.", "sun.nio.ch.EPoll", "sun.nio.ch.NioSocketImpl",
        "sun.nio.ch.SocketChannelImpl", "sun.nio.ch.EventFD", "sun.nio.ch.SelectorImpl", "java.net.Socket"
    };
    private static final String[] PARK = {
        "jdk.internal.misc.Unsafe.park", "jdk.internal.misc.Unsafe.unpark", "java.lang.VirtualThread",
        "java.util.concurrent.ForkJoinPool", "java.util.concurrent.locks.", "java.lang.Thread.yield",
        "jdk.internal.vm.Continuation"
    };

    public static void main(String[] argv) throws IOException {
        long messages = 0;
        List<Path> threads = new ArrayList<>();
        int detail = 0;
        List<Path> recordings = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--messages" -> messages = Long.parseLong(argv[++i]);
                case "--threads" -> threads.add(Path.of(argv[++i]));
                case "--detail" -> detail = Integer.parseInt(argv[++i]);
                default -> recordings.add(Path.of(argv[i]));
            }
        }
        if (messages <= 0 || recordings.isEmpty()) {
            System.err.println("usage: CpuBudget --messages N [--threads thread-cpu.txt] RECORDING.jfr ...");
            System.exit(2);
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Map<String, Long>> frames = new LinkedHashMap<>();
        long samples = 0;
        double periodMs = 0;
        String event = "jdk.CPUTimeSample";
        for (Path p : recordings) {
            for (RecordedEvent e : RecordingFile.readAllEvents(p)) {
                if (!e.getEventType().getName().equals(event)) continue;
                String stage = classify(e.getStackTrace(), threadName(e.getThread("eventThread")));
                counts.merge(stage, 1L, Long::sum);
                if (detail > 0
                        && e.getStackTrace() != null
                        && !e.getStackTrace().getFrames().isEmpty()) {
                    List<RecordedFrame> fr = e.getStackTrace().getFrames();
                    String top = frameName(fr.get(0));
                    String caller = fr.stream()
                            .map(CpuBudget::frameName)
                            .filter(f -> f.startsWith("dev.tern."))
                            .findFirst()
                            .orElse("-");
                    frames.computeIfAbsent(stage, k -> new LinkedHashMap<>())
                            .merge(top + "  <-  " + caller, 1L, Long::sum);
                }
                samples++;
            }
        }
        if (samples == 0) {
            System.err.println("no jdk.CPUTimeSample events (JDK 25+, enabled in the recording's settings)");
            System.exit(1);
        }
        periodMs = 1.0; // the recordings of cpu-budget.sh sample every 1 ms of thread CPU time
        Map<String, Double> other = new LinkedHashMap<>();
        double javaCpuS = samples * periodMs / 1000.0;
        double totalCpuS = javaCpuS;
        double sysS = Double.NaN;
        if (!threads.isEmpty()) {
            totalCpuS = 0;
            sysS = 0;
            for (Path tp : threads) {
                ThreadCpu t = ThreadCpu.parse(Files.readAllLines(tp));
                t.unsampled().forEach((k, v) -> other.merge(k, v, Double::sum));
                totalCpuS += t.total();
                sysS += t.sys();
            }
            javaCpuS = totalCpuS
                    - other.values().stream().mapToDouble(Double::doubleValue).sum();
        }
        double perMsgUs = 1e6 / messages;
        List<Map.Entry<String, Long>> rows = new ArrayList<>(counts.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "CPU per message by stage: %d messages, %d CPU-time samples, JVM CPU %.2f s (%.0f µs/msg)%s%n%n",
                messages,
                samples,
                totalCpuS,
                totalCpuS * perMsgUs,
                Double.isNaN(sysS)
                        ? ""
                        : String.format(Locale.ROOT, ", of which kernel (system time) %.0f µs/msg", sysS * perMsgUs)));
        out.append("| stage | share of JVM CPU | µs CPU per message |\n| --- | --- | --- |\n");
        for (var r : rows) {
            double share = (double) r.getValue() / samples * javaCpuS / totalCpuS;
            out.append(String.format(
                    Locale.ROOT, "| %s | %.1f %% | %.0f |%n", r.getKey(), 100 * share, share * totalCpuS * perMsgUs));
        }
        for (var o : other.entrySet()) {
            if (o.getValue() <= 0) continue;
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %.1f %% | %.0f |%n",
                    o.getKey(),
                    100 * o.getValue() / totalCpuS,
                    o.getValue() * perMsgUs));
        }
        out.append(String.format(Locale.ROOT, "| **total** | 100 %% | **%.0f** |%n", totalCpuS * perMsgUs));
        System.out.print(out);
        if (detail > 0) {
            System.out.println("\ntop frames by stage (innermost frame  <-  first Tern/library frame):");
            for (var r : rows) {
                System.out.printf(Locale.ROOT, "%s (%d samples)%n", r.getKey(), r.getValue());
                frames.getOrDefault(r.getKey(), Map.of()).entrySet().stream()
                        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                        .limit(detail)
                        .forEach(f -> System.out.printf(Locale.ROOT, "    %5d  %s%n", f.getValue(), f.getKey()));
            }
        }
    }

    private static String frameName(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String threadName(RecordedThread t) {
        if (t == null) return "";
        String n = t.getJavaName();
        return n == null ? (t.getOSName() == null ? "" : t.getOSName()) : n;
    }

    /** The stage of one sample. */
    static String classify(RecordedStackTrace stack, String thread) {
        if (stack == null) return "unknown (no stack)";
        List<RecordedFrame> frames = stack.getFrames();
        List<String> names = new ArrayList<>(frames.size());
        for (RecordedFrame f : frames) {
            names.add(f.getMethod().getType().getName() + "." + f.getMethod().getName());
        }
        return classify(names, thread);
    }

    /** The stage of a stack given as "class.method" names, innermost first. */
    static String classify(List<String> frames, String thread) {
        boolean delivery = thread.contains("delivery")
                || thread.contains("epoll")
                || thread.contains("EventLoop")
                || frames.stream().anyMatch(f -> f.startsWith("dev.tern.core.delivery.") || f.startsWith("io.netty."));
        for (String f : frames) {
            if (startsWithAny(f, PARK)) return delivery ? HANDOFF_OUT : HANDOFF_IN;
            if (startsWithAny(f, SOCKET)) return delivery ? OUTBOUND : SESSION_IO;
            for (Rule r : RULES) {
                if (startsWithAny(f, r.prefixes())) return r.stage();
            }
        }
        if (thread.startsWith("tern-spool")) return "spool write + sync (RocksDB, WAL fsync)";
        return "JDK / other (" + (frames.isEmpty() ? "?" : shortName(frames.get(frames.size() - 1))) + ")";
    }

    private static String shortName(String frame) {
        int dot = frame.lastIndexOf('.', frame.lastIndexOf('.') - 1);
        return dot < 0 ? frame : frame.substring(dot + 1);
    }

    private static boolean startsWithAny(String s, String... prefixes) {
        for (String p : prefixes) {
            if (s.startsWith(p)) return true;
        }
        return false;
    }

    /** The totals of a {@code thread-cpu.py diff} output. */
    record ThreadCpu(double total, double sys, Map<String, Double> unsampled) {
        private static final Pattern TOTAL = Pattern.compile(
                "thread CPU of pid \\d+ since the snapshot: ([\\d.]+) s \\(user ([\\d.]+), sys ([\\d.]+)\\)");
        private static final Pattern LINE =
                Pattern.compile("^\\s+(.+?)\\s+\\d+ threads\\s+([\\d.]+) s \\(user\\s+([\\d.]+), sys\\s+([\\d.]+)\\)");

        static ThreadCpu parse(List<String> lines) {
            double total = 0;
            double sys = 0;
            Map<String, Double> other = new LinkedHashMap<>();
            for (String l : lines) {
                Matcher t = TOTAL.matcher(l);
                if (t.find()) {
                    total += Double.parseDouble(t.group(1));
                    sys += Double.parseDouble(t.group(3));
                    continue;
                }
                Matcher m = LINE.matcher(l);
                if (!m.find()) continue;
                String group = m.group(1);
                double s = Double.parseDouble(m.group(2));
                // Linux thread names are cut at 15 characters, digits folded to '#' by thread-cpu.py
                String kind = group.contains("CompilerThre")
                        ? "JIT compiler threads"
                        : group.startsWith("Z") || group.startsWith("GC ") || group.startsWith("G1 ")
                                ? "GC threads"
                                : group.startsWith("rocksdb:")
                                        ? "RocksDB background threads (flush, compaction)"
                                        : group.startsWith("VM ") || group.startsWith("JFR ")
                                                ? "VM / JFR threads"
                                                : null;
                if (kind != null) other.merge(kind, s, Double::sum);
            }
            return new ThreadCpu(total, sys, other);
        }
    }
}
