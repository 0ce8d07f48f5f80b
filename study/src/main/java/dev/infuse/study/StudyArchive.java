package dev.infuse.study;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A study's results without its model weights: the part of an output folder that travels — committed beside the study
 * file, copied to another machine — so that a study too long for one machine session goes on elsewhere.
 *
 * <p>{@link #export} copies every complete step of the study (knowledge graphs, pretrainings, cells) written for its
 * current recipe: metrics, recipe, per-item outcomes, environment and every artifact's manifest — no weights, no
 * prediction files (they quote the data) and no file over {@link #MAX_FILE_BYTES}; then the study's tables. Each
 * exported step holds {@value #MARKER}, listing what was left out. Checkpoints of unfinished steps and temporary
 * folders are never exported: an unfinished cell starts over elsewhere.
 *
 * <p>{@link #restore} copies an archive's steps into an output folder where they are missing. A run then keeps them
 * like any complete step: the report, the paired tests and {@code infuse compare} need only outcomes. A step whose
 * weights a remaining step needs — a pretraining or knowledge graph with cells still to run, a downstream model a
 * plug-and-play cell still to run reuses — runs again first, from the same recipe; cells already done are not rerun
 * unless they depend on a model that was.
 */
public final class StudyArchive {
    private static final Logger LOG = LoggerFactory.getLogger(StudyArchive.class);

    /** The file in an exported step's folder that marks its weights as left out and lists them. */
    public static final String MARKER = "weights-removed.json";

    /** Files larger than this are left out of an export, as weights are. */
    public static final long MAX_FILE_BYTES = 16L << 20;

    /** The study-level files exported beside the steps: its tables (the report and charts are rebuilt by a run). */
    private static final List<String> STUDY_FILES = List.of("results.md", "results.json", "results.csv", "cells.csv",
            "comparisons.csv");

    private StudyArchive() {}

    /**
     * What an export wrote.
     *
     * @param steps complete steps exported
     * @param bytes bytes written
     * @param leftOut files left out (paths relative to the output folder)
     * @param stale complete steps skipped because they were written for another recipe of the study
     */
    public record Exported(int steps, long bytes, List<String> leftOut, int stale) {}

    /**
     * What a restore copied.
     *
     * @param copied steps copied into the output folder
     * @param present steps the output folder already held complete (kept as they are)
     * @param stale steps of the archive written for another recipe of the study (not copied)
     */
    public record Restored(int copied, int present, int stale) {}

    /**
     * Writes the results of the study in {@code out} into {@code dest}, replacing what {@code dest} held (written into a
     * temporary sibling and renamed into place: an interrupted export leaves the previous one whole).
     *
     * @throws InfuseException {@code artifact-io} when a file cannot be read or written; {@code config-shared-folder}
     *     when {@code dest} is inside {@code out} or the other way round
     */
    public static Exported export(Study study, Path out, Path dest) {
        checkDestination(out, dest);
        Path o = out.toAbsolutePath().normalize();
        Path d = dest.toAbsolutePath().normalize();
        Path tmp = d.resolveSibling(d.getFileName() + StepFolders.TMP + UUID.randomUUID());
        long[] bytes = {0};
        List<String> leftOut = new ArrayList<>();
        int steps = 0;
        int stale = 0;
        try {
            Io.createDirectories(tmp);
            for (Step s : steps(study, out)) {
                if (!StepFolders.complete(s.folder())) {
                    continue;
                }
                if (!StepFolders.writtenFor(s.folder(), s.recipe().get())) {
                    stale++;
                    continue;
                }
                Path rel = o.relativize(s.folder().toAbsolutePath().normalize());
                List<String> removed = new ArrayList<>(StudyArchive.removed(s.folder()));
                try (Stream<Path> files = Files.walk(s.folder())) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String name = s.folder().relativize(f).toString();
                        if (name.equals(MARKER)) {
                            continue;
                        }
                        if (!kept(s, name, Files.size(f))) {
                            removed.add(name);
                            leftOut.add(rel.resolve(name).toString());
                            continue;
                        }
                        Path target = tmp.resolve(rel).resolve(name);
                        Files.createDirectories(target.getParent());
                        Files.copy(f, target);
                        bytes[0] += Files.size(f);
                    }
                }
                Map<String, Object> marker = new LinkedHashMap<>();
                marker.put("exported", firstExported(d.resolve(rel), s.folder()));
                marker.put("left_out", removed.stream().distinct().sorted().toList());
                Io.writeJson(tmp.resolve(rel).resolve(MARKER), marker);
                steps++;
            }
            for (String name : STUDY_FILES) {
                Path f = o.resolve(name);
                if (Files.isRegularFile(f)) {
                    Files.copy(f, tmp.resolve(name));
                    bytes[0] += Files.size(f);
                }
            }
            replace(tmp, d);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot export the study in " + out + " into " + dest + ": " + e.getMessage(), e);
        } finally {
            Io.deleteTree(tmp);
        }
        return new Exported(steps, bytes[0], List.copyOf(leftOut), stale);
    }

    /**
     * Checks that {@code dest} can hold an export of the study in {@code out}, before a run that exports as it goes.
     *
     * @throws InfuseException {@code config-shared-folder} when {@code dest} is inside {@code out} or the other way round
     */
    public static void checkDestination(Path out, Path dest) {
        Path o = out.toAbsolutePath().normalize();
        Path d = dest.toAbsolutePath().normalize();
        if (d.startsWith(o) || o.startsWith(d)) {
            throw new InfuseException("config-shared-folder", "export folder " + dest + ": must lie outside the study's output "
                    + "folder " + out + " and not contain it");
        }
    }

    /**
     * Copies the steps of the archive {@code archive} (written by {@link #export}) that {@code out} lacks into {@code out},
     * each through a temporary sibling renamed into place. Complete steps of {@code out} are kept, and steps written
     * for another recipe of the study are not copied.
     *
     * @throws InfuseException {@code data-missing} when {@code archive} is not a folder; {@code config-study-running}
     *     when a run is writing into {@code out}; {@code artifact-io}
     */
    public static Restored restore(Study study, Path archive, Path out) {
        if (!Files.isDirectory(archive)) {
            throw new InfuseException("data-missing", "--import " + archive + ": not a folder (expected a study's "
                    + "results written by infuse study --export)");
        }
        Io.createDirectories(out);
        try (StudyLock lock = StudyLock.acquire(out)) { // a run writing into out now could be running one of these steps
            return restoreLocked(study, archive, out);
        }
    }

    private static Restored restoreLocked(Study study, Path archive, Path out) {
        Path a = archive.toAbsolutePath().normalize();
        Path o = out.toAbsolutePath().normalize();
        int copied = 0;
        int present = 0;
        int stale = 0;
        for (Step s : steps(study, out)) {
            Path target = s.folder().toAbsolutePath().normalize();
            Path source = a.resolve(o.relativize(target));
            if (!StepFolders.complete(source)) {
                continue;
            }
            if (!StepFolders.writtenFor(source, s.recipe().get()) || !Files.isRegularFile(source.resolve(StepFolders.RECIPE))) {
                stale++;
                continue;
            }
            if (StepFolders.complete(target)) {
                present++;
                continue;
            }
            Path tmp = target.resolveSibling(target.getFileName() + StepFolders.TMP + UUID.randomUUID());
            try {
                try (Stream<Path> files = Files.walk(source)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Path t = tmp.resolve(source.relativize(f).toString());
                        Files.createDirectories(t.getParent());
                        Files.copy(f, t);
                    }
                }
                Io.deleteTree(target); // a half-done folder of an interrupted run
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                copied++;
            } catch (IOException e) {
                throw new InfuseException("artifact-io", "cannot copy " + source + " into " + target + ": " + e.getMessage(), e);
            } finally {
                Io.deleteTree(tmp);
            }
        }
        LOG.info("imported from {}: {} steps copied, {} already complete here, {} written for another recipe (not copied)",
                archive, copied, present, stale);
        return new Restored(copied, present, stale);
    }

    /**
     * Whether an export keeps a step's file: its JSON files (metrics, per-item outcomes, environment, artifact manifests,
     * training history) and its recipe, up to {@link #MAX_FILE_BYTES}. Left out: weights, prediction files (they quote
     * the data set's items, which never go into a repository) and, of a knowledge graph, all but its metrics (the graph
     * files are data).
     */
    private static boolean kept(Step s, String name, long size) {
        String file = Path.of(name).getFileName().toString();
        if (size > MAX_FILE_BYTES || file.contains("predictions")) {
            return false;
        }
        if (s.knowledge()) {
            return name.equals("metrics.json") || name.equals(StepFolders.RECIPE);
        }
        return file.endsWith(".json") || name.equals(StepFolders.RECIPE);
    }

    /** Whether a step's folder came from an export and lacks its weights. */
    public static boolean weightsRemoved(Path folder) {
        return Files.isRegularFile(folder.resolve(MARKER));
    }

    /**
     * When the step was first exported: as the archive being replaced says (or the imported step's own marker), so that
     * exporting again changes no file of an unchanged step; now for a step exported for the first time.
     */
    private static String firstExported(Path... markedFolders) {
        for (Path folder : markedFolders) {
            if (weightsRemoved(folder)) {
                try {
                    String exported = Io.JSON.readTree(folder.resolve(MARKER).toFile()).path("exported").asText("");
                    if (!exported.isEmpty()) {
                        return exported;
                    }
                } catch (IOException e) {
                    // a damaged marker: the step counts as exported now
                }
            }
        }
        return Instant.now().toString();
    }

    /** The files an earlier export left out of this folder (when it is itself an imported one). */
    private static List<String> removed(Path folder) {
        if (!weightsRemoved(folder)) {
            return List.of();
        }
        try {
            List<String> names = new ArrayList<>();
            Io.JSON.readTree(folder.resolve(MARKER).toFile()).path("left_out").forEach(n -> names.add(n.asText()));
            return names;
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * A step's folder and the recipe its results must have been written for, computed when asked: a cell reusing a
     * downstream model names that model's weights, which a restore may have copied in just before.
     */
    private record Step(Path folder, java.util.function.Supplier<String> recipe, boolean knowledge) {
        Step(Path folder, java.util.function.Supplier<String> recipe) {
            this(folder, recipe, false);
        }
    }

    /**
     * Every step of the study; cells in the order of their waves, so that a downstream model is restored before the
     * cells reusing it (their recipes name its weights' digest, read from its manifest).
     */
    private static List<Step> steps(Study study, Path out) {
        List<Step> steps = new ArrayList<>();
        for (Study.KnowledgeGraphStep g : study.knowledgeGraphs()) {
            steps.add(new Step(KnowledgeGraphs.folder(out, g.name()), () -> Recipes.recipe(g), true));
        }
        for (Study.Pretraining p : study.pretrainings()) {
            Cell c = new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), StudyGrid.pretrainingFolder(out, p));
            steps.add(new Step(c.folder(), () -> Recipes.recipe(study, c)));
        }
        for (List<Cell> wave : StudyGrid.waves(study, StudyGrid.cells(study, out))) {
            for (Cell c : wave) {
                steps.add(new Step(c.folder(), () -> Recipes.recipe(study, c)));
            }
        }
        return steps;
    }

    /** Moves {@code tmp} to {@code dest}, replacing it; the previous {@code dest} is deleted only once the new one is in place. */
    private static void replace(Path tmp, Path dest) throws IOException {
        Files.createDirectories(dest.toAbsolutePath().getParent());
        Path old = dest.resolveSibling(dest.getFileName() + ".old-" + UUID.randomUUID());
        boolean had = Files.exists(dest);
        if (had) {
            Files.move(dest, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (had) {
                Files.move(old, dest, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        Io.deleteTree(old);
    }
}
