package dev.tern.testkit.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs Jazzer fuzz targets (classes with {@code public static void fuzzerTestOneInput(byte[])}, optional
 * {@code fuzzerInitialize()} / {@code fuzzerTearDown()}) in three ways: replaying the checked-in inputs
 * under {@code src/test/resources/fuzz/<TargetClass>/} (seeds and crash reproducers) in-process; a
 * <em>bounded</em> coverage-guided campaign with the Jazzer driver in a child JVM (one JVM per target:
 * libFuzzer fuzzes a single target per process) with a fixed seed and a fixed number of runs, starting
 * from the checked-in inputs only, so that the same code gives the same result; and a <em>long</em>,
 * time-bounded campaign whose corpus grows across runs, to find new bugs (not part of the test suite's
 * verdict unless asked for). The module running it needs {@code com.code-intelligence:jazzer} and
 * {@code jazzer-api} on its test class path.
 *
 * <p>Bounded: {@value #RUNS_PROPERTY} runs per target (default {@value #DEFAULT_RUNS}, or the target's
 * {@code CAMPAIGN_RUNS} field), seed {@value #SEED_PROPERTY} (default {@value #DEFAULT_SEED}); 0 runs
 * skips. Long ({@value #LONG_PROPERTY}{@code =true} or {@code TERN_FUZZ_LONG=1}, {@code bin/tern test
 * --fuzz-long}): {@value #SECONDS_PROPERTY} seconds per target (default {@value #DEFAULT_SECONDS}).
 */
public final class Fuzzing {
    public static final String SECONDS_PROPERTY = "tern.fuzz.seconds";
    public static final int DEFAULT_SECONDS = 600;
    public static final String RUNS_PROPERTY = "tern.fuzz.runs";
    public static final int DEFAULT_RUNS = 2000;
    public static final String SEED_PROPERTY = "tern.fuzz.seed";
    public static final int DEFAULT_SEED = 1;
    public static final String LONG_PROPERTY = "tern.fuzz.long";
    /** Optional target-class field ({@code int}): runs of its bounded campaign when not set by property. */
    private static final String RUNS_FIELD = "CAMPAIGN_RUNS";
    /** Optional target-class field naming what Jazzer instruments, e.g. {@code "dev.tern.**"}. */
    private static final String INCLUDES_FIELD = "INSTRUMENTATION_INCLUDES";
    /** Optional target-class field ({@code String[]}) naming more seed directories on the test class path. */
    private static final String SEEDS_FIELD = "MORE_SEEDS";
    /**
     * Optional target-class field ({@code boolean}): the target runs threads (a loopback server, an event
     * loop) whose timing moves libFuzzer's coverage feedback, so a coverage-guided campaign of it is not
     * repeatable. Its bounded campaign is then {@linkplain #feedbackFreeCampaign feedback-free}.
     */
    private static final String THREADED_FIELD = "THREADED";
    /** Optional target-class field ({@code String[]}) with further Jazzer arguments. */
    private static final String ARGS_FIELD = "JAZZER_ARGS";

    private static final Pattern EXECUTED = Pattern.compile("stat::number_of_executed_units: (\\d+)");
    private static final Pattern COVERAGE = Pattern.compile("cov: (\\d+) ft: (\\d+) corp: (\\d+)/");

    private Fuzzing() {}

    /** The outcome of one campaign. */
    public record Campaign(
            String target,
            int exitCode,
            long executions,
            long coverage,
            long features,
            long corpusSize,
            Path log,
            List<Path> findings,
            String inputsDigest) {
        public boolean clean() {
            return exitCode == 0 && findings.isEmpty();
        }

        /** True for a feedback-free campaign (seeded mutations in-process, see {@link #feedbackFreeCampaign}). */
        public boolean feedbackFree() {
            return !inputsDigest.isEmpty();
        }

        public String summary() {
            String found = findings.isEmpty() ? "" : ", findings " + findings;
            return feedbackFree()
                    ? "%s: exit %d, %,d executions (feedback-free, %d checked-in inputs), inputs sha256 %s%s"
                            .formatted(target, exitCode, executions, corpusSize, inputsDigest, found)
                    : "%s: exit %d, %,d executions, cov %d, ft %d, corpus %d%s"
                            .formatted(target, exitCode, executions, coverage, features, corpusSize, found);
        }
    }

    /** Long-campaign seconds: the system property, else the environment variable, else the default. */
    public static int campaignSeconds() {
        String v = System.getProperty(SECONDS_PROPERTY, System.getenv("TERN_FUZZ_SECONDS"));
        return v == null || v.isBlank() ? DEFAULT_SECONDS : Integer.parseInt(v.trim());
    }

    /** True for the long, open-ended mode ({@code -Dtern.fuzz.long=true} or {@code TERN_FUZZ_LONG=1}). */
    public static boolean longMode() {
        String v = System.getProperty(LONG_PROPERTY, System.getenv("TERN_FUZZ_LONG"));
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    /** Runs of {@code target}'s bounded campaign: the property, else the target's field, else the default. */
    public static int campaignRuns(Class<?> target) {
        String v = System.getProperty(RUNS_PROPERTY, System.getenv("TERN_FUZZ_RUNS"));
        if (v != null && !v.isBlank()) return Integer.parseInt(v.trim());
        try {
            return field(target, RUNS_FIELD).getInt(null);
        } catch (NoSuchFieldException e) {
            return DEFAULT_RUNS;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The libFuzzer seed of bounded campaigns. */
    public static int campaignSeed() {
        String v = System.getProperty(SEED_PROPERTY, System.getenv("TERN_FUZZ_SEED"));
        return v == null || v.isBlank() ? DEFAULT_SEED : Integer.parseInt(v.trim());
    }

    /** Only the named target runs a campaign when {@code tern.fuzz.target} is set (simple class name). */
    public static boolean selected(Class<?> target) {
        String only = System.getProperty("tern.fuzz.target", System.getenv("TERN_FUZZ_TARGET"));
        return only == null || only.isBlank() || List.of(only.split(",")).contains(target.getSimpleName());
    }

    /** The checked-in inputs of a target (its seed corpus, crash reproducers and further seed directories), sorted. */
    public static List<Path> inputs(Class<?> target) {
        List<Path> out = new ArrayList<>();
        for (Path dir : seedDirs(target)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(Files::isRegularFile)
                        .filter(p -> isInput(p.getFileName().toString()))
                        .sorted()
                        .forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static boolean isInput(String name) {
        return !(name.endsWith(".dict")
                || name.endsWith(".md")
                || name.endsWith(".jsonl")
                || name.startsWith("LICENSE")
                || name.equals("README.txt"));
    }

    private static List<Path> seedDirs(Class<?> target) {
        List<Path> dirs = new ArrayList<>();
        Path own = resourceDir(target);
        if (own != null) {
            dirs.add(own);
        }
        for (String more : stringsField(target, SEEDS_FIELD)) {
            dirs.add(resource(target, more));
        }
        return dirs;
    }

    private static String[] stringsField(Class<?> target, String name) {
        try {
            return (String[]) field(target, name).get(null);
        } catch (NoSuchFieldException e) {
            return new String[0];
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Calls the target on every checked-in input in this JVM; the first failure propagates with the input's name. */
    public static int replay(Class<?> target) throws Throwable {
        List<Path> inputs = inputs(target);
        invokeOptional(target, "fuzzerInitialize");
        try {
            Method one = target.getMethod("fuzzerTestOneInput", byte[].class);
            for (Path input : inputs) {
                try {
                    one.invoke(null, (Object) Files.readAllBytes(input));
                } catch (InvocationTargetException e) {
                    throw new AssertionError(
                            target.getSimpleName() + " fails on " + input.getFileName() + ": " + e.getCause(),
                            e.getCause());
                }
            }
        } finally {
            invokeOptional(target, "fuzzerTearDown");
        }
        return inputs.size();
    }

    /**
     * Fuzzes {@code target} for {@code seconds} with Jazzer in a child JVM (the long mode). New inputs
     * accumulate in {@code target/fuzz/<Target>/corpus} (kept across runs); crashes, hangs and reproducers
     * are written to {@code target/fuzz/<Target>/}, the fuzzer's output to {@code fuzz.log} there.
     *
     * @param timeoutPerInput seconds one input may take before libFuzzer reports a hang
     */
    public static Campaign campaign(Class<?> target, int seconds, int timeoutPerInput)
            throws IOException, InterruptedException {
        Path work = Path.of("target", "fuzz", target.getSimpleName()).toAbsolutePath();
        return run(
                target,
                work,
                work.resolve("corpus"),
                List.of("-max_total_time=" + seconds),
                seconds + 180L,
                timeoutPerInput);
    }

    /**
     * The bounded, deterministic campaign: {@code runs} executions from seed {@code seed}, starting from the
     * checked-in inputs only (a fresh, empty work corpus each time), so the same code and inputs give the
     * same executions, coverage and findings. Work files: {@code target/fuzz/<Target>/bounded/}.
     */
    public static Campaign boundedCampaign(Class<?> target, int runs, int seed, int timeoutPerInput)
            throws IOException, InterruptedException {
        Path work = Path.of("target", "fuzz", target.getSimpleName(), "bounded").toAbsolutePath();
        Path corpus = work.resolve("corpus");
        deleteTree(corpus);
        return run(target, work, corpus, List.of("-runs=" + runs, "-seed=" + seed), 1800L, timeoutPerInput);
    }

    /**
     * The bounded campaign of a {@code THREADED} target: {@code runs} inputs derived from the checked-in
     * inputs and the target's dictionary by {@link SeededMutator} with {@code seed}, run in this JVM without
     * coverage feedback. The inputs, and therefore the verdict, are the same on every run whatever the
     * target's threads do; {@link Campaign#inputsDigest()} (SHA-256 of every input in order) shows it. The
     * first failing input (exception, or longer than {@code timeoutPerInput} seconds) is written to
     * {@code target/fuzz/<Target>/bounded/crash-<sha1>} (or {@code timeout-}) and ends the campaign.
     */
    public static Campaign feedbackFreeCampaign(Class<?> target, int runs, int seed, int timeoutPerInput)
            throws IOException, InterruptedException {
        String name = target.getSimpleName();
        Path work = Path.of("target", "fuzz", name, "bounded").toAbsolutePath();
        Files.createDirectories(work);
        try (Stream<Path> old = Files.list(work)) {
            for (Path p : old.filter(p -> isFinding(p.getFileName().toString())).toList()) {
                Files.delete(p);
            }
        }
        List<byte[]> seeds = new ArrayList<>();
        for (Path input : inputs(target)) {
            seeds.add(Files.readAllBytes(input));
        }
        Path dir = resourceDir(target);
        List<byte[]> dictionary = dir != null && Files.exists(dir.resolve(name + ".dict"))
                ? SeededMutator.parseDictionary(
                        Files.readAllLines(dir.resolve(name + ".dict"), StandardCharsets.ISO_8859_1))
                : List.of();
        SeededMutator mutator = new SeededMutator(seeds, dictionary, seed, 65536);
        MessageDigest digest = sha("SHA-256");
        Method one;
        try {
            one = target.getMethod("fuzzerTestOneInput", byte[].class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(name + " has no fuzzerTestOneInput(byte[])", e);
        }
        Path log = work.resolve("fuzz.log");
        List<String> lines = new ArrayList<>();
        lines.add("feedback-free campaign of " + name + ": seed " + seed + ", " + runs + " runs, " + seeds.size()
                + " checked-in inputs, " + dictionary.size() + " dictionary tokens");
        List<Path> findings = new ArrayList<>();
        long executed = 0;
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + name);
            t.setDaemon(true);
            return t;
        });
        try {
            worker.submit(() -> lifecycle(target, "fuzzerInitialize")).get(120, TimeUnit.SECONDS);
            for (int i = 0; i < runs; i++) {
                byte[] input = mutator.next();
                digest.update(input);
                digest.update((byte) 0);
                Future<?> call = worker.submit(() -> {
                    one.invoke(null, (Object) input);
                    return null;
                });
                executed++;
                String failure = null;
                try {
                    call.get(timeoutPerInput, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    call.cancel(true);
                    failure = "timeout";
                    lines.add("#" + i + ": no result after " + timeoutPerInput + " s");
                } catch (ExecutionException e) {
                    Throwable cause =
                            e.getCause() instanceof InvocationTargetException ite ? ite.getCause() : e.getCause();
                    failure = "crash";
                    lines.add("#" + i + ": " + cause);
                    for (StackTraceElement el : cause.getStackTrace()) {
                        lines.add("    at " + el);
                    }
                }
                if (failure != null) {
                    Path found = work.resolve(failure + "-" + hex(sha("SHA-1").digest(input)));
                    Files.write(found, input);
                    findings.add(found);
                    lines.add("reproducer: " + found);
                    break;
                }
            }
            if (findings.isEmpty()) {
                worker.submit(() -> lifecycle(target, "fuzzerTearDown")).get(120, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(name + ": initialize/tear down failed: " + e, e);
        } finally {
            worker.shutdownNow();
        }
        String inputsDigest = hex(digest.digest()).substring(0, 16);
        lines.add(
                "executions: " + executed + ", inputs sha256 " + inputsDigest + (findings.isEmpty() ? ", clean" : ""));
        Files.write(log, lines, StandardCharsets.UTF_8);
        return new Campaign(
                name,
                findings.isEmpty() ? 0 : 1,
                executed,
                0,
                0,
                seeds.size(),
                log,
                List.copyOf(findings),
                inputsDigest);
    }

    private static Void lifecycle(Class<?> target, String method) throws Exception {
        try {
            invokeOptional(target, method);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new Exception(t);
        }
        return null;
    }

    private static boolean threaded(Class<?> target) {
        try {
            return field(target, THREADED_FIELD).getBoolean(null);
        } catch (NoSuchFieldException e) {
            return false;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest sha(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static Campaign run(
            Class<?> target, Path work, Path corpus, List<String> limits, long waitSeconds, int timeoutPerInput)
            throws IOException, InterruptedException {
        String name = target.getSimpleName();
        Files.createDirectories(corpus);
        try (Stream<Path> old = Files.list(work)) {
            for (Path p : old.filter(p -> isFinding(p.getFileName().toString())).toList()) {
                Files.delete(p); // findings of an earlier run: this run reports its own
            }
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Xss1m",
                "-XX:+IgnoreUnrecognizedVMOptions",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-XX:+EnableDynamicAgentLoading",
                "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
                "-cp",
                System.getProperty("java.class.path"),
                "com.code_intelligence.jazzer.Jazzer",
                "--target_class=" + target.getName(),
                "--instrumentation_includes=" + includes(target),
                "--reproducer_path=" + work,
                "-artifact_prefix=" + work + "/",
                "-timeout=" + timeoutPerInput,
                "-max_len=65536",
                "-print_final_stats=1"));
        cmd.addAll(limits);
        cmd.addAll(List.of(stringsField(target, ARGS_FIELD)));
        Path dir = resourceDir(target);
        if (dir != null && Files.exists(dir.resolve(name + ".dict"))) {
            cmd.add("-dict=" + dir.resolve(name + ".dict"));
        }
        cmd.add(corpus.toString()); // new inputs go to the first directory
        for (Path seeds : seedDirs(target)) {
            cmd.add(seeds.toString());
        }
        Path log = work.resolve("fuzz.log");
        Process p = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(waitSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log, StandardCharsets.ISO_8859_1);
        long executions = lastGroup(EXECUTED.matcher(out), 1);
        Matcher cov = COVERAGE.matcher(out);
        long c = 0;
        long ft = 0;
        long corp = 0;
        while (cov.find()) {
            c = Long.parseLong(cov.group(1));
            ft = Long.parseLong(cov.group(2));
            corp = Long.parseLong(cov.group(3));
        }
        List<Path> findings;
        try (Stream<Path> files = Files.list(work)) {
            findings = files.filter(f -> isFinding(f.getFileName().toString()))
                    .sorted()
                    .toList();
        }
        return new Campaign(name, p.isAlive() ? -1 : p.exitValue(), executions, c, ft, corp, log, findings, "");
    }

    /**
     * Whether {@code target} gets a campaign in this run: selected, and in the long mode with seconds > 0,
     * else with bounded runs > 0.
     */
    public static boolean campaignsOn(Class<?> target) {
        return selected(target) && (longMode() ? campaignSeconds() > 0 : campaignRuns(target) > 0);
    }

    /**
     * Runs {@code target}'s campaign (bounded: {@link #campaignRuns} runs from {@link #campaignSeed}; long:
     * {@link #campaignSeconds}), prints its summary, and throws an {@link AssertionError} with the log tail on
     * a finding or a non-zero exit, or when nothing was executed (bounded: fewer runs than asked for).
     */
    public static Campaign checkCampaign(Class<?> target, int timeoutPerInput)
            throws IOException, InterruptedException {
        boolean bounded = !longMode();
        int runs = campaignRuns(target);
        Campaign c = !bounded
                ? campaign(target, campaignSeconds(), timeoutPerInput)
                : threaded(target)
                        ? feedbackFreeCampaign(target, runs, campaignSeed(), timeoutPerInput)
                        : boundedCampaign(target, runs, campaignSeed(), timeoutPerInput);
        System.out.println((bounded ? "bounded (seed " + campaignSeed() + ") " : "long ") + c.summary());
        if (!c.clean()) {
            throw new AssertionError(c.summary() + "\n" + tail(c.log(), 60));
        }
        if (c.executions() <= 0 || (bounded && c.executions() < runs)) {
            throw new AssertionError("executions: " + c.summary());
        }
        return c;
    }

    /** The last lines of a campaign's log, for failure messages. */
    public static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static boolean isFinding(String file) {
        return file.startsWith("crash-")
                || file.startsWith("timeout-")
                || file.startsWith("oom-")
                || file.startsWith("leak-")
                || file.startsWith("slow-unit-")
                || file.startsWith("Crash_");
    }

    private static long lastGroup(Matcher m, int group) {
        long v = 0;
        while (m.find()) {
            v = Long.parseLong(m.group(group));
        }
        return v;
    }

    private static String includes(Class<?> target) {
        try {
            return (String) field(target, INCLUDES_FIELD).get(null);
        } catch (NoSuchFieldException e) {
            return "dev.tern.**";
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A static field of a target class; targets keep their settings package-private. */
    private static java.lang.reflect.Field field(Class<?> target, String name) throws NoSuchFieldException {
        java.lang.reflect.Field f = target.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private static Path resourceDir(Class<?> target) {
        return target.getResource("/fuzz/" + target.getSimpleName()) == null
                ? null
                : resource(target, "/fuzz/" + target.getSimpleName());
    }

    private static Path resource(Class<?> target, String name) {
        URL url = target.getResource(name);
        if (url == null) {
            throw new IllegalStateException("no such test resource: " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void invokeOptional(Class<?> target, String method) throws Throwable {
        Method m;
        try {
            m = target.getMethod(method);
        } catch (NoSuchMethodException e) {
            return;
        }
        try {
            m.invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
