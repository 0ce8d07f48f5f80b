package dev.infuse.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.api.Infuse;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A step's folder on disk: complete once its {@code metrics.json} is there, reusable when its recipe matches, written
 * atomically into a temporary sibling and renamed into place, with a per-epoch training checkpoint beside it.
 */
final class StepFolders {
    private StepFolders() {}

    private static final Logger LOG = LoggerFactory.getLogger(StepFolders.class);
    static final String TMP = ".tmp-";

    /** Whether a step's folder is complete and written for this cell's recipe (without {@link #reusable}'s warning about a stale one). */
    static boolean done(Study study, Cell c) {
        return complete(c.folder()) && writtenFor(c.folder(), Recipes.recipe(study, c));
    }

    /** A folder holding a {@code metrics.json} was renamed into place after its run finished. */
    static boolean complete(Path folder) {
        return Files.isRegularFile(folder.resolve("metrics.json"));
    }

    /** Name of the file in a cell's folder that records what the cell was run with. */
    static final String RECIPE = "recipe.txt";

    /**
     * Whether a complete folder holds the result of this recipe. A folder written with another
     * configuration (an edited study file) is stale and is run again; one from a version that wrote
     * no recipe is kept.
     */
    static boolean reusable(Path folder, String recipe) {
        if (!complete(folder)) {
            return false;
        }
        if (writtenFor(folder, recipe)) {
            return true;
        }
        LOG.warn("{}: written with another configuration of the study; running it again", folder);
        return false;
    }

    /** Whether a folder's recipe is this one (a folder from a version that wrote no recipe counts as this one's). */
    static boolean writtenFor(Path folder, String recipe) {
        try {
            Path file = folder.resolve(RECIPE);
            return !Files.isRegularFile(file) || Files.readString(file).equals(recipe);
        } catch (IOException e) {
            return false;
        }
    }

    /** The work of a cell, writing into a temporary folder. */
    @FunctionalInterface
    interface Work {
        void into(Path tmp) throws Exception;
    }

    /**
     * Runs work into a fresh temporary sibling and renames it to the cell's folder, with its recipe;
     * reuses a complete folder of the same recipe — unless {@code needsWeights} and the folder was imported without
     * its weights ({@link StudyArchive}): then it runs again.
     */
    static CellOutcome runAtomically(Cell c, String recipe, boolean needsWeights, TimeLimit limit, Work work)
            throws Exception {
        long t0 = System.nanoTime();
        Path folder = c.folder();
        if (reusable(folder, recipe)) {
            if (!needsWeights || !StudyArchive.weightsRemoved(folder)) {
                return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
            }
            LOG.info("{}: its results were imported without the weights that a step left to run needs: running it again",
                    c.label());
        }
        if (!limit.allows(c)) {
            return limit.notStarted(c);
        }
        Io.createDirectories(folder.getParent());
        Path checkpoint = prepareCheckpoint(folder, recipe);
        Path tmp = folder.resolveSibling(folder.getFileName() + TMP + UUID.randomUUID());
        try {
            Io.createDirectories(tmp); // from the start: a step with a temporary folder is the one running (StudyStatus)
            LOG.info("{}: starting", c.label());
            try {
                work.into(tmp);
            } catch (InfuseException e) {
                if (!e.code().equals("config-checkpoint-mismatch")) {
                    throw e;
                }
                // Same recipe, another run description (e.g. a newer Infuse): start the cell over.
                LOG.warn("{}: its checkpoint belongs to another run ({}); starting over", c.label(), e.getMessage());
                Io.deleteTree(checkpoint);
                prepareCheckpoint(folder, recipe);
                Io.deleteTree(tmp);
                Io.createDirectories(tmp);
                work.into(tmp);
            }
            Io.write(tmp.resolve(RECIPE), recipe);
            Io.deleteTree(folder); // a half-done folder (no metrics.json) from a crash or an older run
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
            Io.deleteTree(checkpoint);
        } finally {
            Io.deleteTree(tmp);
            if (!Files.exists(checkpoint.resolve("training"))) {
                Io.deleteTree(checkpoint); // failed before its first epoch: nothing to resume
            }
        }
        return new CellOutcome(c, CellOutcome.Status.COMPLETED, null, null, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Where a cell's training writes its checkpoint after every epoch, so that a study stopped mid-cell resumes the
     * cell at its last finished epoch: {@code .<cell>.checkpoint} beside the cell's folder, deleted once the cell
     * is complete. Holds the recipe it was written for; a checkpoint of another recipe is deleted.
     */
    static Path checkpointFolder(Path cellFolder) {
        return cellFolder.resolveSibling("." + cellFolder.getFileName() + CHECKPOINT);
    }

    static final String CHECKPOINT = ".checkpoint";

    private static Path prepareCheckpoint(Path cellFolder, String recipe) {
        Path checkpoint = checkpointFolder(cellFolder);
        if (Files.isDirectory(checkpoint) && !checkpointFor(checkpoint, recipe)) {
            LOG.info("{}: deleting a checkpoint written for another configuration", checkpoint);
            Io.deleteTree(checkpoint);
        }
        Io.createDirectories(checkpoint);
        Io.write(checkpoint.resolve(RECIPE), recipe);
        return checkpoint;
    }

    /** Whether a checkpoint folder was written for this recipe (one without a readable recipe was not). */
    static boolean checkpointFor(Path checkpoint, String recipe) {
        try {
            Path file = checkpoint.resolve(RECIPE);
            return Files.isRegularFile(file) && Files.readString(file).equals(recipe);
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes temporary folders a crashed run left behind. */
    static void removeLeftovers(Path out) {
        for (String sub : List.of("cells", "pretraining")) {
            Path root = out.resolve(sub);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root, 4)) {
                for (Path p : s.filter(p -> p.getFileName().toString().contains(TMP)).toList()) {
                    LOG.info("removing the unfinished {}", p);
                    Io.deleteTree(p);
                }
            } catch (IOException e) {
                throw new InfuseException("artifact-io", "cannot scan " + root + ": " + e.getMessage(), e);
            }
        }
    }

    /** Reads a cell's {@code metrics.json}, or null when absent or unreadable. */
    static JsonNode readMetrics(Path folder) {
        try {
            return Io.JSON.readTree(folder.resolve("metrics.json").toFile());
        } catch (IOException e) {
            return null;
        }
    }
}
