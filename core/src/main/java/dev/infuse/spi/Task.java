package dev.infuse.spi;

import dev.infuse.api.ComposedModel;
import dev.infuse.api.TrainingData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A downstream, pretraining or probing task: where its data lives, how it becomes model inputs, which
 * head it trains and how it is scored. The host does everything else (adapters, fusion, activation
 * cache, training, checkpoints, artifacts, reports) the same way for every task; no host code branches
 * on a task's name.
 *
 * <p>A task's life in one run:
 * <ol>
 *   <li>the host resolves its files: {@link #data()} names defaults relative to a data folder; the
 *       user may give others ({@code --train}, {@code --dev}, {@code --test});
 *   <li>{@link #prepare(Input)} reads and featurises them for the run's tokenizer (which holds the
 *       adapters' added tokens) and applies the adapters' text-side hooks
 *       ({@link KnowledgeAdapter#mentionPrefix}, {@link KnowledgeAdapter#tokenInputs}) to every entity
 *       mention the task knows of; bad records raise one {@code InfuseException} naming file, line and
 *       field ({@code data-format}), or are counted in {@link Split#skipped()};
 *   <li>unless it is a {@linkplain #probe() probe}, the host trains {@link Prepared#head} (and any
 *       trainable adapter) on {@link Prepared#train()}, selecting the epoch on {@link Prepared#dev()}
 *       by the {@linkplain #metric() primary metric};
 *   <li>{@link Split#evaluate} scores the selected model: metrics, per-item outcomes (written as
 *       {@code outcomes.json} for paired comparisons) and prediction files in the data set's own format.
 * </ol>
 */
public interface Task {

    /** The task's name, as users write it; the provider's name. */
    String name();

    /** One line for {@code infuse plugins}. */
    String description();

    /** Where the task's data comes from by default. */
    DataSource data();

    /**
     * Whether the task only probes: nothing is trained, and the frozen backbone (with any pretrained
     * adapters) answers through its own masked-LM head. Its {@link Prepared#train()} is empty.
     */
    default boolean probe() {
        return false;
    }

    /**
     * The primary metric: the key of {@code metrics.json} that selects the best epoch and that studies
     * compare, as a function of per-item counts.
     */
    ItemMetric metric();

    /** Reads and featurises the task's data for one run. */
    Prepared prepare(Input input);

    /**
     * Default data of a task.
     *
     * @param train the default training file or folder, relative to a data folder laid out like the
     *     project's shared data ({@code null}: none — built in, or the user must give one)
     * @param dev the default development file ({@code null}: a seeded 10% of the training data, or built in)
     * @param builtIn whether the default data is built into the task (class path): then no data folder
     *     is needed
     * @param readsFiles whether the task reads files given by the user ({@code --train}, {@code --dev},
     *     {@code --test}); a built-in task that also reads files uses them instead of its own data
     */
    record DataSource(String train, String dev, boolean builtIn, boolean readsFiles) {
        /** Data built into the task; it reads no files. */
        public static DataSource embedded() {
            return new DataSource(null, null, true, false);
        }

        /** Data built into the task by default, replaced by files the user gives. */
        public static DataSource embeddedOrFiles() {
            return new DataSource(null, null, true, true);
        }

        /** Files relative to a data folder (either may be null: see the record). */
        public static DataSource files(String train, String dev) {
            return new DataSource(train, dev, false, true);
        }
    }

    /**
     * What a run hands {@link #prepare}.
     *
     * @param train the training file (or folder), or null for built-in data
     * @param dev the development file, or null (then the task splits its own, seeded by {@code seed})
     * @param tokenizer the run's tokenizer, with the adapters' added tokens
     * @param adapters the run's adapters, whose text-side hooks apply to every mention
     * @param maxLength word pieces per example (longer examples are cut or skipped, counted)
     * @param seed the run's seed, for any split or subsample
     * @param maxTrain at most this many training examples, a seeded subset (0 = all; never cuts dev)
     */
    record Input(Path train, Path dev, Tokenizer tokenizer, List<KnowledgeAdapter> adapters, int maxLength, long seed,
            int maxTrain) {
        public Input {
            adapters = List.copyOf(adapters);
        }
    }

    /** A task's featurised data for one run. */
    interface Prepared {
        /** The training examples (empty for a probe). */
        Split train();

        /** The development examples. */
        Split dev();

        /**
         * Featurises another file the same way as the training data (same labels, same markers),
         * e.g. a test file scored once with the model selected on {@link #dev()}.
         */
        Split read(Path file);

        /** The files read (for provenance and checkpoint identity). */
        List<Path> files();

        /**
         * The task's head for this data (label set known).
         *
         * @param dropout dropout before the classifier
         * @param hiddenSize the backbone's (or fusion's) hidden size
         */
        TaskHead head(float dropout, int hiddenSize);
    }

    /** Featurised examples of one split: batches for training, and scoring of a model on them. */
    interface Split extends TrainingData {
        /** The tokenised texts, in example order (the activation cache is keyed by them). */
        List<TokenizedText> texts();

        /** Examples left out while featurising, by reason (e.g. a marker cut off by the length limit). */
        Map<String, Integer> skipped();

        /**
         * How many rows of the model's batch one example takes: 1 for most tasks; the number of choices
         * for multiple choice, whose every answer is encoded with the question. {@link #texts()} then
         * holds every row, example by example, and a batch of {@code k} examples has {@code k} times
         * this many rows (the activation cache serves them row by row).
         */
        default int rowsPerExample() {
            return 1;
        }

        /**
         * Runs {@code model} over every example (read through {@code source}: this split, or a wrapper
         * with cached activations) and scores it.
         */
        Evaluation evaluate(ComposedModel model, TrainingData source);
    }

    /** A model's predictions on a split, scored. */
    interface Evaluation {
        /** Metric name to value (fractions), containing the task's primary metric. */
        Map<String, Double> metrics();

        /** One outcome per example, in example order; {@link #metric()} over them equals its value in {@link #metrics()}. */
        List<ItemOutcome> outcomes();

        /**
         * Writes the predictions into {@code folder} in the data set's own format (e.g. SemEval's answer
         * key, CoNLL-U), atomically; {@code prefix} is empty for the development split and {@code test-}
         * for a test file. Default: {@code <prefix>predictions.jsonl} built from the outcomes.
         */
        void writePredictions(Path folder, String prefix);
    }
}
