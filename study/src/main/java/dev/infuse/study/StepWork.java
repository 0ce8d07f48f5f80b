package dev.infuse.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infuse.api.Infuse;
import dev.infuse.api.RunEnvironment;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Task;
import dev.infuse.tasks.OutputFiles;
import dev.infuse.tasks.RunSpec;
import dev.infuse.tasks.TaskRunner;
import dev.infuse.tasks.Tasks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work of one step in this JVM: a pretraining or an evaluation cell through {@link TaskRunner#run}, with its
 * peak memory and environment recorded; a method that cannot take part in a task writes an n/a cell.
 */
final class StepWork {
    private StepWork() {}

    private static final Logger LOG = LoggerFactory.getLogger(StepWork.class);
    /** The error code of a method that cannot take part in a task; such a cell is complete and shown as n/a. */
    static final String NOT_APPLICABLE = "task-not-applicable";

    static void checkPretrainings(Study.Method m, long seed, Map<String, String> failed) {
        for (Study.Pretraining p : m.pretrainings(seed)) {
            String error = failed.get(p.id());
            if (error != null) {
                throw new InfuseException("study-pretraining-failed", "pretraining '" + p.id() + "' on " + p.task()
                        + " failed: " + error);
            }
        }
    }

    static void pretrain(Infuse infuse, Backbone backbone, Study study, Path out, Study.Pretraining p, Path tmp) {
        // The pretraining runs under the fusion of the method that defines it (e.g. 'add' for a plug-in
        // trained through the frozen masked-LM head).
        Study.Method owner = study.method(p.id().substring(0, p.id().indexOf('/')));
        String fusion = owner == null ? "concat" : owner.fusion();
        RunSpec.AdapterUse trained = new RunSpec.AdapterUse(p.adapter(), null, RunSpec.AdapterMode.TRAIN,
                KnowledgeGraphs.resolve(p.config(), out));
        RunSpec.Builder spec = RunSpec.builder(p.task()).train(p.train()).dev(p.dev()).data(study.dataDir())
                .adapter(trained).fusionIfSideAdapters(fusion).training(training(p.budget(), p.seed())).maxLength(p.budget().maxLength())
                .cache(study.cache())
                .fusionConfig(owner == null ? Map.of() : owner.fusionConfig()).headDropout((float) p.budget().headDropout()).out(tmp).maxTrain(p.budget().maxTrain())
                .checkpoint(StepFolders.checkpointFolder(StudyGrid.pretrainingFolder(out, p)).resolve("training"))
                .layerPlugins(p.layerPlugins().stream().map(l -> new RunSpec.LayerUse(l.name(), l.config())).toList());
        p.options().forEach(spec::taskOption);
        TaskRunner.run(infuse, backbone, spec.build());
    }

    /** Runs an evaluation cell into {@code tmp}; a method that cannot take part writes an n/a {@code metrics.json}. */
    static void evaluate(Infuse infuse, Backbone backbone, Study study, Path out, Study.Method m, Cell c, Path tmp) {
        try {
            runEvaluation(infuse, backbone, study, out, m, c, tmp);
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
            OutputFiles.writeJson(tmp.resolve("metrics.json"), na);
        }
    }

    private static void runEvaluation(Infuse infuse, Backbone backbone, Study study, Path out, Study.Method m, Cell c, Path tmp) {
        Study.TaskEntry t = study.tasks().stream().filter(x -> x.name().equals(c.task())).findFirst().orElseThrow();
        List<RunSpec.AdapterUse> uses = new ArrayList<>();
        for (Study.AdapterEntry a : m.adapters()) {
            uses.add(switch (a.mode()) {
                case TRAIN -> new RunSpec.AdapterUse(a.adapter(), null, RunSpec.AdapterMode.TRAIN,
                        KnowledgeGraphs.resolve(a.config(), out));
                case PRETRAINED -> new RunSpec.AdapterUse(null, a.pretraining() != null
                        ? StudyGrid.pretrainingFolder(out, a.pretraining().forSeed(c.seed())).resolve("adapters").resolve(a.pretraining().adapter())
                        : a.artifact(), RunSpec.AdapterMode.PRETRAINED, Map.of());
                case CONTROL -> new RunSpec.AdapterUse(a.adapter(), a.artifact(), RunSpec.AdapterMode.CONTROL,
                        KnowledgeGraphs.resolve(a.config(), out));
            });
        }
        Study.Budget budget = m.budget(t);
        Study.Downstream d = m.downstream();
        RunSpec.Builder spec = RunSpec.builder(t.ref()).train(t.train()).dev(t.dev()).test(t.test())
                .data(study.dataDir()).adapters(uses).fusionIfSideAdapters(m.fusion()).training(training(budget, c.seed()))
                .maxLength(budget.maxLength()).cache(study.cache()).headDropout((float) budget.headDropout()).out(tmp)
                .maxTrain(budget.maxTrain()).markers(t.markers()).fusionConfig(m.fusionConfig())
                .layerPlugins(d.layerPlugins().stream().map(l -> new RunSpec.LayerUse(l.name(), l.config())).toList())
                .backboneDropout(d.backboneDropout() == null ? null : d.backboneDropout().floatValue());
        spec.dataSeed(study.dataSeed());
        spec.checkpoint(StepFolders.checkpointFolder(c.folder()).resolve("training"));
        // The task entry's options, then a twin's over them (markers stay the entry's 'markers' key).
        t.options().forEach(spec::taskOption);
        m.taskOptions(t).forEach(spec::taskOption);
        if (d.from() != null) {
            spec.head(new RunSpec.HeadUse(sourceModel(out, m, c), d.frozen()));
        }
        Study.Pretraining inLayer = m.inLayerPretraining();
        if (inLayer != null) {
            spec.head(new RunSpec.HeadUse(pretrainedLayers(infuse, inLayer.forSeed(c.seed()), spec.build(), out), true));
        }
        PeakMemory.Span memory = PeakMemory.start();
        try {
            TaskRunner.run(infuse, backbone, spec.build());
        } finally {
            PeakMemory.Reading peak = memory.end();
            recordPeakMemory(tmp, peak);
        }
        writeEnvironment(study, budget, tmp);
    }

    /**
     * The downstream model a plug-and-play cell reuses: {@code head/} of the same task and seed's cell of
     * the method named by {@code downstream.from}, which ran in an earlier wave.
     *
     * @throws InfuseException {@code study-downstream-failed} when that cell is not complete;
     *     {@code task-not-applicable} when it is n/a or saved no model (a probe trains none): then so is this cell
     */
    private static Path sourceModel(Path out, Study.Method m, Cell c) {
        String from = m.downstream().from();
        Path source = StudyGrid.cellFolder(out, from, c.task(), c.seed());
        if (!StepFolders.complete(source)) {
            throw new InfuseException("study-downstream-failed", "method '" + m.name() + "' reuses the downstream model of "
                    + from + "/" + c.task() + "/seed-" + c.seed() + ", which did not complete (see that cell's error)");
        }
        JsonNode metrics = StepFolders.readMetrics(source);
        if (metrics != null && metrics.hasNonNull("not_applicable")) {
            throw new InfuseException(NOT_APPLICABLE, "method '" + from + "', whose downstream model this method reuses, is "
                    + "not applicable here: " + metrics.path("not_applicable").asText());
        }
        Path head = source.resolve("head");
        if (!Files.isDirectory(head)) {
            // A complete cell without a model trained nothing (a probe answers through the frozen masked-LM head).
            throw new InfuseException(NOT_APPLICABLE, "method '" + from + "', whose downstream model this method reuses, "
                    + "saved none on task '" + c.task() + "' (nothing is trained there)");
        }
        return head;
    }

    /**
     * The in-layer plug-ins a knowledge plug-in was pretrained with ({@code <pretraining>/head}), which a cell loads
     * frozen. They came with the pretraining task's masked-LM head, so only probes, which answer through that head,
     * can use them; a task with a head of its own would have to train a new downstream model around them.
     *
     * @throws InfuseException {@code task-not-applicable} for a task that is not a probe
     */
    private static Path pretrainedLayers(Infuse infuse, Study.Pretraining p, RunSpec cell, Path out) {
        Task task = Tasks.of(infuse.registry(), cell.taskIncludes()).create(cell.task(), cell.taskOptions());
        if (!task.probe()) {
            throw new InfuseException(NOT_APPLICABLE, "the in-layer plug-ins " + p.layerPlugins().stream()
                    .map(Study.LayerPluginEntry::name).toList() + " pretrained with the knowledge plug-in (" + p.id()
                    + ") answer through the masked-LM head: only probe tasks load them, and task '" + cell.task()
                    + "' trains a head of its own");
        }
        return StudyGrid.pretrainingFolder(out, p).resolve("head");
    }

    /** Adds the cell's peak resident set size ({@link PeakMemory}) to its {@code metrics.json}, when there is one. */
    @SuppressWarnings("unchecked")
    private static void recordPeakMemory(Path tmp, PeakMemory.Reading peak) {
        Path file = tmp.resolve("metrics.json");
        if (!Files.isRegularFile(file) || peak.bytes() < 0) {
            return;
        }
        try {
            Map<String, Object> m = Io.JSON.readValue(file.toFile(), LinkedHashMap.class);
            // A cell resumed from its checkpoint: the processes that trained its earlier epochs count too.
            long earlier = m.get("resumed") instanceof Map<?, ?> r && r.get("earlier_peak_rss_bytes") instanceof Number n
                    ? n.longValue() : -1;
            m.put("peak_rss_bytes", Math.max(peak.bytes(), earlier));
            m.put("peak_rss_scope", peak.scope());
            OutputFiles.writeJson(file, m);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot add the peak memory to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Name of the file in a cell's folder recording what can move its numbers ({@link RunEnvironment}). */
    static final String ENVIRONMENT = "environment.json";

    /** Records the cell's {@link RunEnvironment}: processor, threads, precision (the backbone's, else fp32), batch, versions. */
    private static void writeEnvironment(Study study, Study.Budget budget, Path tmp) {
        Object precision = study.backbone().config().get("precision");
        OutputFiles.writeJson(tmp.resolve(ENVIRONMENT),
                RunEnvironment.collect(precision == null ? null : precision.toString(), budget.batchSize()).toMap());
    }

    static TrainingConfig training(Study.Budget b, long seed) {
        return new TrainingConfig(b.epochs(), b.batchSize(), b.batchSize() * 160, b.learningRate(), b.warmup(), b.clip(),
                b.patience(), seed, b.evaluateEvery());
    }
}
