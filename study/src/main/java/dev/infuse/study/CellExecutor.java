package dev.infuse.study;

import java.util.List;

/**
 * Runs a batch of independent cells. The local implementation is a bounded thread pool
 * ({@link LocalCellExecutor}); a cluster backend (found through {@link CellExecutorFactory})
 * implements the same contract, rebuilding the work in its own JVMs from a {@link StudyJob}.
 *
 * <p>Contract: every cell gets exactly one outcome, in the order given; a failing cell becomes a
 * {@link CellOutcome.Status#FAILED} outcome and never stops the others; the method returns when all
 * cells are done.
 */
public interface CellExecutor extends AutoCloseable {

    /** The work of one cell: writes its complete outputs into {@link Cell#folder()} or throws. */
    @FunctionalInterface
    interface CellWork {
        /** Runs the cell; returns its outcome (COMPLETED, REUSED, or NOT_STARTED when the run's time limit came first) or throws on failure. */
        CellOutcome run(Cell cell) throws Exception;
    }

    /** Runs the cells (independent of one another) and returns their outcomes in the same order. */
    List<CellOutcome> execute(List<Cell> cells, CellWork work);

    /**
     * Runs the cells of a study. {@code work} runs a cell in this JVM; {@code job} describes the same
     * work for another JVM, which runs a cell with {@link StudyRunner#runCell(StudyJob, Cell.Stage,
     * String, String, long)}. Both give the same outputs. The default runs {@code work} here.
     */
    default List<CellOutcome> execute(StudyJob job, List<Cell> cells, CellWork work) {
        return execute(cells, work);
    }

    /** Releases threads or connections. */
    @Override
    void close();
}
