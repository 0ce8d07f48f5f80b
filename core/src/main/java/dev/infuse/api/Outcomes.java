package dev.infuse.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The per-item outcomes of one evaluation: which task and split, the metric as a function of item
 * counts, and every item's counts. Every cell writes them as {@value #FILE_NAME} next to its
 * {@code metrics.json}; paired comparisons ({@code infuse compare}, study reports) read them.
 *
 * <p>File format ({@value #FORMAT}):
 * <pre>{@code
 * {"format": "infuse-outcomes/1", "task": "semeval", "split": "dev",
 *  "metric": {"name": "f1", "kind": "macro_f1_gold", "excluded": ["Other"]}, "value": 0.7731,
 *  "items": [{"id": "8001", "counts": {"tp:Cause-Effect": 1, "pred:Cause-Effect": 1, "gold:Cause-Effect": 1},
 *             "predicted": "Cause-Effect(e1,e2)", "gold": "Cause-Effect(e1,e2)"}, ...]}
 * }</pre>
 *
 * @param task task name
 * @param split {@code dev} or {@code test}
 * @param metric the primary metric, recomputable from the counts
 * @param items one outcome per evaluated item, ids unique
 */
public record Outcomes(String task, String split, ItemMetric metric, List<ItemOutcome> items) {
    /** The file name of a cell's outcomes. */
    public static final String FILE_NAME = "outcomes.json";
    /** The format tag written into every file. */
    public static final String FORMAT = "infuse-outcomes/1";

    public Outcomes {
        items = List.copyOf(items);
        Set<String> seen = new HashSet<>();
        for (ItemOutcome o : items) {
            if (!seen.add(o.id())) {
                throw new InfuseException("data-format", "outcomes of task '" + task + "' (" + split + "): item id '" + o.id()
                        + "' appears twice; expected unique item ids");
            }
        }
    }

    /** Counts summed over all items. */
    public Map<String, Double> totals() {
        Map<String, Double> t = new LinkedHashMap<>();
        for (ItemOutcome o : items) {
            o.counts().forEach((k, v) -> t.merge(k, v, Double::sum));
        }
        return t;
    }

    /** The metric over all items. */
    public double value() {
        return metric.value(totals());
    }

    /** Writes the file atomically (temp file, then rename). */
    public void write(Path file) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("format", FORMAT);
        root.put("task", task);
        root.put("split", split);
        ObjectNode m = root.putObject("metric");
        m.put("name", metric.name());
        m.put("kind", metric.kind().label());
        ArrayNode ex = m.putArray("excluded");
        new TreeSet<>(metric.excluded()).forEach(ex::add);
        root.put("value", value());
        ArrayNode arr = root.putArray("items");
        for (ItemOutcome o : items) {
            ObjectNode n = arr.addObject();
            n.put("id", o.id());
            ObjectNode c = n.putObject("counts");
            o.counts().forEach((k, v) -> {
                if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                    c.put(k, v.longValue());
                } else {
                    c.put(k, v);
                }
            });
            if (o.predicted() != null) {
                n.set("predicted", json.valueToTree(o.predicted()));
            }
            if (o.gold() != null) {
                n.set("gold", json.valueToTree(o.gold()));
            }
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // Not createTempFile (mode 0600): the temp file gets the umask's mode, like every other output.
            Path tmp = parent.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            try {
                Files.write(tmp, json.writeValueAsBytes(root), java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file written by {@link #write}; {@code data-missing} or {@code data-format} naming the file and field. */
    public static Outcomes read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InfuseException("data-missing", file + ": no per-item outcomes (a run made before Infuse wrote "
                    + FILE_NAME + ", or not a run folder); rerun the cell to compare it item by item");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new InfuseException("data-format", file + ": not valid JSON (line " + e.getLocation().getLineNr() + "): "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InfuseException("data-missing", "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw new InfuseException("data-format", file + ": field 'format': expected \"" + FORMAT + "\"");
        }
        String task = text(file, root, "task");
        String split = text(file, root, "split");
        JsonNode m = root.path("metric");
        ItemMetric.Kind kind;
        try {
            kind = ItemMetric.Kind.parse(text(file, m, "kind"));
        } catch (InfuseException e) {
            throw new InfuseException("data-format", file + ": field 'metric.kind': " + e.getMessage());
        }
        Set<String> excluded = new TreeSet<>();
        m.path("excluded").forEach(x -> excluded.add(x.asText()));
        ItemMetric metric = new ItemMetric(text(file, m, "name"), kind, excluded);
        JsonNode arr = root.path("items");
        if (!arr.isArray()) {
            throw new InfuseException("data-format", file + ": field 'items': expected an array of item outcomes");
        }
        List<ItemOutcome> items = new ArrayList<>(arr.size());
        int i = 0;
        for (JsonNode n : arr) {
            JsonNode id = n.path("id");
            JsonNode counts = n.path("counts");
            if (!id.isTextual() || !counts.isObject()) {
                throw new InfuseException("data-format", file + ": items[" + i + "]: expected an object with a text 'id' and "
                        + "an object 'counts'");
            }
            Map<String, Double> c = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = counts.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber() || !Double.isFinite(e.getValue().asDouble())) {
                    throw new InfuseException("data-format", file + ": items[" + i + "].counts." + e.getKey()
                            + ": expected a finite number");
                }
                c.put(e.getKey(), e.getValue().asDouble());
            }
            ObjectMapper json = new ObjectMapper();
            Object predicted = n.has("predicted") ? json.convertValue(n.get("predicted"), Object.class) : null;
            Object gold = n.has("gold") ? json.convertValue(n.get("gold"), Object.class) : null;
            items.add(new ItemOutcome(id.asText(), c, predicted, gold));
            i++;
        }
        try {
            return new Outcomes(task, split, metric, items);
        } catch (InfuseException e) {
            throw new InfuseException(e.code(), file + ": " + e.getMessage());
        }
    }

    private static String text(Path file, JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new InfuseException("data-format", file + ": field '" + field + "': expected a non-empty string");
        }
        return v.asText();
    }
}
