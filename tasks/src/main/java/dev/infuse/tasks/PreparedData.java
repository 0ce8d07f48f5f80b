package dev.infuse.tasks;

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
        if (data instanceof RelationClassification r) {
            requireTwo(r.labels());
            return r.head(dropout);
        }
        if (data instanceof EntityTyping e) {
            return e.head(dropout);
        }
        if (data instanceof DependencyHeads d) {
            return d.head(hiddenSize, dropout);
        }
        if (data instanceof MaskedMentions m) {
            return m.head();
        }
        if (data instanceof EntityInfill e) {
            return e.head();
        }
        if (data instanceof MultipleChoice c) {
            return c.head(dropout);
        }
        if (data instanceof SentenceClassification c) {
            requireTwo(c.labels());
            return c.head(dropout);
        }
        if (data instanceof LamaProbeTask p) {
            return p.head();
        }
        throw new IllegalStateException("no head for " + data.getClass().getName());
    }

    private void requireTwo(List<String> labels) {
        if (labels.size() < 2) {
            throw new InfuseException("data-too-few-labels", "task '" + task + "': " + (files.isEmpty() ? "its data" : files.get(0))
                    + " has " + labels.size() + " label(s) " + labels + "; a classifier needs examples of at least 2");
        }
    }
}
