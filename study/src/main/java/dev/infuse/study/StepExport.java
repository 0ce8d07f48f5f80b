package dev.infuse.study;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link StudyRunner.Options#exportEachStep()}: the study's results exported after every step a run completes and at
 * its end. A run on a machine that may be lost (a session, a preemptible batch job) then keeps everything but the steps
 * under way, in a folder small enough to commit or copy off. An export that fails is logged and the run goes on: the
 * steps themselves are safe in the output folder, and the next export writes them.
 */
final class StepExport {
    private static final Logger LOG = LoggerFactory.getLogger(StepExport.class);

    private final Study study;
    private final Path out;
    private final Path dest;
    private final Set<Path> exported = ConcurrentHashMap.newKeySet();
    private volatile Consumer<Set<Path>> interimTables = completed -> { };

    /** @param dest null for no export */
    StepExport(Study study, Path out, Path dest) {
        this.study = study;
        this.out = out;
        this.dest = dest;
    }

    /**
     * Sets what writes the study's interim tables into the output folder before each step's export, so that an export
     * taken mid-run (and --out itself) shows every step complete so far; it receives the steps completed by this run.
     */
    void interimTablesBy(Consumer<Set<Path>> write) {
        this.interimTables = write;
    }

    /**
     * Exports when the step has just completed (not reused, not refused, not failed) and was not exported yet: a local
     * executor's step from inside its work, a cluster executor's from its batch's outcomes.
     *
     * @return the outcome, unchanged
     */
    CellOutcome completed(CellOutcome o) {
        if (dest != null && o.status() == CellOutcome.Status.COMPLETED && exported.add(o.cell().folder())) {
            export("after " + o.cell().label(), true);
        }
        return o;
    }

    /** The last export, with the tables the run has just written. */
    void finished() {
        if (dest != null) {
            export("at the end of the run", false);
        }
    }

    private synchronized void export(String when, boolean interim) {
        if (interim) {
            try {
                interimTables.accept(Set.copyOf(exported));
            } catch (RuntimeException e) { // the tables are a convenience: the steps are exported all the same
                LOG.warn("could not write the interim tables ({}): {}; the export goes on", when, e.getMessage());
            }
        }
        try {
            StudyArchive.Exported e = StudyArchive.export(study, out, dest);
            LOG.info("exported {} complete steps into {} ({})", e.steps(), dest, when);
        } catch (InfuseException e) {
            LOG.warn("could not export into {} ({}): error[{}]: {}; the run goes on", dest, when, e.code(), e.getMessage());
        }
    }
}
