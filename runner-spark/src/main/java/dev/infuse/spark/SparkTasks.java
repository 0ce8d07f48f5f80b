package dev.infuse.spark;

import dev.infuse.spi.InfuseException;
import dev.infuse.study.CacheFill;
import dev.infuse.study.Cell;
import dev.infuse.study.CellOutcome;
import dev.infuse.study.StudyJob;
import dev.infuse.study.StudyRunner;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs inside Spark tasks, and the plain records shipped to them (strings and numbers only:
 * every executor rebuilds the study from its text and reads and writes files on the shared folder).
 */
final class SparkTasks {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTasks.class);

    private SparkTasks() {}

    /** A {@link StudyJob}, shippable to executors. */
    record JobSpec(String studyFile, String studyText, String dataDir, String out, String cacheDir, String pluginsDir,
            long seed, TreeMap<String, String> failedPretrainings) implements Serializable {
        static JobSpec of(StudyJob j) {
            return new JobSpec(j.studyFile(), j.studyText(), j.dataDir(), j.out(), j.cacheDir(), j.pluginsDir(), j.seed(),
                    new TreeMap<>(j.failedPretrainings()));
        }

        StudyJob job() {
            return new StudyJob(studyFile, studyText, dataDir, out, cacheDir, pluginsDir, seed, Map.copyOf(failedPretrainings));
        }
    }

    /** A cell: stage name, method (or pretraining id), task, seed. */
    record CellSpec(String stage, String method, String task, long seed) implements Serializable {
        static CellSpec of(Cell c) {
            return new CellSpec(c.stage().name(), c.method(), c.task(), c.seed());
        }
    }

    /** What became of a cell on an executor. */
    record CellResult(String status, String errorCode, String error, double seconds, int attempt, String host)
            implements Serializable {}

    /** An activation cache to fill. */
    record FillSpec(String task, String train, String dev, int maxLength, long seed, int maxTrain,
            java.util.TreeMap<String, Object> options) implements Serializable {
        static FillSpec of(CacheFill f) {
            return new FillSpec(f.task(), f.train(), f.dev(), f.maxLength(), f.seed(), f.maxTrain(), new java.util.TreeMap<>(f.options()));
        }
    }

    /**
     * Runs one cell. A failure is thrown back to Spark, which retries the task, until the last
     * allowed attempt: that one returns the failure as a result, so the cell is reported failed and
     * the others are untouched.
     */
    static CellResult runCell(JobSpec job, CellSpec cell, int maxFailures) throws Exception {
        TaskContext ctx = TaskContext.get();
        int attempt = ctx == null ? 0 : ctx.attemptNumber();
        String host = java.net.InetAddress.getLocalHost().getHostName();
        long t0 = System.nanoTime();
        try {
            CellOutcome o = StudyRunner.runCell(job.job(), Cell.Stage.valueOf(cell.stage()), cell.method(), cell.task(), cell.seed());
            return new CellResult(o.status().name(), null, null, o.seconds(), attempt + 1, host);
        } catch (Exception | LinkageError | AssertionError | OutOfMemoryError e) {
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (attempt + 1 < maxFailures) {
                LOG.warn("{}/{}/{}: attempt {} of {} failed, Spark retries it: {}", cell.method(), cell.task(), cell.seed(),
                        attempt + 1, maxFailures, e.toString());
                throw e instanceof Exception ex ? ex : new RuntimeException(e);
            }
            CellOutcome f = CellOutcome.failed(null, explain(e, host), seconds);
            return new CellResult(f.status().name(), f.errorCode(), f.error(), seconds, attempt + 1, host);
        }
    }

    /**
     * A class missing on an executor means a jar that was not shipped to it: that is said in one line
     * naming the class (code {@code config-executor-unavailable}); any other failure, and one Infuse
     * already explains, is kept as it is.
     */
    static Throwable explain(Throwable e, String host) {
        if (e instanceof InfuseException) {
            return e;
        }
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage();
            if ((c instanceof NoClassDefFoundError && m != null && !m.startsWith("Could not initialize class"))
                    || c instanceof ClassNotFoundException) {
                return new InfuseException("config-executor-unavailable", "class " + (m == null ? "?" : m.replace('/', '.'))
                        + " is missing on the Spark executor on " + host + ": its jar was not shipped to the executors (give "
                        + "spark-submit --jars every jar of cli/target/lib but Jackson core and SLF4J, the runner and any "
                        + "plugin jar; see docs/SPARK.md)", e);
            }
        }
        return e;
    }

    /**
     * Fills the activation caches of one partition. The frozen backbone is loaded once per executor
     * JVM ({@link StudyRunner}'s per-JVM runtime) and reused by every partition that JVM runs.
     * A fill that fails is only logged: the cells needing it fill it themselves and report the error.
     */
    static Iterator<String> fill(JobSpec job, Iterator<FillSpec> fills) {
        List<String> out = new ArrayList<>();
        StudyJob j = job.job();
        while (fills.hasNext()) {
            FillSpec f = fills.next();
            try {
                for (String folder : StudyRunner.fillActivationCache(j, new CacheFill(f.task(), f.train(), f.dev(),
                        f.maxLength(), f.seed(), f.maxTrain(), f.options()))) {
                    out.add(folder);
                }
            } catch (RuntimeException e) {
                LOG.warn("activation cache of {} (seed {}) not filled ahead: {}", f.task(), f.seed(), e.getMessage());
                out.add("failed " + f.task() + ": " + e.getMessage());
            }
        }
        return out.iterator();
    }
}
