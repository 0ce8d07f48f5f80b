package dev.infuse.study;

/**
 * What became of a cell in one run of a study.
 *
 * @param cell the cell
 * @param status completed now, reused from an earlier run, failed, not applicable or not started
 * @param errorCode the error's code when failed (an {@link dev.infuse.spi.InfuseException} code, or {@code internal})
 * @param error the error message when failed, else null
 * @param seconds wall time spent in this run
 */
public record CellOutcome(Cell cell, Status status, String errorCode, String error, double seconds) {

    /** A cell's status. */
    public enum Status {
        /** Ran in this run and wrote complete outputs. */
        COMPLETED,
        /** Complete outputs from an earlier run were found and kept. */
        REUSED,
        /** Failed; its folder holds no complete outputs and a rerun tries it again. */
        FAILED,
        /**
         * The method cannot take part in the task (e.g. a concat-fused side adapter on a probe read
         * through the frozen masked-LM head); the cell is complete, its reason is in its
         * {@code metrics.json} as {@code not_applicable}, and the tables show "n/a".
         */
        NOT_APPLICABLE,
        /**
         * Not started: the run's time limit ({@link StudyRunner.Options#stopAfter()}) came first; the step is left for the
         * next run. Never among a study's cell results: the report leaves such cells out, as it does cells outside a
         * slice, and lists them in {@link StudyResults#notStarted()}.
         */
        NOT_STARTED
    }

    /** The outcome of a cell that threw {@code t}: its {@link dev.infuse.spi.InfuseException} code, else {@code internal}. */
    public static CellOutcome failed(Cell cell, Throwable t, double seconds) {
        String code = t instanceof dev.infuse.spi.InfuseException ie ? ie.code() : "internal";
        String message = t instanceof dev.infuse.spi.InfuseException ? t.getMessage() : t.toString();
        return new CellOutcome(cell, Status.FAILED, code, message, seconds);
    }
}
