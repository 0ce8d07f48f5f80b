package dev.infuse.tasks;

import dev.infuse.data.Splits;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Task;
import dev.infuse.spi.TaskHead;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A task's featurised data for one run: its training and development datasets, the files read, and
 * how to featurise another file the same way (a test file).
 *
 * @param reader featurises another file like the training data; null when the task reads no files
 */
public record PreparedData(String task, TaskDataset train, TaskDataset dev, List<Path> files,
        Function<Path, TaskDataset> reader) implements Task.Prepared {

    public PreparedData {
        files = List.copyOf(files);
    }

    /**
     * The usual way of a file-based task: read the training file (and the development file, if any),
     * hold out 10% of the training records grouped by {@code splitKey} (seeded by the run) when there is
     * no development file, keep at most {@code maxTrain} training records (a seeded subset; the
     * development split is never cut), and featurise each split — and any test file later — with
     * {@code featurise(split, records)}, which sees the split to fix label sets from it.
     *
     * @param splitKey records with one key stay on one side of the split; null for record by record
     */
    public static <T> PreparedData fromRecords(String task, Task.Input in, Function<Path, List<T>> read,
            Function<T, String> splitKey, java.util.function.BiFunction<Splits.Split<T>, List<T>, TaskDataset> featurise) {
        return fromRecords(task, in, read, splitKey, java.util.function.UnaryOperator.identity(), featurise);
    }

    /**
     * As {@link #fromRecords(String, Task.Input, Function, Function, java.util.function.BiFunction)}, with
     * {@code sample} choosing training records after the development split and before the {@code maxTrain}
     * cut (e.g. {@link #perLabel} for few-shot training sets).
     */
    public static <T> PreparedData fromRecords(String task, Task.Input in, Function<Path, List<T>> read,
            Function<T, String> splitKey, java.util.function.UnaryOperator<List<T>> sample,
            java.util.function.BiFunction<Splits.Split<T>, List<T>, TaskDataset> featurise) {
        Splits.Split<T> whole = split(read.apply(in.train()), in.dev() == null ? null : read.apply(in.dev()), in.seed(), splitKey, 0);
        Splits.Split<T> split = split(sample.apply(whole.train()), whole.dev(), in.seed(), null, in.maxTrain());
        List<Path> files = new java.util.ArrayList<>();
        files.add(in.train());
        if (in.dev() != null) {
            files.add(in.dev());
        }
        return new PreparedData(task, featurise.apply(split, split.train()), featurise.apply(split, split.dev()), files,
                p -> featurise.apply(split, read.apply(p)));
    }

    /**
     * The given development split, or 10% of the training records held out by the seeded rule; then at
     * most {@code maxTrain} training records, a seeded subset (the development split is never cut).
     */
    public static <T> Splits.Split<T> split(List<T> train, List<T> dev, long seed, Function<T, String> key, int maxTrain) {
        Splits.Split<T> s = dev != null ? new Splits.Split<>(train, dev) : Splits.trainDev(train, 0.1, seed, key);
        if (maxTrain <= 0 || s.train().size() <= maxTrain) {
            return s;
        }
        List<T> shuffled = new java.util.ArrayList<>(s.train());
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        return new Splits.Split<>(shuffled.subList(0, maxTrain), s.dev());
    }

    /**
     * At most {@code n} records of each label, a seeded sample (labels in sorted order, each label's records
     * shuffled by one {@code Random(seed)}); labels with fewer keep all. The result is shuffled by the same
     * generator, so that no label's records come in one block.
     */
    public static <T> List<T> perLabel(List<T> records, Function<T, String> label, int n, long seed) {
        java.util.Map<String, List<T>> byLabel = new java.util.TreeMap<>();
        records.forEach(r -> byLabel.computeIfAbsent(label.apply(r), k -> new java.util.ArrayList<>()).add(r));
        java.util.Random random = new java.util.Random(seed);
        List<T> out = new java.util.ArrayList<>();
        for (List<T> group : byLabel.values()) {
            java.util.Collections.shuffle(group, random);
            out.addAll(group.subList(0, Math.min(n, group.size())));
        }
        java.util.Collections.shuffle(out, random);
        return out;
    }

    @Override
    public TaskDataset read(Path file) {
        if (reader == null) {
            throw new InfuseException("usage", "task '" + task + "' has its data built in and cannot read " + file
                    + "; drop --test");
        }
        return reader.apply(file);
    }

    /** The head that fits the training data (its label set, arc scorer or masked-LM head). */
    @Override
    public TaskHead head(float dropout, int hiddenSize) {
        TaskDataset data = train.size() > 0 ? train : dev;
        List<String> labels = data.classLabels();
        if (labels != null && labels.size() < 2) {
            throw new InfuseException("data-too-few-labels", "task '" + task + "': " + (files.isEmpty() ? "its data" : files.get(0))
                    + " has " + labels.size() + " label(s) " + labels + "; a classifier needs examples of at least 2");
        }
        return data.head(dropout, hiddenSize);
    }
}
