package dev.infuse.cli;

import dev.infuse.api.Infuse;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.tasks.RunSpec;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.Precision;
import dev.infuse.tasks.TaskRunner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options of the commands that train and evaluate on a task. */
final class RunOptions {
    @Option(names = "--task", required = true, paramLabel = "NAME|FILE",
            description = "Task: a task plugin's name (built in: fewrel, trex, semeval, tacred, open-entity, cosmosqa, mention-mlm, entity-infill, ud, wn-relation, wn-facts, wn-mention-mlm, wn-hypernym, lama, trex-rc, trex-mention-mlm, trex-cloze, trex-probe; `infuse plugins` lists all with their options) or a task file (.yaml, .yml, .json; see docs/TASKS.md).")
    String task;

    @Option(names = "--include-tasks", paramLabel = "DIR", description = "A folder of task files found by name (<name>.yaml; repeatable).")
    java.util.List<Path> includeTasks = new java.util.ArrayList<>();

    @Option(names = "--test", paramLabel = "FILE",
            description = "A test file scored once with the model selected on the development split (written as test-*.json beside the dev results).")
    Path test;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder laid out like the project's shared data; supplies default files.")
    Path data;

    @Option(names = "--train", paramLabel = "FILE", description = "Training file (default: the task's file in --data).")
    Path train;

    @Option(names = "--dev", paramLabel = "FILE",
            description = "Development (or test) file to score (default: the task's file in --data, else 10%% of --train by a seeded split).")
    Path dev;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder: metrics.json, predictions, artifacts.")
    Path out;

    @Option(names = "--backbone", defaultValue = "bert", description = "Backbone plugin (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--backbone-path", paramLabel = "DIR", description = "Model folder for the backbone: SavedModel, TF checkpoint or Hugging Face (config.json, model.safetensors, vocab.txt) (default: BERT-base from the class path).")
    String backbonePath;

    @Option(names = "--precision", paramLabel = "P",
            description = "Number format of the frozen backbone's products: fp32, bf16 or auto (bf16 on CPUs with avx512_bf16/amx_bf16 or a GPU; default: the backbone's own, auto for bert).")
    String precision;

    @Option(names = "--fusion", description = "Fusion for side adapters: concat, add, attention, residual (default: add before a masked-LM head, i.e. mention-mlm and entity-infill; concat otherwise).")
    String fusion;

    @Option(names = "--fusion-set", paramLabel = "KEY=VALUE",
            description = "Configuration of the fusion (repeatable), e.g. for a plugin fusion: --fusion-set heads=4.")
    Map<String, String> fusionSettings;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32", description = "Examples per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Peak learning rate of Adam (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--warmup", defaultValue = "0.1", description = "Warm-up fraction of all steps (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clipping, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--patience", defaultValue = "0", description = "Stop after this many epochs without improvement, 0 never (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--evaluate-every", paramLabel = "N", defaultValue = "1",
            description = "Score the development data after every N epochs and after the last; only those epochs can be "
                    + "selected (default: ${DEFAULT-VALUE}). Raise it when scoring costs more than training (few-shot data).")
    int evaluateEvery;

    @Option(names = "--max-length", paramLabel = "N",
            description = "Word pieces per example, at most the backbone's position limit (default: 128, or the backbone's limit if smaller).")
    Integer maxLength;

    @Option(names = "--head-dropout", defaultValue = "0.1", description = "Dropout before the head (default: ${DEFAULT-VALUE}).")
    float headDropout;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, shuffling and splits (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data-seed", paramLabel = "N",
            description = "Seed of the data splits and subsets (a dev split cut from --train, the --max-train subset); default: --seed. Give every seed's run the same --data-seed to score the same dev items (then `infuse compare` pools seeds).")
    Long dataSeed;

    @Option(names = "--max-train", defaultValue = "0", description = "Use at most this many training records, a seeded subset (0 = all).")
    int maxTrain;

    @Option(names = "--head", paramLabel = "DIR",
            description = "Start from a head saved by an earlier run (<out>/head) instead of a new one.")
    Path head;

    @Option(names = "--freeze-head", description = "Keep the --head fixed (plug-and-play: only adapters train, or nothing).")
    boolean freezeHead;

    @Option(names = "--markers",
            description = "Entity markers of relation and entity-typing tasks: infuse (@ subject @, # object #; @ mention @; the default) or authors (map-tuning's # head #, $ tail $; $ mention $). A task that marks no mention refuses it.")
    String markers;

    @Option(names = "--backbone-dropout", paramLabel = "RATE",
            description = "Dropout inside the frozen backbone while training, e.g. 0.25 as map-tuning's authors; 0 keeps it deterministic and allows the activation cache (default: 0, or BERT's own 0.1 when --layer-plugin trains).")
    Float backboneDropout;

    @Option(names = "--task-set", paramLabel = "KEY=VALUE",
            description = "A task option (repeatable), e.g. --task-set split_seed=7 for the trex-* tasks; `infuse plugins` lists each task's options.")
    Map<String, String> taskSettings;

    @Option(names = "--layer-plugin", paramLabel = "NAME",
            description = "An in-layer plug-in trained with the head as the downstream model (repeatable): lora, bottleneck, bitfit, prefix, or a plugin's; saved with the head in <out>/head (a LoRA on BERT also as PEFT's folder <out>/lora-peft). A value with a path separator (e.g. ./my-lora) is a folder another library wrote, e.g. a PEFT LoRA folder: read as the plug-in and its starting weights, trained further.")
    java.util.List<String> layerPlugins = new java.util.ArrayList<>();

    @Option(names = "--layer-set", paramLabel = "[NAME.]KEY=VALUE",
            description = "Configuration of an in-layer plug-in (repeatable), e.g. --layer-set lora.r=16; the NAME. prefix may be left out when one --layer-plugin is given.")
    Map<String, String> layerSettings;

    @Option(names = "--no-cache", description = "Run the backbone every epoch instead of caching its activations.")
    boolean noCache;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "Training checkpoint written after every epoch; a restarted run with the same configuration resumes from it (default: <out>/checkpoint).")
    Path checkpoint;

    @Option(names = "--no-checkpoint", description = "Write no training checkpoint and do not resume.")
    boolean noCheckpoint;

    /** The checkpoint folder of this run, or null. */
    Path checkpointDir() {
        return noCheckpoint ? null : checkpoint != null ? checkpoint : out.resolve("checkpoint");
    }

    TrainingConfig training() {
        validate();
        return new TrainingConfig(epochs, batchSize, batchSize * 160, learningRate, warmup, clip, patience, seed, evaluateEvery);
    }

    /** The run these options describe, with {@code adapters}. */
    RunSpec.Builder spec(java.util.List<RunSpec.AdapterUse> adapters, Backbone backbone) {
        RunSpec.Builder b = RunSpec.builder(task).taskIncludes(includeTasks).train(train).dev(dev).test(test).data(data).adapters(adapters)
                .fusion(fusion).fusionConfig(settings(fusionSettings)).training(training()).maxLength(maxLength(backbone)).cache(!noCache).headDropout(headDropout).out(out)
                .maxTrain(maxTrain).head(headUse()).checkpoint(checkpointDir()).markers(markers).backboneDropout(backboneDropout)
                .layerPlugins(layerUses()).dataSeed(dataSeed);
        if (taskSettings != null) {
            settings(taskSettings).forEach((k, v) -> {
                if (k.equals("markers") && markers != null) {
                    throw new InfuseException("usage", "--task-set markers=" + v + " and --markers " + markers + ": give one");
                }
                b.taskOption(k, v);
            });
        }
        return b;
    }

    /** The --layer-plugin options with their --layer-set configurations. */
    java.util.List<RunSpec.LayerUse> layerUses() {
        Map<String, Map<String, String>> byPlugin = new java.util.LinkedHashMap<>();
        for (String name : layerPlugins) {
            if (byPlugin.put(name, new java.util.LinkedHashMap<>()) != null) {
                throw new InfuseException("usage", "--layer-plugin " + name + " is given twice; each in-layer plug-in may appear once");
            }
        }
        if (layerSettings != null) {
            for (Map.Entry<String, String> e : layerSettings.entrySet()) {
                String key = e.getKey();
                int dot = key.indexOf('.');
                String plugin = dot > 0 ? key.substring(0, dot) : null;
                if (plugin != null && byPlugin.containsKey(plugin)) {
                    byPlugin.get(plugin).put(key.substring(dot + 1), e.getValue());
                } else if (byPlugin.size() == 1) {
                    byPlugin.values().iterator().next().put(key, e.getValue());
                } else {
                    throw new InfuseException("usage", "--layer-set " + key + "=" + e.getValue() + ": " + (byPlugin.isEmpty()
                            ? "no --layer-plugin is given" : "name the plug-in, one of " + byPlugin.keySet() + " (e.g. "
                            + byPlugin.keySet().iterator().next() + "." + key + ")"));
                }
            }
        }
        java.util.List<RunSpec.LayerUse> out = new java.util.ArrayList<>();
        byPlugin.forEach((name, cfg) -> out.add(new RunSpec.LayerUse(name, settings(cfg), isFolder(name) ? Path.of(name) : null)));
        return out;
    }

    /** Whether a --layer-plugin value names a folder (it has a path separator) rather than a plug-in. */
    static boolean isFolder(String value) {
        return value.indexOf('/') >= 0 || value.indexOf(java.io.File.separatorChar) >= 0;
    }

    RunSpec.HeadUse headUse() {
        if (freezeHead && head == null) {
            throw new InfuseException("usage", "--freeze-head needs --head DIR");
        }
        return head == null ? RunSpec.HeadUse.NEW : new RunSpec.HeadUse(head, freezeHead);
    }

    /** Range checks with the option named, before anything is read or written. */
    void validate() {
        require(epochs >= 1, "--epochs", epochs, "at least 1");
        require(batchSize >= 1, "--batch-size", batchSize, "at least 1");
        require(learningRate > 0 && Double.isFinite(learningRate), "--lr", learningRate, "a positive number");
        require(warmup >= 0 && warmup <= 1, "--warmup", warmup, "a fraction in [0, 1]");
        require(clip >= 0 && Double.isFinite(clip), "--clip", clip, "0 (none) or a positive number");
        require(patience >= 0, "--patience", patience, "0 (never) or more");
        require(evaluateEvery >= 1, "--evaluate-every", evaluateEvery, "at least 1 (every epoch)");
        require(maxLength == null || (maxLength >= 8 && maxLength <= 4096), "--max-length", maxLength, "8 to 4096 word pieces");
        require(headDropout >= 0 && headDropout < 1, "--head-dropout", headDropout, "a rate in [0, 1)");
        require(backboneDropout == null || (backboneDropout >= 0 && backboneDropout < 1), "--backbone-dropout", backboneDropout,
                "a rate in [0, 1)");
        require(markers == null || markers.equals("infuse") || markers.equals("authors"), "--markers", markers, "infuse or authors");
    }

    /** The output and checkpoint folders can be written: checked before anything is read or built. */
    void requireWritableOutputs() {
        OutputFolders.requireWritable(out, "--out", "config-output-folder");
        // The checkpoint folder itself is written as a temporary sibling and renamed into place: probe its
        // parent, and do not create it (an existing checkpoint folder means "resume").
        Path checkpoint = checkpointDir();
        if (checkpoint != null) {
            Path parent = checkpoint.toAbsolutePath().getParent();
            if (java.nio.file.Files.exists(checkpoint) && !java.nio.file.Files.isDirectory(checkpoint)) {
                throw new InfuseException("config-output-folder", "--checkpoint " + checkpoint + ": a file is in the way; expected a folder");
            }
            try {
                OutputFolders.requireWritable(parent, "--checkpoint", "config-output-folder");
            } catch (InfuseException e) {
                throw new InfuseException(e.code(), e.getMessage().replaceFirst("^--checkpoint " + java.util.regex.Pattern.quote(parent.toString()),
                        java.util.regex.Matcher.quoteReplacement("--checkpoint " + checkpoint + " (its folder " + parent + ")")), e);
            }
        }
    }

    private static void require(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw new InfuseException("config-bad-value", "option " + option + " has value " + value + "; expected " + expected);
        }
    }

    /**
     * The word pieces per example for {@code backbone}: {@code --max-length}, which must fit the
     * backbone's position embeddings, else 128 or the backbone's limit if smaller.
     */
    int maxLength(Backbone backbone) {
        return maxLength(maxLength, backbone);
    }

    /** The checked {@code --max-length} (null: the default) for {@code backbone}. */
    static int maxLength(Integer given, Backbone backbone) {
        int limit = backbone.spec().maxPositions();
        if (given == null) {
            return Math.min(DEFAULT_MAX_LENGTH, limit);
        }
        require(given <= limit, "--max-length", given, "at most " + limit + ", the position limit of backbone '" + backbone.name()
                + "' (" + backbone.spec().describe() + ")");
        return given;
    }

    static final int DEFAULT_MAX_LENGTH = 128;

    /**
     * Opens the backbone, after checking that the fusion plugin (if one is named) exists, so that a
     * misspelt {@code --fusion} fails before the backbone is loaded; then checks {@code --max-length}
     * against the backbone's position limit before anything else is read or built.
     */
    Backbone openBackbone(Infuse infuse) {
        if (fusion != null) {
            infuse.registry().info(PluginKind.FUSION, fusion);
        }
        for (String l : layerPlugins) {
            if (isFolder(l)) {
                continue;
            }
            try {
                infuse.registry().info(PluginKind.LAYER, l);
            } catch (InfuseException e) {
                if (e.code().equals("plugin-not-found") && java.nio.file.Files.isDirectory(Path.of(l))) {
                    throw new InfuseException(e.code(), e.getMessage() + "; to read the folder '" + l + "', write --layer-plugin ./" + l, e);
                }
                throw e;
            }
        }
        layerUses();
        Backbone b = openBackboneUnchecked(infuse);
        try {
            maxLength(b);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private Backbone openBackboneUnchecked(Infuse infuse) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        if (backbonePath != null) {
            cfg.put("path", backbonePath);
        }
        putPrecision(cfg, precision);
        return infuse.createBackbone(backbone, PluginConfig.of("backbone '" + backbone + "'", cfg));
    }

    /** Passes {@code --precision} on as the backbone key {@code precision}, checked before anything loads. */
    static void putPrecision(Map<String, Object> cfg, String precision) {
        if (precision != null) {
            Precision.check(precision, "option --precision");
            cfg.put("precision", precision);
        }
    }

    /** Parses {@code key=value} settings into a configuration map (values stay strings; plugins convert). */
    static Map<String, Object> settings(Map<String, String> raw) {
        return raw == null ? Map.of() : new LinkedHashMap<>(raw);
    }
}
