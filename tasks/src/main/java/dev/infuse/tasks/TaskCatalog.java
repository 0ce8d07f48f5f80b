package dev.infuse.tasks;

import dev.infuse.data.ConllU;
import dev.infuse.data.EntityTypingExample;
import dev.infuse.data.FewRel;
import dev.infuse.data.LinkedSentence;
import dev.infuse.data.OpenEntity;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.SemEval2010;
import dev.infuse.data.SemEvalExample;
import dev.infuse.data.Splits;
import dev.infuse.data.Tacred;
import dev.infuse.data.TacredExample;
import dev.infuse.data.TrexRc;
import dev.infuse.data.WordNetLexicon;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The named tasks Infuse trains and evaluates, with the files each reads in a data folder laid out
 * like the project's shared data (see {@code docs/TASKS.md}). Where a data set has no development
 * split here, one is carved out of its training file by {@link Splits#trainDev} with 10% of the
 * examples and the run's seed. Embedded tasks ({@link Task#embedded()}, e.g. the WordNet tasks) build
 * their data from a source on the class path and read no files.
 */
public final class TaskCatalog {
    private TaskCatalog() {}

    /**
     * A task: its name, a one-line description, and its default files relative to a data folder.
     *
     * @param embedded whether the task's data comes from the class path (no files, no data folder)
     */
    public record Task(String name, String description, String defaultTrain, String defaultDev, boolean embedded) {
        /** A task that reads files. */
        public Task(String name, String description, String defaultTrain, String defaultDev) {
            this(name, description, defaultTrain, defaultDev, false);
        }

        /** A task whose data is built in. */
        public static Task embedded(String name, String description) {
            return new Task(name, description, null, null, true);
        }
    }

    private static final Map<String, Task> TASKS = new TreeMap<>();

    /**
     * Prefix of a default training source built into the class path (no file, no data folder): such
     * a task resolves to a null training path unless {@code --train} names a file.
     */
    public static final String EMBEDDED = "embedded:";

    static {
        add(new Task("fewrel", "relation classification on FewRel (16 Wikidata relations; factual adapter pretraining)",
                "fewrel/val_wiki.json", null));
        add(new Task("trex", "relation classification on T-REx-style JSON lines (factual adapter pretraining)", null, null));
        add(new Task("semeval", "SemEval-2010 Task 8 relation classification (official macro-F1, 9 types with direction)",
                "semeval2010_task8/SemEval2010_task8_training/TRAIN_FILE.TXT", null));
        add(new Task("tacred", "TACRED relation classification (micro-F1 without no_relation)",
                "tacred/sample_yuhaozhang/train.json", "tacred/sample_yuhaozhang/dev.json"));
        add(new Task("open-entity", "Open Entity typing, 9 general types (micro P/R/F1)",
                "open_entity/crowd/train.json", "open_entity/crowd/dev.json"));
        add(new Task("mention-mlm", "masked mention modelling on FewRel-format sentences with linked entities (map-tuning's general objective)",
                "fewrel/val_wiki.json", null));
        add(Task.embedded("wn-hypernym", "WordNet 3.1 hypernym probe on held-out synsets, '[X] is a kind of [Y] .' (P@1 "
                + "through the frozen masked-LM head; nothing trained)"));
        add(new Task("lama", "LAMA knowledge probe: P@1 of single-piece objects through the frozen masked-LM head (nothing trained)",
                "lama", null));
        add(new Task("entity-infill", "KILM-style description infilling of WordNet entities through the frozen MLM head "
                + "(held-out synsets by WordNetSplit; default: embedded WordNet 3.1 nouns, --train: WN18RR entity2text.txt)",
                EMBEDDED + "wordnet-3.1-nouns", null));
        add(new Task("ud", "dependency-head prediction on CoNLL-U gold trees (UAS; linguistic adapter pretraining)",
                "ud_english_ewt/en_ewt-ud-train.conllu", "ud_english_ewt/en_ewt-ud-dev.conllu"));
        add(Task.embedded("wn-relation", "lexical relation of a WordNet 3.1 noun pair (8 classes; dev heads are held-out synsets; "
                + "accuracy, macro-F1)"));
        add(Task.embedded("wn-facts", "relation classification over WordNet 3.1 knowledge-graph facts of training synsets "
                + "(factual adapter pretraining)"));
        add(Task.embedded("wn-mention-mlm", "masked mention modelling on WordNet 3.1 usage examples of training synsets "
                + "(map-tuning's general objective)"));
    }

    private static void add(Task t) {
        TASKS.put(t.name(), t);
    }

    public static List<Task> tasks() {
        return List.copyOf(TASKS.values());
    }

    /** A task by name, or {@code config-unknown-task} suggesting the closest. */
    public static Task task(String name) {
        Task t = TASKS.get(name);
        if (t == null) {
            String hint = PluginConfig.closest(name, TASKS.keySet());
            throw new InfuseException("config-unknown-task", "unknown task '" + name + "'"
                    + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; tasks: " + String.join(", ", TASKS.keySet()));
        }
        return t;
    }

    /** Where the data of a task comes from: explicit files win over the data folder's defaults. */
    public record DataFiles(Path train, Path dev) {}

    /**
     * Resolves a task's training and (optional) development files; a task whose default training
     * source is {@link #EMBEDDED} gets a null training file when none is given.
     */
    public static DataFiles resolve(Task task, Path dataDir, Path train, Path dev) {
        if (task.embedded()) {
            if (train != null || dev != null) {
                throw new InfuseException("usage", "task '" + task.name() + "' has its data built in and reads no files; "
                        + "drop --" + (train != null ? "train" : "dev"));
            }
            return new DataFiles(null, null);
        }
        if (train == null && task.defaultTrain() != null && task.defaultTrain().startsWith(EMBEDDED)) {
            return new DataFiles(null, dev);
        }
        Path t = train != null ? train : defaultFile(task, dataDir, task.defaultTrain(), "training");
        Path d = dev != null ? dev : task.defaultDev() == null || (dataDir == null && train != null) ? null
                : defaultFile(task, dataDir, task.defaultDev(), "development");
        return new DataFiles(t, d);
    }

    private static Path defaultFile(Task task, Path dataDir, String relative, String what) {
        if (relative == null) {
            throw new InfuseException("usage", "task '" + task.name() + "' has no default " + what + " file; give one with --"
                    + (what.equals("training") ? "train" : "dev"));
        }
        if (dataDir == null) {
            throw new InfuseException("usage", "task '" + task.name() + "' needs --data DIR (a folder with " + relative
                    + ") or --" + (what.equals("training") ? "train" : "dev") + " FILE");
        }
        Path p = dataDir.resolve(relative);
        if (!Files.exists(p)) {
            throw new InfuseException("data-missing", "task '" + task.name() + "': " + what + " file " + p
                    + " does not exist; expected the layout <data>/" + relative);
        }
        return p;
    }

    /** Training and development datasets of a task, featurised for one tokenizer. */
    public record Prepared(Task task, TaskDataset train, TaskDataset dev, List<Path> files) {}

    /**
     * Reads and featurises a task.
     *
     * @param dev null to split {@code devFraction} of the training file off by the seeded rule
     */
    public static Prepared prepare(Task task, Path train, Path dev, Tokenizer tokenizer, int maxLength, long seed) {
        return prepare(task, train, dev, tokenizer, List.of(), maxLength, seed);
    }

    /** As {@link #prepare(Task, Path, Path, Tokenizer, int, long)}, applying the adapters' text-side hooks. */
    public static Prepared prepare(Task task, Path train, Path dev, Tokenizer tokenizer,
            List<dev.infuse.spi.KnowledgeAdapter> adapters, int maxLength, long seed) {
        return prepare(task, train, dev, tokenizer, adapters, maxLength, seed, 0);
    }

    /**
     * As above; with {@code maxTrain > 0} at most that many training records are used, a seeded
     * random subset (the development split is never cut).
     */
    public static Prepared prepare(Task task, Path train, Path dev, Tokenizer tokenizer,
            List<dev.infuse.spi.KnowledgeAdapter> adapters, int maxLength, long seed, int maxTrain) {
        return prepare(task, train, dev, tokenizer, adapters, maxLength, seed, maxTrain, RelationClassification.Markers.INFUSE);
    }

    /**
     * As above, with the entity markers of relation and entity-typing tasks. Embedded tasks take no files
     * ({@code train} and {@code dev} null) and ignore {@code seed} for their data, which has a seed of
     * its own; {@code maxTrain} still takes a seeded subset of their training examples.
     */
    public static Prepared prepare(Task task, Path train, Path dev, Tokenizer tokenizer,
            List<dev.infuse.spi.KnowledgeAdapter> adapters, int maxLength, long seed, int maxTrain,
            RelationClassification.Markers markers) {
        if (task.name().equals("entity-infill")) {
            return EntityInfill.prepare(task, train, dev, tokenizer, adapters, maxLength, seed, maxTrain);
        }
        List<Path> files = new ArrayList<>();
        if (train != null) {
            files.add(train);
        }
        if (dev != null) {
            files.add(dev);
        }
        switch (task.name()) {
            case "fewrel", "trex" -> {
                Function<Path, List<RelationInstance>> read = task.name().equals("fewrel")
                        ? p -> FewRel.read(p).records() : p -> TrexRc.read(p).records();
                var pair = split(read.apply(train), dev == null ? null : read.apply(dev), seed, RelationInstance::id, maxTrain);
                List<String> labels = RelationClassification.labelsOf(pair.train());
                return new Prepared(task, RelationClassification.fromInstances(pair.train(), tokenizer, adapters, labels, maxLength, markers),
                        RelationClassification.fromInstances(pair.dev(), tokenizer, adapters, labels, maxLength, markers), files);
            }
            case "semeval" -> {
                var pair = split(SemEval2010.read(train).records(), dev == null ? null : SemEval2010.read(dev).records(), seed, SemEvalExample::id, maxTrain);
                return new Prepared(task, RelationClassification.fromSemEval(pair.train(), tokenizer, adapters, maxLength, markers),
                        RelationClassification.fromSemEval(pair.dev(), tokenizer, adapters, maxLength, markers), files);
            }
            case "tacred" -> {
                Function<Path, List<RelationInstance>> read = p -> Tacred.read(p).records().stream()
                        .map(TacredExample::toRelationInstance).toList();
                var pair = split(read.apply(train), dev == null ? null : read.apply(dev), seed, RelationInstance::id, maxTrain);
                List<String> labels = new ArrayList<>(RelationClassification.labelsOf(pair.train()));
                for (String l : RelationClassification.labelsOf(pair.dev())) {
                    if (!labels.contains(l)) {
                        // Unseen in training: kept so it is scored as a miss rather than crashing the run.
                        labels.add(l);
                    }
                }
                if (!labels.contains(Tacred.NO_RELATION)) {
                    labels.add(0, Tacred.NO_RELATION);
                }
                return new Prepared(task, RelationClassification.fromInstances(pair.train(), tokenizer, adapters, labels, maxLength, markers),
                        RelationClassification.fromInstances(pair.dev(), tokenizer, adapters, labels, maxLength, markers), files);
            }
            case "open-entity" -> {
                var pair = split(OpenEntity.read(train).records(), dev == null ? null : OpenEntity.read(dev).records(), seed, EntityTypingExample::id, maxTrain);
                return new Prepared(task, EntityTyping.of(pair.train(), tokenizer, adapters, OpenEntity.GENERAL_TYPES, maxLength, markers),
                        EntityTyping.of(pair.dev(), tokenizer, adapters, OpenEntity.GENERAL_TYPES, maxLength, markers), files);
            }
            case "mention-mlm" -> {
                var pair = split(FewRel.read(train).records(), dev == null ? null : FewRel.read(dev).records(), seed, RelationInstance::id, maxTrain);
                return new Prepared(task, MaskedMentions.of(pair.train(), tokenizer, adapters, maxLength),
                        MaskedMentions.of(pair.dev(), tokenizer, adapters, maxLength), files);
            }
            case "ud" -> {
                var pair = split(ConllU.read(train).records(), dev == null ? null : ConllU.read(dev).records(), seed, null, maxTrain);
                return new Prepared(task, DependencyHeads.of(pair.train(), tokenizer, maxLength),
                        DependencyHeads.of(pair.dev(), tokenizer, maxLength), files);
            }
            case "wn-relation", "wn-facts" -> {
                WordNetLexicon w = WordNetLexicon.load();
                WordNetLexicon.Split<RelationInstance> data = task.name().equals("wn-relation") ? w.wordPairs() : w.facts();
                var pair = split(data.train(), data.dev(), seed, RelationInstance::id, maxTrain);
                List<String> labels = task.name().equals("wn-relation") ? WordNetLexicon.PAIR_CLASSES
                        : RelationClassification.labelsOf(concat(data.train(), data.dev()));
                return new Prepared(task, RelationClassification.fromInstances(pair.train(), tokenizer, adapters, labels, maxLength, markers),
                        RelationClassification.fromInstances(pair.dev(), tokenizer, adapters, labels, maxLength, markers), files);
            }
            case "wn-mention-mlm" -> {
                WordNetLexicon.Split<LinkedSentence> data = WordNetLexicon.load().usageMentions();
                var pair = split(data.train(), data.dev(), seed, LinkedSentence::id, maxTrain);
                return new Prepared(task, MaskedMentions.ofLinked(pair.train(), tokenizer, adapters, maxLength),
                        MaskedMentions.ofLinked(pair.dev(), tokenizer, adapters, maxLength), files);
            }
            default -> throw new AssertionError(task.name());
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static <T> Splits.Split<T> split(List<T> train, List<T> dev, long seed, Function<T, String> key, int maxTrain) {
        Splits.Split<T> s = dev != null ? new Splits.Split<>(train, dev) : Splits.trainDev(train, 0.1, seed, key);
        if (maxTrain <= 0 || s.train().size() <= maxTrain) {
            return s;
        }
        List<T> shuffled = new ArrayList<>(s.train());
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        return new Splits.Split<>(shuffled.subList(0, maxTrain), s.dev());
    }

    /** Whether a task can run without a data folder (built-in data, or a built-in default source). */
    public static boolean needsDataFolder(Task task) {
        return !task.embedded() && (task.defaultTrain() == null || !task.defaultTrain().startsWith(EMBEDDED));
    }

    /** Whether a task is a probe: evaluated through the backbone's own masked-LM head, with nothing trained. */
    public static boolean isProbe(Task task) {
        return task.name().equals("lama") || task.name().equals("wn-hypernym");
    }

    /** The metric a study compares a task on (a key of the run's {@code metrics.json}). */
    public static String primaryMetric(Task task) {
        return switch (task.name()) {
            case "ud" -> "uas";
            case "lama", "wn-hypernym" -> "p_at_1";
            default -> "f1";
        };
    }

    /**
     * The queries of a probe task.
     *
     * @param maxFacts at most this many facts per relation (0 = all)
     */
    static LamaProbeTask probe(Task task, DataFiles files, Tokenizer tokenizer, List<dev.infuse.spi.KnowledgeAdapter> adapters,
            int maxFacts) {
        return switch (task.name()) {
            case "lama" -> LamaProbeTask.of(files.train(), tokenizer, adapters, maxFacts);
            case "wn-hypernym" -> LamaProbeTask.of(WordNetLexicon.load().hypernymProbe(), tokenizer, adapters, maxFacts);
            default -> throw new AssertionError(task.name());
        };
    }

    /** The scoring rule of a relation task. */
    static RelationClassification.Scoring scoring(Task task) {
        return switch (task.name()) {
            case "semeval" -> RelationClassification.Scoring.SEMEVAL;
            case "tacred" -> RelationClassification.Scoring.TACRED;
            default -> RelationClassification.Scoring.ACCURACY;
        };
    }
}
