package dev.infuse.spark;

import dev.infuse.spi.InfuseException;
import dev.infuse.study.CacheFill;
import dev.infuse.study.Cell;
import dev.infuse.study.CellExecutor;
import dev.infuse.study.CellOutcome;
import dev.infuse.study.StudyJob;
import dev.infuse.study.StudyRunner;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a study's cells on a Spark cluster. Before the cells, the backbone activation caches they
 * will read are filled by one {@code mapPartitions} job (one frozen backbone per executor JVM, reused
 * across its partitions) into {@code <shared>/cache}; then every cell is one Spark task (its own
 * job, so a cell whose executor keeps dying fails alone) that rebuilds the study from its text,
 * loads the backbone once per executor JVM, and writes the cell's folder atomically below the
 * study's output folder. The driver gets each cell's status back and assembles the report as a
 * local run does, from the cells' files.
 *
 * <p>A failing cell is retried by Spark up to {@link SparkOptions#maxFailures()} attempts, then
 * reported failed. Every check that can fail is done before any work: a shared folder that is not
 * writable, an unreachable master, a cluster that gives no executor within the startup timeout.
 */
public final class SparkCellExecutor implements CellExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(SparkCellExecutor.class);

    private final SparkOptions options;
    private final JavaSparkContext sc;
    private final Set<SparkTasks.FillSpec> filled = new LinkedHashSet<>();
    private final List<String> cacheFolders = new ArrayList<>();

    private SparkCellExecutor(SparkOptions options, JavaSparkContext sc) {
        this.options = options;
        this.sc = sc;
    }

    /**
     * Checks the shared folder, reaches the master and waits (bounded) for a first executor.
     *
     * @throws InfuseException {@code config-shared-folder}, {@code config-spark-unreachable}
     */
    public static SparkCellExecutor start(SparkOptions options) {
        checkWritable(options.shared(), "shared folder");
        checkReachable(options.master(), options.startupTimeoutSeconds());
        SparkConf conf = new SparkConf().setAppName("infuse-study").setMaster(options.effectiveMaster())
                .set("spark.task.maxFailures", Integer.toString(options.maxFailures()))
                // Cells are long and few: one task per core, no speculative duplicates writing the same folder.
                .set("spark.speculation", "false")
                .set("spark.ui.showConsoleProgress", "false")
                // Spark's INFO lines would drown the study's progress; spark.log.level=INFO brings them back.
                .set("spark.log.level", "WARN");
        options.conf().forEach(conf::set);
        JavaSparkContext sc = startContext(conf, options);
        try {
            probe(sc, options);
        } catch (RuntimeException e) {
            sc.stop();
            throw e;
        }
        LOG.info("Spark backend ready: master {}, shared folder {}, {} attempts per cell", options.effectiveMaster(),
                options.shared(), options.maxFailures());
        return new SparkCellExecutor(options, sc);
    }

    /** The options in effect. */
    public SparkOptions options() {
        return options;
    }

    /** Names of the activation cache folders filled (or found) ahead of the cells so far. */
    public List<String> cacheFolders() {
        return List.copyOf(cacheFolders);
    }

    /** Without a {@link StudyJob} the work cannot be rebuilt on executors. */
    @Override
    public List<CellOutcome> execute(List<Cell> cells, CellWork work) {
        throw new UnsupportedOperationException("the Spark executor runs study cells from a StudyJob");
    }

    @Override
    public List<CellOutcome> execute(StudyJob job, List<Cell> cells, CellWork work) {
        if (cells.isEmpty()) {
            return List.of();
        }
        checkWritable(Path.of(job.out()), "output folder");
        StudyJob remote = job.withCacheDir(options.shared().resolve("cache"));
        SparkTasks.JobSpec spec = SparkTasks.JobSpec.of(remote);
        fillCaches(spec, StudyRunner.cacheFills(remote, cells));

        int maxFailures = options.maxFailures();
        List<JavaFutureAction<List<SparkTasks.CellResult>>> futures = new ArrayList<>();
        for (Cell c : cells) {
            SparkTasks.CellSpec cs = SparkTasks.CellSpec.of(c);
            sc.setJobDescription("infuse cell " + c.label());
            futures.add(sc.parallelize(List.of(cs), 1).map(x -> SparkTasks.runCell(spec, x, maxFailures)).collectAsync());
        }
        List<CellOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            CellOutcome o;
            try {
                SparkTasks.CellResult r = futures.get(i).get().get(0);
                CellOutcome.Status status = CellOutcome.Status.valueOf(r.status());
                String error = r.error() == null ? null
                        : r.error() + " (after " + r.attempt() + " attempt" + (r.attempt() == 1 ? "" : "s") + " on Spark, last on " + r.host() + ")";
                o = new CellOutcome(c, status, r.errorCode(), error, r.seconds());
                if (r.error() == null && r.attempt() > 1) {
                    // Earlier attempts failed or were lost with their executor; Spark's log says why.
                    LOG.warn("{}: {} on attempt {} of {} (on {})", c.label(), status.name().toLowerCase(Locale.ROOT), r.attempt(),
                            maxFailures, r.host());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                o = CellOutcome.failed(c, e, 0);
            } catch (ExecutionException e) {
                // The job itself aborted (e.g. the executor died on every attempt): the cell fails alone.
                o = Files.isRegularFile(c.folder().resolve("metrics.json"))
                        ? new CellOutcome(c, CellOutcome.Status.COMPLETED, null, null, 0)
                        : CellOutcome.failed(c, new InfuseException("spark-job-aborted", "Spark gave up on " + c.label()
                                + " after " + maxFailures + " attempts: " + rootMessage(e)), 0);
            }
            removeUnfinished(c.folder());
            LOG.info("[{}/{}] {}: {}{}", i + 1, cells.size(), c.label(), o.status().name().toLowerCase(Locale.ROOT),
                    o.error() == null ? "" : ": " + o.error());
            outcomes.add(o);
        }
        return outcomes;
    }

    /**
     * Removes what attempts of a cell left half-written: an attempt whose executor died (a lost
     * worker, a killed JVM) cannot remove its temporary sibling folder ({@code <folder>.tmp-*}) itself.
     * Called once the cell's Spark job has ended, when no attempt of it runs any more.
     */
    static void removeUnfinished(Path folder) {
        Path parent = folder.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String prefix = folder.getFileName() + ".tmp-";
        try (var siblings = Files.list(parent)) {
            for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                LOG.info("removing {}, left by an attempt that did not finish", p);
                deleteTree(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove the unfinished attempts of {}: {}", folder, e.getMessage());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One mapPartitions job over the caches not filled yet. */
    private void fillCaches(SparkTasks.JobSpec spec, List<CacheFill> fills) {
        List<SparkTasks.FillSpec> todo = new ArrayList<>();
        for (CacheFill f : fills) {
            SparkTasks.FillSpec fs = SparkTasks.FillSpec.of(f);
            if (!filled.contains(fs)) {
                todo.add(fs);
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        sc.setJobDescription("infuse activation caches");
        int slices = Math.max(1, Math.min(todo.size(), sc.defaultParallelism()));
        try {
            List<String> folders = sc.parallelize(todo, slices).mapPartitions(it -> SparkTasks.fill(spec, it)).collect();
            cacheFolders.addAll(folders);
            filled.addAll(todo);
            LOG.info("activation caches for {} data set(s) ready in {} s under {}", todo.size(),
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9), spec.cacheDir());
        } catch (Exception e) {
            // Not fatal: each cell fills the caches it needs itself. (Spark throws its checked
            // SparkException from collect() without declaring it: a RuntimeException catch misses it.)
            LOG.warn("filling the activation caches on Spark failed; the cells fill them: {}", rootMessage(e));
        }
    }

    @Override
    public void close() {
        try {
            sc.stop();
        } finally {
            // In local mode the cells ran in this JVM and left their runtimes here.
            StudyRunner.closeWorkers();
        }
    }

    static void checkWritable(Path folder, String what) {
        try {
            Files.createDirectories(folder);
            Path probe = folder.resolve(".infuse-write-test-" + UUID.randomUUID());
            Files.writeString(probe, "ok");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new InfuseException("config-shared-folder", "the Spark " + what + " " + folder + " is not writable ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); give a folder that the driver and every "
                    + "executor can create files in (a shared mount on a cluster)");
        }
    }

    /** A standalone master that refuses connections is reported at once, not after Spark's retries. */
    static void checkReachable(String master, int timeoutSeconds) {
        if (!master.startsWith("spark://")) {
            return;
        }
        String problem = null;
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            URI uri = URI.create("spark://" + hostPort.trim());
            int port = uri.getPort() < 0 ? 7077 : uri.getPort();
            if (uri.getHost() == null) {
                throw new InfuseException("config-spark-unreachable", "Spark master URL " + master + ": cannot read a host:port in '"
                        + hostPort + "'; expected spark://host:port");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), port), (int) Math.min(10_000L, timeoutSeconds * 1000L));
                return;
            } catch (IOException e) {
                problem = uri.getHost() + ":" + port + ": " + e.getMessage();
            }
        }
        throw new InfuseException("config-spark-unreachable", "cannot reach the Spark master " + master + " (" + problem
                + "); check --spark-master and that the master is running");
    }

    private static JavaSparkContext startContext(SparkConf conf, SparkOptions options) {
        ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "infuse-spark-start");
            t.setDaemon(true);
            return t;
        });
        Future<JavaSparkContext> f = starter.submit(() -> new JavaSparkContext(conf));
        starter.shutdown();
        try {
            return f.get(options.startupTimeoutSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // Stop it whenever it does come up, so it holds no resources.
            Thread stopper = new Thread(() -> {
                try {
                    f.get().stop();
                } catch (Exception ignored) {
                    // it never started
                }
            }, "infuse-spark-stop");
            stopper.setDaemon(true);
            stopper.start();
            throw new InfuseException("config-spark-unreachable", "Spark did not start within " + options.startupTimeoutSeconds()
                    + " s with master " + options.master() + "; check --spark-master, or raise --executor-option startup-timeout=S");
        } catch (ExecutionException e) {
            throw new InfuseException("config-spark-unreachable", "cannot start Spark with master " + options.master() + ": "
                    + rootMessage(e), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfuseException("config-spark-unreachable", "interrupted while starting Spark");
        }
    }

    /** A tiny job: a cluster that accepts the application but never gives it an executor would otherwise wait forever. */
    private static void probe(JavaSparkContext sc, SparkOptions options) {
        sc.setJobDescription("infuse: executor check");
        JavaFutureAction<Long> count = sc.parallelize(List.of(1), 1).countAsync();
        try {
            count.get(options.startupTimeoutSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            count.cancel(true);
            throw new InfuseException("config-spark-unreachable", "no Spark executor ran a task within "
                    + options.startupTimeoutSeconds() + " s (master " + options.master() + "): the cluster has no free "
                    + "executor with the requested memory and cores, or executors cannot reach this driver");
        } catch (ExecutionException e) {
            throw new InfuseException("config-spark-unreachable", "Spark executors cannot run tasks (master " + options.master()
                    + "): " + rootMessage(e), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfuseException("config-spark-unreachable", "interrupted while waiting for a Spark executor");
        }
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (cause: " + c + ")";
    }
}
