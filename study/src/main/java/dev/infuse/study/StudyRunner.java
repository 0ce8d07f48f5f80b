package dev.infuse.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.api.Fingerprints;
import dev.infuse.api.Infuse;
import dev.infuse.api.PluginInfo;
import dev.infuse.api.Provenance;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.Spi;
import dev.infuse.tasks.TaskCatalog;
import dev.infuse.tasks.TaskRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Study}: expands its grid into cells ({@code out/cells/<method>/<task>/seed-<n>/}),
 * trains the pretraining steps the pending cells need ({@code out/pretraining/<method>/<adapter>/},
 * shared and reused), runs every cell through {@link TaskRunner#run} on a {@link CellExecutor}, and
 * writes the tables, charts and report ({@link StudyReport}).
 *
 * <p>Resumable: a cell or pretraining folder with a {@code metrics.json} is complete and kept; each
 * is written into a temporary sibling and renamed into place, so a half-done one never looks complete.
 */
public final class StudyRunner {
    private static final Logger LOG = LoggerFactory.getLogger(StudyRunner.class);
    private static final String TMP = ".tmp-";
    /** The error code of a method that cannot take part in a task; such a cell is complete and shown as n/a. */
    static final String NOT_APPLICABLE = "task-not-applicable";

    private StudyRunner() {}

    /**
     * Runs the study into {@code out} and writes its outputs.
     *
     * @param executor runs the cells; the caller closes it
     * @throws InfuseException for problems of the whole study (unknown plugin, unusable output folder);
     *     a failing cell is reported in the results instead
     */
    public static StudyResults run(Infuse infuse, Study study, Path out, CellExecutor executor) {
        checkPlugins(infuse, study);
        Io.createDirectories(out);
        removeLeftovers(out);
        try (Backbone backbone = infuse.createBackbone(study.backbone().name(),
                PluginConfig.of("backbone '" + study.backbone().name() + "'", study.backbone().config()))) {
            List<Cell> cells = cells(study, out);
            Set<Study.Pretraining> needed = new LinkedHashSet<>();
            for (Cell c : cells) {
                if (!complete(c.folder())) {
                    needed.addAll(study.method(c.method()).pretrainings());
                }
            }
            for (Study.KnowledgeGraphStep g : study.knowledgeGraphs()) {
                // Trained here, in order: the TransE trainer already uses every core, and the
                // embeddings land in the output folder, which every executor reads.
                Path folder = KnowledgeGraphs.folder(out, g.name());
                Cell kc = new Cell(Cell.Stage.PRETRAINING, "knowledge/" + g.name(), "transe", 0, folder);
                try {
                    runAtomically(kc, tmp -> KnowledgeGraphs.train(g, tmp));
                } catch (InfuseException e) {
                    throw new InfuseException(e.code(), "knowledge graph '" + g.name() + "': " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new InfuseException("artifact-io", "knowledge graph '" + g.name() + "': " + e.getMessage(), e);
                } catch (Exception e) {
                    throw new IllegalStateException("knowledge graph '" + g.name() + "'", e);
                }
            }
            List<Cell> preCells = new ArrayList<>();
            Map<String, Study.Pretraining> byId = new LinkedHashMap<>();
            for (Study.Pretraining p : needed) {
                preCells.add(new Cell(Cell.Stage.PRETRAINING, p.id(), p.task(), p.seed(), pretrainingFolder(out, p)));
                byId.put(p.id(), p);
            }
            List<CellOutcome> preOutcomes = executor.execute(preCells,
                    c -> runAtomically(c, tmp -> pretrain(infuse, backbone, study, out, byId.get(c.method()), tmp)));
            Map<String, CellOutcome> preById = new LinkedHashMap<>();
            preOutcomes.forEach(o -> preById.put(o.cell().method(), o));

            List<CellOutcome> outcomes = executor.execute(cells, c -> runAtomically(c, tmp -> {
                Study.Method m = study.method(c.method());
                for (Study.Pretraining p : m.pretrainings()) {
                    CellOutcome po = preById.get(p.id());
                    if (po != null && po.status() == CellOutcome.Status.FAILED) {
                        throw new InfuseException("study-pretraining-failed", "pretraining '" + p.id() + "' on " + p.task()
                                + " failed: error[" + po.errorCode() + "]: " + po.error());
                    }
                }
                try {
                    evaluate(infuse, backbone, study, out, m, c, tmp);
                } catch (InfuseException e) {
                    if (!e.code().equals(NOT_APPLICABLE)) {
                        throw e;
                    }
                    LOG.info("{}: not applicable: {}", c.label(), e.getMessage());
                    Io.deleteTree(tmp);
                    Io.createDirectories(tmp);
                    Map<String, Object> na = new LinkedHashMap<>();
                    na.put("task", c.task());
                    na.put("not_applicable", e.getMessage());
                    TaskRunner.writeJson(tmp.resolve("metrics.json"), na);
                }
            }));

            StudyResults results = StudyReport.summarise(study, out, preOutcomes, outcomes,
                    provenance(infuse, study, backbone, executor));
            StudyReport.write(results);
            return results;
        }
    }

    /** The grid in order: method, then task, then seed. */
    static List<Cell> cells(Study study, Path out) {
        List<Cell> cells = new ArrayList<>();
        for (Study.Method m : study.methods()) {
            for (Study.TaskEntry t : study.tasks()) {
                for (long seed : study.seeds()) {
                    cells.add(new Cell(Cell.Stage.EVALUATION, m.name(), t.name(), seed,
                            out.resolve("cells").resolve(m.name()).resolve(t.name()).resolve("seed-" + seed)));
                }
            }
        }
        return cells;
    }

    static Path pretrainingFolder(Path out, Study.Pretraining p) {
        Path f = out.resolve("pretraining");
        for (String part : p.id().split("/")) {
            f = f.resolve(part);
        }
        return f;
    }

    /** A folder holding a {@code metrics.json} was renamed into place after its run finished. */
    static boolean complete(Path folder) {
        return Files.isRegularFile(folder.resolve("metrics.json"));
    }

    /** The work of a cell, writing into a temporary folder. */
    @FunctionalInterface
    private interface Work {
        void into(Path tmp) throws Exception;
    }

    /** Runs work into a fresh temporary sibling and renames it to the cell's folder; reuses a complete folder. */
    private static CellOutcome runAtomically(Cell c, Work work) throws Exception {
        long t0 = System.nanoTime();
        Path folder = c.folder();
        if (complete(folder)) {
            return new CellOutcome(c, CellOutcome.Status.REUSED, null, null, 0);
        }
        Io.createDirectories(folder.getParent());
        Path tmp = folder.resolveSibling(folder.getFileName() + TMP + UUID.randomUUID());
        try {
            LOG.info("{}: starting", c.label());
            work.into(tmp);
            Io.deleteTree(folder); // a half-done folder (no metrics.json) from a crash or an older run
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Io.deleteTree(tmp);
        }
        return new CellOutcome(c, CellOutcome.Status.COMPLETED, null, null, (System.nanoTime() - t0) / 1e9);
    }

    private static void pretrain(Infuse infuse, Backbone backbone, Study study, Path out, Study.Pretraining p, Path tmp) {
        // The pretraining runs under the fusion of the method that defines it (e.g. 'add' for a plug-in
        // trained through the frozen masked-LM head).
        Study.Method owner = study.method(p.id().substring(0, p.id().indexOf('/')));
        String fusion = owner == null ? "concat" : owner.fusion();
        TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec(p.task(), p.train(), p.dev(), study.dataDir(),
                List.of(new TaskRunner.AdapterUse(p.adapter(), null, TaskRunner.AdapterMode.TRAIN,
                        KnowledgeGraphs.resolve(p.config(), out))), fusion,
                training(p.budget(), p.seed()), p.budget().maxLength(), study.cache(), (float) p.budget().headDropout(), tmp));
    }

    private static void evaluate(Infuse infuse, Backbone backbone, Study study, Path out, Study.Method m, Cell c, Path tmp) {
        Study.TaskEntry t = study.tasks().stream().filter(x -> x.name().equals(c.task())).findFirst().orElseThrow();
        List<TaskRunner.AdapterUse> uses = new ArrayList<>();
        for (Study.AdapterEntry a : m.adapters()) {
            uses.add(switch (a.mode()) {
                case TRAIN -> new TaskRunner.AdapterUse(a.adapter(), null, TaskRunner.AdapterMode.TRAIN,
                        KnowledgeGraphs.resolve(a.config(), out));
                case PRETRAINED -> new TaskRunner.AdapterUse(null, a.pretraining() != null
                        ? pretrainingFolder(out, a.pretraining()).resolve("adapters").resolve(a.pretraining().adapter())
                        : a.artifact(), TaskRunner.AdapterMode.PRETRAINED, Map.of());
                case CONTROL -> new TaskRunner.AdapterUse(a.adapter(), a.artifact(), TaskRunner.AdapterMode.CONTROL,
                        KnowledgeGraphs.resolve(a.config(), out));
            });
        }
        TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec(t.name(), t.train(), t.dev(), study.dataDir(), uses,
                m.fusion(), training(t.budget(), c.seed()), t.budget().maxLength(), study.cache(),
                (float) t.budget().headDropout(), tmp));
    }

    static TrainingConfig training(Study.Budget b, long seed) {
        return new TrainingConfig(b.epochs(), b.batchSize(), b.batchSize() * 160, b.learningRate(), b.warmup(), b.clip(),
                b.patience(), seed);
    }

    private static void checkPlugins(Infuse infuse, Study study) {
        check(infuse, PluginKind.BACKBONE, study.backbone().name(), study.file() + ": backbone");
        for (Study.Method m : study.methods()) {
            if (!m.adapters().isEmpty()) {
                check(infuse, PluginKind.FUSION, m.fusion(), study.file() + ": method '" + m.name() + "'");
            }
            for (Study.AdapterEntry a : m.adapters()) {
                if (a.adapter() != null) {
                    check(infuse, PluginKind.ADAPTER, a.adapter(), a.where() + ": method '" + m.name() + "'");
                }
            }
        }
    }

    private static void check(Infuse infuse, PluginKind kind, String name, String where) {
        List<String> names = infuse.registry().available(kind);
        if (!names.contains(name)) {
            String hint = PluginConfig.closest(name, names);
            throw new InfuseException("plugin-not-found", where + ": no " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " plugin '" + name + "'" + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; available: "
                    + String.join(", ", names));
        }
    }

    /** Removes temporary folders a crashed run left behind. */
    private static void removeLeftovers(Path out) {
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

    private static Map<String, Object> provenance(Infuse infuse, Study study, Backbone backbone, CellExecutor executor) {
        Provenance env = Provenance.builder().build();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        p.put("study_file", study.file().toAbsolutePath().toString());
        p.put("study_sha256", Fingerprints.sha256(study.source().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        p.put("data_folder", study.dataDir() == null ? null : study.dataDir().toString());
        Map<String, Object> bb = new LinkedHashMap<>();
        bb.put("name", study.backbone().name());
        bb.put("config", study.backbone().config());
        bb.put("fingerprint", backbone.fingerprint());
        p.put("backbone", bb);
        List<Map<String, Object>> data = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        for (Study.TaskEntry t : study.tasks()) {
            dataFiles(t.name(), study.dataDir(), t.train(), t.dev(), seen, data);
        }
        for (Study.Pretraining pre : study.pretrainings()) {
            dataFiles(pre.task(), study.dataDir(), pre.train(), pre.dev(), seen, data);
        }
        p.put("data", data);
        Map<String, Object> versions = new LinkedHashMap<>();
        String v = StudyRunner.class.getPackage().getImplementationVersion();
        versions.put("infuse", v == null ? "development build" : v);
        versions.put("spi", Spi.VERSION);
        versions.put("java", env.java());
        versions.put("os", env.os());
        List<String> plugins = new ArrayList<>();
        for (PluginInfo info : infuse.registry().plugins()) {
            plugins.add(info.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + info.name() + " " + info.version());
        }
        versions.put("plugins", plugins);
        p.put("versions", versions);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", env.machine().cores());
        machine.put("memory_bytes", env.machine().memory());
        machine.put("parallel_cells", executor instanceof LocalCellExecutor l ? l.threads() : null);
        machine.put("executor", executor.getClass().getSimpleName());
        p.put("machine", machine);
        p.put("config", study.source());
        return p;
    }

    private static void dataFiles(String task, Path dataDir, Path train, Path dev, Set<Path> seen, List<Map<String, Object>> out) {
        List<Path> files = new ArrayList<>();
        try {
            TaskCatalog.DataFiles f = TaskCatalog.resolve(TaskCatalog.task(task), dataDir, train, dev);
            files.add(f.train());
            if (f.dev() != null) {
                files.add(f.dev());
            }
        } catch (InfuseException e) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", task);
            row.put("error", e.getMessage());
            out.add(row);
            return;
        }
        for (Path file : files) {
            if (!seen.add(file.toAbsolutePath())) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", task);
            row.put("path", file.toString());
            try {
                row.put("sha256", Fingerprints.sha256(file));
                row.put("bytes", Files.size(file));
            } catch (InfuseException | IOException e) {
                row.put("error", e.getMessage());
            }
            out.add(row);
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
