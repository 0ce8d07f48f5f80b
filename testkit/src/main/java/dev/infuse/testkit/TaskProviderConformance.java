package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.api.ComposedModel;
import dev.infuse.api.Outcomes;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Task;
import dev.infuse.spi.TaskProvider;
import dev.infuse.spi.TokenizedText;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite every {@link TaskProvider} should pass (as {@code AdapterProviderConformance}
 * is for adapters): extend it, implement {@link #provider()} and {@link #writeData(Path)} (a few dozen
 * examples the test writes itself), and {@link #writeBadData(Path)} for a malformed file. It checks the
 * provider rules (name, SPI handshake, documented and consumed options), reading and featurisation
 * within the length limit, that a malformed file is one {@code data-format} error naming the file,
 * that splits and featurisation are deterministic for a seed, that the head builds on a tiny BERT, and
 * that a model's evaluation gives one outcome per example, unique ids, and per-item counts that
 * recompute the primary metric exactly.
 */
public abstract class TaskProviderConformance extends ProviderConformanceBase {
    private static final int MAX_LENGTH = 48;

    /** The provider under test. */
    protected abstract TaskProvider provider();

    /** The task's options for these tests (default none). */
    protected Map<String, Object> options() {
        return Map.of();
    }

    /** Data the task can read: the training file (or folder) written into {@code dir}; null for a task with built-in data. */
    protected abstract Path writeData(Path dir) throws Exception;

    /** A development file for {@link #writeData}'s training file, or null to let the task split its own. */
    protected Path writeDevData(Path dir) throws Exception {
        return null;
    }

    /** A malformed data file written into {@code dir}; null when the task reads no files. */
    protected abstract Path writeBadData(Path dir) throws Exception;

    private Task task() {
        PluginConfig config = PluginConfig.of("task '" + provider().name() + "'", options());
        Task t = provider().create(config, CONTEXT);
        config.requireAllConsumed();
        return t;
    }

    private Task.Prepared prepare(Path dir, long seed) throws Exception {
        Path train = writeData(dir);
        Path dev = writeDevData(dir);
        return task().prepare(new Task.Input(train, dev, backbone().tokenizer(), List.of(), MAX_LENGTH, seed, 0));
    }

    @Test
    void followsTheProviderRules() {
        TaskProvider p = provider();
        assertProviderRules(p);
        for (ParameterSpec s : p.parameters()) {
            assertThat(s.description()).as("option " + s.name()).isNotBlank();
        }
        Task t = task();
        assertThat(t.name()).isEqualTo(p.name());
        assertThat(t.metric().name()).isNotBlank();
        assertThatThrownBy(() -> {
            PluginConfig c = PluginConfig.of("task", Map.of("no-such-option-xyz", 1));
            p.create(c, CONTEXT);
            c.requireAllConsumed();
        }).isInstanceOf(InfuseException.class).hasMessageContaining("no-such-option-xyz");
    }

    @Test
    void readsAndFeaturisesWithinTheLengthLimit(@TempDir Path dir) throws Exception {
        Task.Prepared data = prepare(dir, 1);
        assertThat(data.dev().size()).as("development examples").isPositive();
        if (!task().probe()) {
            assertThat(data.train().size()).as("training examples").isPositive();
        }
        for (Task.Split split : List.of(data.train(), data.dev())) {
            int rows = split.rowsPerExample();
            assertThat(rows).isPositive();
            assertThat(split.texts()).hasSize(split.size() * rows);
            for (int i = 0; i < split.size(); i++) {
                int longest = 0;
                for (int r = 0; r < rows; r++) {
                    TokenizedText t = split.texts().get(i * rows + r);
                    assertThat(t.length()).isLessThanOrEqualTo(MAX_LENGTH);
                    longest = Math.max(longest, t.length());
                }
                assertThat(split.length(i)).as("length of example " + i + " (its longest row)").isEqualTo(longest);
            }
        }
    }

    @Test
    void aMalformedFileIsOneErrorNamingIt(@TempDir Path dir) throws Exception {
        Path bad = writeBadData(dir);
        if (bad == null) {
            return;
        }
        assertThatThrownBy(() -> task().prepare(new Task.Input(bad, null, backbone().tokenizer(), List.of(), MAX_LENGTH, 1, 0)))
                .isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).startsWith("data-"))
                .hasMessageContaining(bad.getFileName().toString());
    }

    @Test
    void splitsAndFeaturisationAreDeterministicForASeed(@TempDir Path a, @TempDir Path b) throws Exception {
        Task.Prepared one = prepare(a, 5);
        Task.Prepared two = prepare(b, 5);
        assertThat(two.train().texts()).isEqualTo(one.train().texts());
        assertThat(two.dev().texts()).isEqualTo(one.dev().texts());
    }

    @Test
    void evaluationGivesOneOutcomePerExampleThatRecomputesTheMetric(@TempDir Path dir) throws Exception {
        Task.Prepared data = prepare(dir, 1);
        Task task = task();
        try (ComposedModel model = ComposedModel.builder(backbone()).head(data.head(0f, backbone().spec().hiddenSize()), false)
                .seed(1).forTraining(false).build()) {
            Task.Evaluation e = data.dev().evaluate(model, data.dev());
            assertThat(e.metrics()).containsKey(task.metric().name());
            assertThat(e.outcomes()).hasSize(data.dev().size());
            Set<String> ids = new HashSet<>();
            e.outcomes().forEach(o -> assertThat(ids.add(o.id())).as("unique id " + o.id()).isTrue());
            double recomputed = new Outcomes(task.name(), "dev", task.metric(), e.outcomes()).value();
            assertThat(recomputed).as("metric from per-item counts").isCloseTo(e.metrics().get(task.metric().name()), within(1e-9));
            for (ItemOutcome o : e.outcomes()) {
                o.counts().values().forEach(v -> assertThat(v).isFinite().isGreaterThanOrEqualTo(0.0));
            }
            e.writePredictions(dir, "");
        }
    }

    private static final PluginContext CONTEXT = new PluginContext() {
        @Override
        public Path cacheDirectory() {
            return Path.of(System.getProperty("java.io.tmpdir"));
        }

        @Override
        public long seed() {
            return 1;
        }

        @Override
        public <T> T service(Class<T> type) {
            throw new UnsupportedOperationException(type.getName());
        }
    };
}
