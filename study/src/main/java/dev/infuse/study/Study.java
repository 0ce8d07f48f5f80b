package dev.infuse.study;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed study file: what to compare (methods), on what (tasks, with a data folder and a frozen
 * backbone), how often (seeds) and with which training budgets. Read one with {@link StudyFile#read}.
 *
 * @param file the study file
 * @param source its text, kept for the report's provenance
 * @param name the study's name (default: the file name without extension)
 * @param backbone the frozen backbone every cell uses
 * @param dataDir the data folder, laid out like the project's shared data (see {@code docs/TASKS.md})
 * @param tasks the tasks, in the file's order
 * @param methods the methods, the frozen baseline first
 * @param seeds the seeds every (method, task) pair runs with
 * @param cache whether cells may use the activation cache
 * @param knowledgeGraphs knowledge-graph embeddings the study trains first (TransE), referenced from
 *     adapter configurations as {@code kg:<name>}
 * @param dataSeed the seed of every cell's data splits and subsets (a development split cut from the
 *     training file, a {@code max_train} subset), the same for all seeds so that their runs score the
 *     same items and pool in paired statistics; null: each cell's own seed (each seed its own split)
 */
public record Study(Path file, String source, String name, BackboneChoice backbone, Path dataDir, List<TaskEntry> tasks,
        List<Method> methods, List<Long> seeds, boolean cache, List<KnowledgeGraphStep> knowledgeGraphs, Long dataSeed) {

    /** Name of the frozen baseline method (no adapters), always part of a study. */
    public static final String BASELINE = "baseline";

    /** Suffix of a method's knowledge-ablated twin: {@code <method>-twin}. */
    public static final String TWIN_SUFFIX = "-twin";

    public Study {
        tasks = List.copyOf(tasks);
        methods = List.copyOf(methods);
        seeds = List.copyOf(seeds);
        knowledgeGraphs = List.copyOf(knowledgeGraphs);
    }

    /**
     * This study with the backbone's {@code precision} key set (the {@code infuse study --precision}
     * option, which replaces the file's {@code precision:}).
     */
    public Study withPrecision(String precision) {
        Map<String, Object> config = new java.util.LinkedHashMap<>(backbone.config());
        config.put("precision", precision);
        return new Study(file, source, name, new BackboneChoice(backbone.name(), config), dataDir, tasks, methods, seeds,
                cache, knowledgeGraphs, dataSeed);
    }

    /** Prefix of an adapter configuration value naming a study knowledge graph's entity embeddings. */
    public static final String KG_REFERENCE = "kg:";

    /**
     * Entity embeddings the study trains with TransE before any pretraining, written to
     * {@code out/knowledge/<name>/entity_embeddings.safetensors}; an adapter configuration value
     * {@code kg:<name>} stands for that file.
     *
     * @param name lower-case name
     * @param source {@code wordnet} (the embedded WordNet 3.1 graph, facts evaluated by the WordNet
     *     tasks removed) or a triples folder (see {@code infuse transe}), relative to the data folder
     * @param folder the resolved triples folder, or null for {@code wordnet}
     * @param transe TransE settings ({@code infuse transe}'s option names without dashes: dimension,
     *     epochs, lr, margin, norm, negatives, batch_size, seed)
     * @param lama LAMA facts joined to a triples folder, or null
     * @param keepProbeFacts {@code wordnet} only: the {@code wn-hypernym} probe's facts stay in the graph
     *     (the knowledge source of a knowledge-effect run; without them it is the knowledge-ablated twin's)
     */
    public record KnowledgeGraphStep(String name, String source, Path folder, Map<String, Object> transe, LamaAddition lama,
            boolean keepProbeFacts) {
        /** A graph without LAMA facts. */
        public KnowledgeGraphStep(String name, String source, Path folder, Map<String, Object> transe) {
            this(name, source, folder, transe, null, false);
        }

        /** As a record's, naming {@code lama} and kept probe facts only when there are, so that earlier studies' recipes stay the same. */
        @Override
        public String toString() {
            return "KnowledgeGraphStep[name=" + name + ", source=" + source + ", folder=" + folder + ", transe=" + transe
                    + (lama == null ? "" : ", lama=" + lama) + (keepProbeFacts ? ", probe_facts=kept" : "") + "]";
        }
    }

    /**
     * A LAMA folder's facts added to a knowledge graph's training triples ({@code add_lama}), every LAMA
     * entity declared (see {@link dev.infuse.kg.LamaGraphs}).
     *
     * @param source the folder as written in the study file (relative to the data folder)
     * @param folder the resolved folder
     * @param holdOutProbeFacts whether the facts the T-REx tasks hold out as probe facts are left out
     *     (the knowledge-ablated twin of the full graph)
     * @param probeFraction with {@code holdOutProbeFacts}: the trex-* tasks' {@code probe_fraction}
     * @param splitSeed with {@code holdOutProbeFacts}: the trex-* tasks' {@code split_seed}
     */
    public record LamaAddition(String source, Path folder, boolean holdOutProbeFacts, double probeFraction, long splitSeed) {}

    /**
     * @param name backbone plugin name, e.g. {@code bert}
     * @param config its configuration
     */
    public record BackboneChoice(String name, Map<String, Object> config) {}

    /**
     * Training budget of one run.
     *
     * @param epochs maximum epochs
     * @param batchSize examples per batch
     * @param learningRate peak learning rate
     * @param maxLength word pieces per example
     * @param warmup warm-up fraction
     * @param clip gradient-norm clipping (0 = none)
     * @param patience epochs without improvement before stopping (0 = never)
     * @param headDropout dropout before the task head
     * @param maxTrain at most this many training examples, a seeded subset (0 = all)
     * @param evaluateEvery score the development split after every this many epochs and after the last (1 = every
     *     epoch; {@link dev.infuse.api.TrainingConfig#evaluateEvery()})
     */
    public record Budget(int epochs, int batchSize, double learningRate, int maxLength, double warmup, double clip,
            int patience, double headDropout, int maxTrain, int evaluateEvery) {
        /** A budget that evaluates after every epoch. */
        public Budget(int epochs, int batchSize, double learningRate, int maxLength, double warmup, double clip, int patience,
                double headDropout, int maxTrain) {
            this(epochs, batchSize, learningRate, maxLength, warmup, clip, patience, headDropout, maxTrain, 1);
        }

        /** The defaults when a study sets none: 3 epochs, batch 32, lr 1e-4, 128 word pieces, 10% warm-up, clip 1, no early stop, dropout 0.1, all examples, evaluation after every epoch. */
        public static Budget defaults() {
            return new Budget(3, 32, 1e-4, 128, 0.1, 1.0, 0, 0.1, 0);
        }

        /**
         * The record's text, without {@code evaluateEvery} when it is 1: a cell's recipe holds this text, and the
         * recipes of studies written before the setting existed must stay the same (their cells are reused).
         */
        @Override
        public String toString() {
            return "Budget[epochs=" + epochs + ", batchSize=" + batchSize + ", learningRate=" + learningRate + ", maxLength="
                    + maxLength + ", warmup=" + warmup + ", clip=" + clip + ", patience=" + patience + ", headDropout="
                    + headDropout + ", maxTrain=" + maxTrain + (evaluateEvery == 1 ? "" : ", evaluateEvery=" + evaluateEvery) + "]";
        }
    }

    /**
     * One task of the grid.
     *
     * @param name the task's name in this study (cell folders, reports, budgets): the task plugin's name, the
     *     name a task file declares, or the entry's {@code as:} when it renames the task (to list one task
     *     twice, e.g. with different options)
     * @param train training file overriding the data folder's default, or null
     * @param dev development file overriding the default, or null
     * @param metric the metric compared across methods (default: the task's primary metric, {@link dev.infuse.spi.Task#metric()})
     * @param budget its training budget
     * @param markers entity markers of a relation task: {@code infuse} (default, also when null) or
     *     {@code authors} (the map-tuning paper's {@code # … #} / {@code $ … $})
     * @param test a test file scored once per cell with the model selected on the development split, or null
     * @param file the task file of a declarative task (then {@code name} is the name it declares), or null
     * @param options the task's options ({@code options:}, as {@code infuse eval --task-set KEY=VALUE}), empty for none
     * @param task the task plugin's name when {@code as:} renamed a built-in task, else null
     */
    public record TaskEntry(String name, Path train, Path dev, String metric, Budget budget, String markers, Path test,
            Path file, Map<String, Object> options, String task) {
        public TaskEntry {
            options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
        }

        /** A task under its own name. */
        public TaskEntry(String name, Path train, Path dev, String metric, Budget budget, String markers, Path test, Path file,
                Map<String, Object> options) {
            this(name, train, dev, metric, budget, markers, test, file, options, null);
        }

        /** A task without options. */
        public TaskEntry(String name, Path train, Path dev, String metric, Budget budget, String markers, Path test, Path file) {
            this(name, train, dev, metric, budget, markers, test, file, Map.of());
        }

        /** A task plugin without a test file. */
        public TaskEntry(String name, Path train, Path dev, String metric, Budget budget, String markers) {
            this(name, train, dev, metric, budget, markers, null, null);
        }

        /** How the task is found: its file's path for a declarative task, else the task plugin's name. */
        public String ref() {
            return file != null ? file.toString() : task != null ? task : name;
        }

        /** As a record's, naming {@code test} only when there is one, so that earlier studies' cell recipes stay the same. */
        @Override
        public String toString() {
            return "TaskEntry[name=" + name + ", train=" + train + ", dev=" + dev + ", metric=" + metric + ", budget=" + budget
                    + ", markers=" + markers + (test == null ? "" : ", test=" + test) + (file == null ? "" : ", file=" + file)
                + (options.isEmpty() ? "" : ", options=" + new java.util.TreeMap<>(options)) + (task == null ? "" : ", task=" + task)
                + "]";
        }
    }

    /**
     * A compared method: the adapters added to the frozen backbone, the fusion combining them, and the
     * downstream model trained with (or reused by) each of its cells.
     *
     * @param name unique name, used as a folder name
     * @param adapters its adapters (empty for the baseline)
     * @param fusion fusion plugin name
     * @param fusionConfig the fusion's configuration ({@code fusion_config}), empty for its defaults
     * @param downstream its downstream model: the task head alone ({@link Downstream#HEAD}), with
     *     in-layer plug-ins trained with it, or another method's saved one
     * @param budgets training budgets of this method that differ from the tasks' (its {@code budget}
     *     key applied over each task's budget), by task name; empty when it has none
     * @param taskOptions task options of its cells over the task entries' own, by task name (a twin's
     *     {@code task_options}); empty for none
     * @param twinOf for a knowledge-ablated twin ({@code <method>-twin}, made from the method's {@code twin:}),
     *     the method it is the twin of; null otherwise
     */
    public record Method(String name, List<AdapterEntry> adapters, String fusion, Map<String, Object> fusionConfig,
            Downstream downstream, Map<String, Budget> budgets, Map<String, Map<String, Object>> taskOptions, String twinOf) {
        public Method {
            adapters = List.copyOf(adapters);
            fusionConfig = fusionConfig == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fusionConfig));
            downstream = downstream == null ? Downstream.HEAD : downstream;
            budgets = budgets == null ? Map.of() : Map.copyOf(budgets);
            taskOptions = taskOptions == null ? Map.of() : Map.copyOf(taskOptions);
        }

        /** A method that is no twin, with the tasks' options. */
        public Method(String name, List<AdapterEntry> adapters, String fusion, Map<String, Object> fusionConfig,
                Downstream downstream, Map<String, Budget> budgets) {
            this(name, adapters, fusion, fusionConfig, downstream, budgets, Map.of(), null);
        }

        /** Name of the knowledge-ablated twin of the method {@code method}. */
        public static String twinName(String method) {
            return method + TWIN_SUFFIX;
        }

        /** Whether this method is the knowledge-ablated twin of another ({@link #twinOf()}). */
        public boolean isTwin() {
            return twinOf != null;
        }

        /** Task options of this method's cells on a task, over the task entry's (empty unless it is a twin that sets some). */
        public Map<String, Object> taskOptions(TaskEntry task) {
            return taskOptions.getOrDefault(task.name(), Map.of());
        }

        /** A head-only method with the tasks' budgets. */
        public Method(String name, List<AdapterEntry> adapters, String fusion, Map<String, Object> fusionConfig) {
            this(name, adapters, fusion, fusionConfig, Downstream.HEAD, Map.of());
        }

        /** A method whose fusion has its default configuration. */
        public Method(String name, List<AdapterEntry> adapters, String fusion) {
            this(name, adapters, fusion, Map.of());
        }

        /** The pretraining steps this method's adapters name (a per-seed step once, as declared). */
        public List<Pretraining> pretrainings() {
            return adapters.stream().map(AdapterEntry::pretraining).filter(Objects::nonNull).distinct().toList();
        }

        /** The pretraining steps this method's cells of study seed {@code seed} need. */
        public List<Pretraining> pretrainings(long seed) {
            return pretrainings().stream().map(p -> p.forSeed(seed)).distinct().toList();
        }

        /**
         * The pretraining step (as declared: a per-seed step once) whose in-layer plug-ins this method's cells load
         * frozen, its {@link Pretraining#forSeed(long) run for the cell's seed}; at most one per method (checked when
         * the file is read), or null.
         */
        public Pretraining inLayerPretraining() {
            return pretrainings().stream().filter(p -> !p.layerPlugins().isEmpty()).findFirst().orElse(null);
        }

        /** This method's budget on a task: its own {@code budget} over the task's. */
        public Budget budget(TaskEntry task) {
            return budgets.getOrDefault(task.name(), task.budget());
        }
    }

    /**
     * The downstream model of a method's cells: what is trained (or reused) with the task's head over
     * the frozen backbone, beside the method's knowledge plug-ins (which stay as their mode says:
     * pretrained and control adapters frozen).
     *
     * @param layerPlugins in-layer plug-ins (LoRA, bottleneck, BitFit, prefix, a third party's) trained
     *     with the head; empty for a head-only model
     * @param backboneDropout dropout inside the frozen backbone while training, or null for the default
     *     (BERT's 0.1 with in-layer plug-ins, none without; see {@link dev.infuse.tasks.RunSpec#backboneDropout()})
     * @param from the method whose cell of the same task and seed saved the downstream model this one
     *     reuses ({@code <cell>/head}: head, fusion weights, in-layer plug-ins), or null for a new one
     * @param frozen with {@code from}: whether the reused model stays fixed (plug-and-play; then only
     *     trainable adapters train, or nothing and the cell only evaluates)
     * @param where {@code file:line:column} of its entry, for messages (null for the default)
     */
    public record Downstream(List<LayerPluginEntry> layerPlugins, Double backboneDropout, String from, boolean frozen,
            String where) {
        /** The task head alone. */
        public static final Downstream HEAD = new Downstream(List.of(), null, null, false, null);

        public Downstream {
            layerPlugins = List.copyOf(layerPlugins);
        }

        /** Whether this is the head alone, with the default backbone dropout. */
        public boolean headOnly() {
            return layerPlugins.isEmpty() && backboneDropout == null && from == null;
        }

        /** For cell recipes and reports: e.g. {@code layer_plugins [lora {alpha=16, r=16}]} or {@code from lora frozen}. */
        public String describe() {
            StringBuilder s = new StringBuilder();
            if (from != null) {
                s.append("from ").append(from).append(frozen ? " frozen" : " trained further");
            }
            if (!layerPlugins.isEmpty()) {
                s.append(s.length() > 0 ? " " : "").append("layer_plugins ").append(layerPlugins.stream()
                        .map(LayerPluginEntry::describe).toList());
            }
            if (backboneDropout != null) {
                s.append(s.length() > 0 ? " " : "").append("backbone_dropout ").append(backboneDropout);
            }
            return s.length() == 0 ? "head" : s.toString();
        }
    }

    /**
     * One in-layer plug-in of a downstream model.
     *
     * @param name in-layer plug-in name (see {@code infuse plugins})
     * @param config its configuration
     * @param where {@code file:line:column} of its entry, for messages
     */
    public record LayerPluginEntry(String name, Map<String, Object> config, String where) {
        public LayerPluginEntry {
            config = config == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
        }

        /** For recipes and reports: the name and the configuration in key order, e.g. {@code lora {alpha=32, r=16}}. */
        public String describe() {
            return name + " " + new java.util.TreeMap<>(config);
        }
    }

    /** How an adapter takes part in a method's cells (see {@link dev.infuse.tasks.RunSpec.AdapterMode}). */
    public enum Mode {
        /** Created from its configuration and trained with the task's head. */
        TRAIN,
        /** Loaded from an artifact or a pretraining step, frozen. */
        PRETRAINED,
        /** Same shape as configured, left at its random initialisation, frozen. */
        CONTROL
    }

    /**
     * One adapter of a method, with any reference resolved.
     *
     * @param mode how it takes part
     * @param adapter plugin name (null when an artifact names it)
     * @param config configuration for TRAIN and CONTROL
     * @param artifact artifact folder (PRETRAINED, or CONTROL copying its shape), or null
     * @param pretraining the pretraining step producing its artifact (PRETRAINED), or null
     * @param where {@code file:line:column} of its entry, for messages
     */
    public record AdapterEntry(Mode mode, String adapter, Map<String, Object> config, Path artifact, Pretraining pretraining,
            String where) {}

    /**
     * A pretraining step: an adapter trained on a task once, shared by every cell and method that uses it — or,
     * with {@code perSeed}, once per study seed: the cells of seed S use the adapter pretrained with seed S
     * ({@code pretrain: {seed: each}}), so that seed-to-seed spread and the paired statistics over seeds include
     * the pretraining's own variance.
     *
     * @param id {@code method/adapter} of the method that defines it; also its folder under {@code pretraining/}
     *     (a per-seed step's concrete steps add {@code /seed-S})
     * @param adapter adapter plugin name
     * @param config adapter configuration
     * @param task pretraining task
     * @param train training file overriding the data folder's default, or null
     * @param dev development file, or null
     * @param budget its training budget
     * @param seed its seed
     * @param options the pretraining task's options ({@code pretrain: {options: ...}}), empty for its defaults
     * @param perSeed whether this stands for one step per study seed ({@link #forSeed(long)}); {@code seed} is then unused
     * @param layerPlugins in-layer plug-ins trained together with the adapter ({@code pretrain: {layer_plugins: ...}},
     *     e.g. a LoRA beside a KILM-style plug-in on a task through the masked-LM head): part of the knowledge
     *     plug-in, saved in the step's {@code head/} and loaded frozen by the cells that use it; empty for none
     */
    public record Pretraining(String id, String adapter, Map<String, Object> config, String task, Path train, Path dev,
            Budget budget, long seed, Map<String, Object> options, boolean perSeed, List<LayerPluginEntry> layerPlugins) {
        public Pretraining {
            options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
            layerPlugins = layerPlugins == null ? List.of() : List.copyOf(layerPlugins);
        }

        /** The step the cells of study seed {@code cellSeed} use: this one, or for a per-seed step its run with that seed. */
        public Pretraining forSeed(long cellSeed) {
            return perSeed ? new Pretraining(id + "/seed-" + cellSeed, adapter, config, task, train, dev, budget, cellSeed, options,
                    false, layerPlugins) : this;
        }

        /** This step with another id, configuration and options (a knowledge-ablated twin's), per seed as this one. */
        public Pretraining withChanges(String newId, Map<String, Object> newConfig, Map<String, Object> newOptions) {
            return new Pretraining(newId, adapter, newConfig, task, train, dev, budget, seed, newOptions, perSeed, layerPlugins);
        }

        /** Whether the two steps train the same thing (everything but the id is equal). */
        public boolean sameWork(Pretraining other) {
            return withChanges(other.id, config, options).equals(other);
        }

        /**
         * As a record's, naming {@code options} and in-layer plug-ins only when there are some, so that earlier
         * studies' recipes stay the same.
         */
        @Override
        public String toString() {
            return "Pretraining[id=" + id + ", adapter=" + adapter + ", config=" + config + ", task=" + task + ", train=" + train
                    + ", dev=" + dev + ", budget=" + budget + ", seed=" + (perSeed ? "each" : seed)
                    + (options.isEmpty() ? "" : ", options=" + new java.util.TreeMap<>(options))
                    + (layerPlugins.isEmpty() ? "" : ", layer_plugins=" + layerPlugins.stream()
                            .map(LayerPluginEntry::describe).toList())
                    + "]";
        }
    }

    /** The knowledge-ablated twin of a method ({@code twin:} in the study file), or null when it has none. */
    public Method twin(String method) {
        return methods.stream().filter(m -> method.equals(m.twinOf())).findFirst().orElse(null);
    }

    /** The method by name, or null. */
    public Method method(String name) {
        return methods.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Every distinct pretraining step of the study, a per-seed step once for each seed — seed by seed, so that a
     * study stopped half-way has a method and its twin pretrained for the first seeds rather than one method
     * for all seeds.
     */
    public List<Pretraining> pretrainings() {
        return seeds.stream().flatMap(s -> methods.stream().flatMap(m -> m.pretrainings(s).stream())).distinct().toList();
    }
}
