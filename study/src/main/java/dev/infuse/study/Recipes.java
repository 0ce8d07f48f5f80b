package dev.infuse.study;

import dev.infuse.api.Fingerprints;
import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a step's result depends on, as text: a step is reused only when the recipe it was written for is the same. */
final class Recipes {
    private Recipes() {}

    /**
     * What a cell's result depends on, as text: the backbone, the method's adapters and fusion (or the
     * pretraining step), the task with its files and budget, the seed, and whether the cache is on.
     * Positions in the study file and comments are not part of it.
     */
    static String recipe(Study study, Cell c) {
        StringBuilder r = new StringBuilder();
        r.append("backbone ").append(study.backbone()).append('\n');
        if (c.stage() == Cell.Stage.PRETRAINING) {
            Study.Pretraining p = study.pretrainings().stream().filter(x -> x.id().equals(c.method())).findFirst().orElse(null);
            Study.Method owner = study.method(c.method().substring(0, Math.max(0, c.method().indexOf('/'))));
            r.append("pretraining ").append(p).append('\n').append("fusion ").append(owner == null ? null : owner.fusion());
            if (owner != null && !owner.fusionConfig().isEmpty()) {
                r.append(" fusion_config ").append(new java.util.TreeMap<>(owner.fusionConfig()));
            }
        } else {
            Study.Method m = study.method(c.method());
            r.append("method ").append(m.name()).append(" fusion ").append(m.fusion());
            if (!m.fusionConfig().isEmpty()) { // only then, so that the recipes of earlier studies stay the same
                r.append(" fusion_config ").append(new java.util.TreeMap<>(m.fusionConfig()));
            }
            r.append('\n');
            for (Study.AdapterEntry a : m.adapters()) {
                r.append("adapter ").append(a.mode()).append(' ').append(a.adapter()).append(' ').append(a.config()).append(' ')
                        .append(a.artifact()).append(' ').append(a.pretraining() == null ? null : a.pretraining().forSeed(c.seed()))
                        .append('\n');
            }
            Study.TaskEntry t = study.tasks().stream().filter(x -> x.name().equals(c.task())).findFirst().orElseThrow();
            // Downstream model and method budget only when set, so that the recipes of earlier studies stay the same.
            if (!m.downstream().headOnly()) {
                r.append("downstream ").append(m.downstream().describe()).append('\n');
            }
            if (m.downstream().from() != null) {
                Path studyOut = c.folder().getParent().getParent().getParent().getParent(); // out/cells/<method>/<task>/seed-<n>
                Cell source = new Cell(Cell.Stage.EVALUATION, m.downstream().from(), c.task(), c.seed(),
                        StudyGrid.cellFolder(studyOut, m.downstream().from(), c.task(), c.seed()));
                r.append("downstream source recipe sha256 ").append(Fingerprints.sha256(recipe(study, source)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))).append(" weights ").append(headWeights(source.folder()))
                        .append('\n');
            }
            r.append("task ").append(t).append('\n').append("seed ").append(c.seed()).append('\n');
            if (study.dataSeed() != null) { // only when set, so that the recipes of earlier studies stay the same
                r.append("data_seed ").append(study.dataSeed()).append('\n');
            }
            if (m.budgets().containsKey(t.name())) {
                r.append("method budget ").append(m.budget(t)).append('\n');
            }
            if (!m.taskOptions(t).isEmpty()) {
                r.append("method task_options ").append(new java.util.TreeMap<>(m.taskOptions(t))).append('\n');
            }
        }
        r.append("\ncache ").append(study.cache()).append('\n');
        return r.toString();
    }

    /** What a knowledge graph step's embeddings depend on, as text. */
    static String recipe(Study.KnowledgeGraphStep g) {
        return "knowledge graph " + g + "\n";
    }

    /** The SHA-256 of the weights of a complete cell's saved downstream model, or {@code none}. */
    private static String headWeights(Path cell) {
        Path head = cell.resolve("head");
        if (!StepFolders.complete(cell) || !Files.isDirectory(head)) {
            return "none";
        }
        try {
            return dev.infuse.api.Artifacts.readManifest(head).weights().sha256();
        } catch (InfuseException e) {
            return "unreadable";
        }
    }
}
