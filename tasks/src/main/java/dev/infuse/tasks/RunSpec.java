package dev.infuse.tasks;

import dev.infuse.api.ComposedModel;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one experiment cell is made of — the task and its data, the adapters and how each takes
 * part, the fusion, the head, training settings and where outputs go — built with {@link #builder}.
 * Every setting but the task, the training configuration and the output folder has a default.
 */
public final class RunSpec {

    /** How an adapter takes part in a run. */
    public enum AdapterMode {
        /** Created from its configuration and trained in this run (pretraining). */
        TRAIN,
        /** Loaded from an artifact and kept frozen (downstream use). */
        PRETRAINED,
        /** Same shape as configured (or as an artifact's), left at its random initialisation and frozen. */
        CONTROL
    }

    /**
     * @param name adapter plugin name (ignored for PRETRAINED, where the artifact names it)
     * @param artifact artifact folder for PRETRAINED (and optionally CONTROL, to copy its shape)
     * @param config configuration for TRAIN and CONTROL
     */
    public record AdapterUse(String name, Path artifact, AdapterMode mode, Map<String, Object> config) {}

    /**
     * The task head of a run: a new one (trained), or one saved by an earlier run ({@code <out>/head})
     * — trained further, or frozen (plug-and-play: a downstream model trained without a plugin, then
     * used with it). With a frozen head and no trainable adapter, nothing is trained and the run only
     * evaluates.
     *
     * @param artifact a head artifact folder, or null for a new head
     * @param frozen whether the loaded head stays fixed
     */
    public record HeadUse(Path artifact, boolean frozen) {
        public static final HeadUse NEW = new HeadUse(null, false);
    }

    /**
     * An in-layer plug-in trained in this run as part of the downstream model (LoRA, bottleneck, BitFit,
     * prefix, or a third party's); saved with the head and reloaded with {@link HeadUse}.
     *
     * @param name in-layer plug-in name; for a {@code folder}, the folder as the user gave it
     * @param config its configuration; for a {@code folder}, settings over the folder's own
     * @param folder null, or a folder another library wrote (e.g. PEFT's LoRA) that a plug-in reads as its
     *     configuration and starting weights (then trained further with the head)
     */
    public record LayerUse(String name, Map<String, Object> config, Path folder) {
        public LayerUse {
            Objects.requireNonNull(name, "name");
            config = config == null ? Map.of() : Map.copyOf(config);
        }

        /** A new plug-in of provider {@code name}. */
        public LayerUse(String name, Map<String, Object> config) {
            this(name, config, null);
        }
    }

    private final Builder b;

    private RunSpec(Builder b) {
        this.b = b;
    }

    /** A run of {@code task} (a task name or a task file's path). */
    public static Builder builder(String task) {
        return new Builder(task);
    }

    /** A builder holding this run's settings, to derive a variant. */
    public Builder toBuilder() {
        return b.copy();
    }

    /** The task's name, or the path of a task file. */
    public String task() {
        return b.task;
    }

    /** Options handed to the task (e.g. {@code markers}). */
    public Map<String, Object> taskOptions() {
        return java.util.Collections.unmodifiableMap(b.taskOptions);
    }

    /** Folders searched for task files by name. */
    public List<Path> taskIncludes() {
        return List.copyOf(b.taskIncludes);
    }

    /** Training file, or null for the data folder's default. */
    public Path train() {
        return b.train;
    }

    /** Development file, or null for the default (or a seeded 10% split). */
    public Path dev() {
        return b.dev;
    }

    /** A test file scored once with the model selected on the development split, or null. */
    public Path test() {
        return b.test;
    }

    /** Data folder laid out like the shared data, or null. */
    public Path dataDir() {
        return b.dataDir;
    }

    public List<AdapterUse> adapters() {
        return List.copyOf(b.adapters);
    }

    /** In-layer plug-ins trained in this run (beside any a reloaded downstream model brings). */
    public List<LayerUse> layerPlugins() {
        return List.copyOf(b.layerPlugins);
    }

    /** Fusion plugin name when side adapters are present; null for the task's default ({@code add} before a masked-LM head, {@code concat} otherwise). */
    public String fusion() {
        return b.fusion;
    }

    /** Whether the fusion was chosen for this run ({@link Builder#fusion}) rather than given as a default. */
    public boolean fusionChosen() {
        return b.fusionChosen;
    }

    /** The fusion's configuration. */
    public Map<String, Object> fusionConfig() {
        return java.util.Collections.unmodifiableMap(b.fusionConfig);
    }

    public TrainingConfig training() {
        return b.training;
    }

    /** Word pieces per example. */
    public int maxLength() {
        return b.maxLength;
    }

    /** Whether to use the activation cache when the backbone's outputs do not change between epochs. */
    public boolean cache() {
        return b.cache;
    }

    /** Dropout before the head's classifier. */
    public float headDropout() {
        return b.headDropout;
    }

    /** Output folder. */
    public Path out() {
        return b.out;
    }

    /** At most this many training examples, a seeded subset (0 = all); for a probe, facts per relation. */
    public int maxTrain() {
        return b.maxTrain;
    }

    public HeadUse head() {
        return b.head;
    }

    /** Folder of the training checkpoint written after every epoch and resumed from; null for none. */
    public Path checkpoint() {
        return b.checkpoint;
    }

    /** The {@code markers} task option, or null. */
    public String markers() {
        Object m = b.taskOptions.get("markers");
        return m == null ? null : m.toString();
    }

    /**
     * 0 to keep the frozen backbone deterministic; a rate in (0, 1) applies dropout at every dropout point
     * of the frozen backbone while training (map-tuning's 0.25; see
     * {@link ComposedModel.Builder#backboneDropout(float)}). The activation cache is not used then. Unless
     * set, 0 — or BERT's own 0.1 when the run trains in-layer plug-ins, as fine-tuning does.
     */
    public float backboneDropout() {
        if (b.backboneDropout != null) {
            return b.backboneDropout;
        }
        return b.layerPlugins.isEmpty() ? 0f : DEFAULT_IN_LAYER_DROPOUT;
    }

    /** The seed of data splits and subsets: the one set ({@link Builder#dataSeed}), else the training seed. */
    public long dataSeed() {
        return b.dataSeed != null ? b.dataSeed : b.training.seed();
    }

    /** Whether a data seed other than the training seed was set. */
    public boolean dataSeedSet() {
        return b.dataSeed != null;
    }

    /** Backbone dropout while in-layer plug-ins train, unless set: BERT's own rate. */
    public static final float DEFAULT_IN_LAYER_DROPOUT = 0.1f;

    /** Builds a {@link RunSpec}; setters return the builder. */
    public static final class Builder {
        private final String task;
        private final Map<String, Object> taskOptions = new LinkedHashMap<>();
        private final List<Path> taskIncludes = new ArrayList<>();
        private Path train;
        private Path dev;
        private Path test;
        private Path dataDir;
        private final List<AdapterUse> adapters = new ArrayList<>();
        private final List<LayerUse> layerPlugins = new ArrayList<>();
        private String fusion;
        private boolean fusionChosen;
        private final Map<String, Object> fusionConfig = new LinkedHashMap<>();
        private TrainingConfig training;
        private int maxLength = 128;
        private boolean cache = true;
        private float headDropout = 0.1f;
        private Path out;
        private int maxTrain;
        private HeadUse head = HeadUse.NEW;
        private Path checkpoint;
        private Float backboneDropout;
        private Long dataSeed;

        private Builder(String task) {
            this.task = Objects.requireNonNull(task, "task");
        }

        private Builder copy() {
            Builder c = new Builder(task);
            c.taskOptions.putAll(taskOptions);
            c.taskIncludes.addAll(taskIncludes);
            c.train = train;
            c.dev = dev;
            c.test = test;
            c.dataDir = dataDir;
            c.adapters.addAll(adapters);
            c.layerPlugins.addAll(layerPlugins);
            c.fusion = fusion;
            c.fusionChosen = fusionChosen;
            c.fusionConfig.putAll(fusionConfig);
            c.training = training;
            c.maxLength = maxLength;
            c.cache = cache;
            c.headDropout = headDropout;
            c.out = out;
            c.maxTrain = maxTrain;
            c.head = head;
            c.checkpoint = checkpoint;
            c.backboneDropout = backboneDropout;
            c.dataSeed = dataSeed;
            return c;
        }

        public Builder train(Path file) {
            this.train = file;
            return this;
        }

        public Builder dev(Path file) {
            this.dev = file;
            return this;
        }

        /** A test file: scored once, with the model selected on the development split. */
        public Builder test(Path file) {
            this.test = file;
            return this;
        }

        public Builder data(Path folder) {
            this.dataDir = folder;
            return this;
        }

        /** Sets one task option (null removes it). */
        public Builder taskOption(String key, Object value) {
            if (value == null) {
                taskOptions.remove(key);
            } else {
                taskOptions.put(key, value);
            }
            return this;
        }

        /** The entity markers of tasks that mark mentions ({@code infuse}, {@code authors}; null for the default). */
        public Builder markers(String markers) {
            return taskOption("markers", markers);
        }

        /** Folders searched for task files by name. */
        public Builder taskIncludes(List<Path> folders) {
            taskIncludes.clear();
            taskIncludes.addAll(folders);
            return this;
        }

        public Builder adapters(List<AdapterUse> uses) {
            adapters.clear();
            adapters.addAll(uses);
            return this;
        }

        public Builder adapter(AdapterUse use) {
            adapters.add(use);
            return this;
        }

        public Builder layerPlugins(List<LayerUse> uses) {
            layerPlugins.clear();
            layerPlugins.addAll(uses);
            return this;
        }

        /** An in-layer plug-in trained with the head (the downstream model). */
        public Builder layerPlugin(LayerUse use) {
            layerPlugins.add(use);
            return this;
        }

        /** The fusion of this run's side adapters, chosen for it: reported as unused when the run has none. */
        public Builder fusion(String name) {
            this.fusion = name;
            this.fusionChosen = name != null;
            return this;
        }

        /**
         * The fusion to use if the run has side adapters — a default, e.g. a study method's, that is not
         * reported as unused when the run's adapters are all input-side.
         */
        public Builder fusionIfSideAdapters(String name) {
            this.fusion = name;
            this.fusionChosen = false;
            return this;
        }

        public Builder fusionConfig(Map<String, Object> config) {
            fusionConfig.clear();
            if (config != null) {
                fusionConfig.putAll(config);
            }
            return this;
        }

        public Builder training(TrainingConfig config) {
            this.training = config;
            return this;
        }

        public Builder maxLength(int pieces) {
            this.maxLength = pieces;
            return this;
        }

        public Builder cache(boolean use) {
            this.cache = use;
            return this;
        }

        public Builder headDropout(float rate) {
            this.headDropout = rate;
            return this;
        }

        public Builder out(Path folder) {
            this.out = folder;
            return this;
        }

        public Builder maxTrain(int examples) {
            this.maxTrain = examples;
            return this;
        }

        public Builder head(HeadUse use) {
            this.head = use == null ? HeadUse.NEW : use;
            return this;
        }

        public Builder checkpoint(Path folder) {
            this.checkpoint = folder;
            return this;
        }

        /**
         * The seed of the data splits and subsets (a development split cut from the training file, the
         * {@code maxTrain} subset); null (the default) for the training seed. Runs of several seeds that
         * share it score the same development items, so paired statistics can pool them.
         */
        public Builder dataSeed(Long seed) {
            this.dataSeed = seed;
            return this;
        }

        /** Backbone dropout while training; null for the default (see {@link RunSpec#backboneDropout()}). */
        public Builder backboneDropout(Float rate) {
            this.backboneDropout = rate;
            return this;
        }

        /** The run; {@code config-bad-value} for a setting out of range. */
        public RunSpec build() {
            Objects.requireNonNull(training, "training");
            Objects.requireNonNull(out, "out");
            if (backboneDropout != null && !(backboneDropout >= 0 && backboneDropout < 1)) {
                throw new InfuseException("config-bad-value", "backbone dropout " + backboneDropout + ": expected a rate in [0, 1)");
            }
            if (maxLength < 2) {
                throw new InfuseException("config-bad-value", "max length " + maxLength + ": expected at least 2 word pieces");
            }
            if (maxTrain < 0) {
                throw new InfuseException("config-bad-value", "max train " + maxTrain + ": expected 0 (all) or more");
            }
            return new RunSpec(copy());
        }
    }
}
