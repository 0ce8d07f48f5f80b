package dev.infuse.study;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A study run's time limit ({@link StudyRunner.Options#stopAfter()}): whether a step may still start. A step starts
 * only while its estimate ({@link StudyStatus.Step#secondsLeft()}) fits in the time left; one without an estimate
 * starts while any time is left. Steps that have started run to their end; those refused are remembered, and cells
 * waiting for a refused pretraining step are refused with it.
 */
final class TimeLimit {
    private static final Logger LOG = LoggerFactory.getLogger(TimeLimit.class);

    /** No limit. */
    static final TimeLimit NONE = new TimeLimit(null, null, null, 0);

    private final Study study;
    private final Path out;
    private final Duration limit;
    private final long start;
    private final List<String> notStarted = new ArrayList<>();
    private final Set<String> notStartedPretrainings = ConcurrentHashMap.newKeySet();

    /**
     * @param limit null for none
     * @param start {@link System#nanoTime()} when the run began
     */
    TimeLimit(Study study, Path out, Duration limit, long start) {
        this.study = study;
        this.out = out;
        this.limit = limit;
        this.start = start;
    }

    /** The limit in seconds (0 for none). */
    double seconds() {
        return limit == null ? 0 : limit.toNanos() / 1e9;
    }

    private double secondsLeft() {
        return (limit.toNanos() - (System.nanoTime() - start)) / 1e9;
    }

    /** Whether the limit has passed: no step starts any more. */
    boolean expired() {
        return limit != null && secondsLeft() <= 0;
    }

    /** Whether the step may start now. */
    boolean allows(Cell c) {
        if (limit == null) {
            return true;
        }
        double left = secondsLeft();
        if (left <= 0) {
            return false;
        }
        String label = statusLabel(c);
        double estimate = StudyStatus.of(study, out).stream().filter(s -> s.label().equals(label))
                .mapToDouble(StudyStatus.Step::secondsLeft).filter(Double::isFinite).findFirst().orElse(0);
        return estimate <= left;
    }

    /** Whether a cell needs a pretraining step this run did not start (then it does not start either). */
    boolean waitsFor(Cell c) {
        return !notStartedPretrainings.isEmpty() && study.method(c.method()).pretrainings(c.seed()).stream()
                .anyMatch(p -> notStartedPretrainings.contains(p.id()));
    }

    /** Records that the step was not started, and its outcome. */
    synchronized CellOutcome notStarted(Cell c) {
        notStarted.add(statusLabel(c));
        if (c.stage() == Cell.Stage.PRETRAINING) {
            notStartedPretrainings.add(c.method());
        }
        LOG.info("{}: not started: the time limit of {} leaves {} (run the same command again to go on)", statusLabel(c),
                StudyStatus.duration(seconds()), StudyStatus.duration(Math.max(0, secondsLeft())));
        return new CellOutcome(c, CellOutcome.Status.NOT_STARTED, null, null, 0);
    }

    /** The steps not started, in the order they were refused. */
    synchronized List<String> notStartedSteps() {
        return List.copyOf(notStarted);
    }

    /** The step as {@link StudyStatus} names it (a knowledge graph: {@code knowledge graph <name>}). */
    private static String statusLabel(Cell c) {
        return c.stage() == Cell.Stage.PRETRAINING && c.method().startsWith(KnowledgeGraphs.STEP_PREFIX)
                ? "knowledge graph " + c.method().substring(KnowledgeGraphs.STEP_PREFIX.length()) : c.label();
    }
}
