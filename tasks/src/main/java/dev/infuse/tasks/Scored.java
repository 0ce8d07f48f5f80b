package dev.infuse.tasks;

import dev.infuse.spi.ItemOutcome;
import dev.infuse.spi.Task;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A {@link Task.Evaluation} from computed metrics, per-item outcomes and a writer of the data set's
 * own prediction files (by default {@code <prefix>predictions.jsonl}: id, predicted, gold per item).
 */
public record Scored(Map<String, Double> metrics, List<ItemOutcome> outcomes, BiConsumer<Path, String> writer)
        implements Task.Evaluation {

    public Scored {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        outcomes = List.copyOf(outcomes);
    }

    /** Scored items whose predictions are written as JSON lines. */
    public static Scored of(Map<String, Double> metrics, List<ItemOutcome> outcomes) {
        return new Scored(metrics, outcomes, (folder, prefix) -> writeJsonLines(folder, prefix, outcomes));
    }

    @Override
    public void writePredictions(Path folder, String prefix) {
        writer.accept(folder, prefix);
    }

    /** {@code <prefix>predictions.jsonl}: one {@code {id, predicted, gold}} object per item. */
    static void writeJsonLines(Path folder, String prefix, List<ItemOutcome> outcomes) {
        List<Map<String, Object>> rows = new ArrayList<>(outcomes.size());
        for (ItemOutcome o : outcomes) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", o.id());
            row.put("predicted", o.predicted());
            row.put("gold", o.gold());
            rows.add(row);
        }
        OutputFiles.writeJsonLines(folder.resolve(prefix + "predictions.jsonl"), rows);
    }
}
