package dev.infuse.tasks.declarative;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.infuse.data.EntityTypingExample;
import dev.infuse.data.FewRel;
import dev.infuse.data.JsonLines;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.Span;
import dev.infuse.data.Tables;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.Task;
import dev.infuse.tasks.EntityTyping;
import dev.infuse.tasks.PreparedData;
import dev.infuse.tasks.RelationClassification;
import dev.infuse.tasks.SentenceClassification;
import dev.infuse.tasks.TaskDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Declarative tasks: a YAML (or JSON) file that maps the fields of a JSON-lines data file to one of
 * the common task shapes — {@code classification} (a text or text pair, one label), {@code relation}
 * (relation classification with marked subject and object spans) and {@code entity-typing} (a marked
 * mention, a set of types) — with the metric named. The file format is documented in
 * {@code docs/TASKS.md}; every mistake is one error naming the file and the key.
 */
public final class TaskFile {
    private static final Set<String> KEYS = Set.of("name", "version", "description", "shape", "format", "train", "dev",
            "fields", "spans", "metric", "labels", "types");
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "classification", Set.of("id", "text", "text_pair", "label"),
            "relation", Set.of("id", "tokens", "subject", "object", "subject_id", "object_id", "label"),
            "entity-typing", Set.of("id", "tokens", "mention", "mention_id", "labels"),
            "multiple-choice", Set.of("id", "context", "question", "choices", "label"),
            "cloze", Set.of("id", "text", "answer", "group"));
    private static final Map<String, List<String>> REQUIRED = Map.of(
            "classification", List.of("text", "label"),
            "relation", List.of("tokens", "subject", "object", "label"),
            "entity-typing", List.of("tokens", "mention", "labels"),
            "multiple-choice", List.of("question", "choices", "label"),
            "cloze", List.of("text", "answer"));

    private TaskFile() {}

    /** What a task file says, checked. */
    record Spec(Path file, String name, String version, String description, String shape, String format, String train,
            String dev, Map<String, Object> fields, boolean inclusive, ItemMetric metric, List<String> types) {}

    /** Reads and checks a task file; {@code config-*} errors name the file and key. */
    public static Task read(Path file) {
        return read(file, PluginConfig.empty("task file " + file));
    }

    /**
     * Reads a task file with the run's task options: {@code markers} ({@code infuse} or {@code authors})
     * for the shapes that mark mentions (relation, entity typing); any other option, or markers for
     * another shape, stays unconsumed and is refused by the caller.
     */
    public static Task read(Path file, PluginConfig options) {
        Spec spec = parse(file);
        boolean marks = spec.shape().equals("relation") || spec.shape().equals("entity-typing");
        RelationClassification.Markers markers = marks ? RelationClassification.Markers.parse(options.getString("markers", "infuse"))
                : RelationClassification.Markers.INFUSE;
        return new DeclarativeTask(spec, markers);
    }

    static Spec parse(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new InfuseException("config-syntax", file + ": not valid YAML or JSON (line " + e.getLocation().getLineNr()
                    + "): " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InfuseException("data-missing", "cannot read task file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InfuseException("config-syntax", file + ": expected a mapping of task keys (" + String.join(", ",
                    new java.util.TreeSet<>(KEYS)) + ")");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                String hint = PluginConfig.closest(k, KEYS);
                throw new InfuseException("config-unknown-key", file + ": unknown key '" + k + "'" + (hint == null ? ""
                        : " (did you mean '" + hint + "'?)") + "; keys: " + String.join(", ", new java.util.TreeSet<>(KEYS)));
            }
        }
        String name = text(file, root, "name", null);
        if (!name.matches("[a-z][a-z0-9-]{0,39}")) {
            throw new InfuseException("config-bad-value", file + ": name '" + name + "': expected lower case, [a-z][a-z0-9-]{0,39}");
        }
        String shape = text(file, root, "shape", null);
        if (!FIELDS.containsKey(shape)) {
            throw new InfuseException("config-bad-value", file + ": shape '" + shape + "': expected one of classification, "
                    + "relation, entity-typing, multiple-choice, cloze");
        }
        String format = text(file, root, "format", "jsonl");
        if (!Set.of("jsonl", "tsv", "csv").contains(format) && !(format.equals("fewrel") && shape.equals("relation"))) {
            throw new InfuseException("config-bad-value", file + ": format '" + format + "': expected jsonl (JSON lines), tsv "
                    + "or csv (a header row naming the columns)"
                    + (shape.equals("relation") ? " or fewrel (FewRel's relation -> instances JSON)" : ""));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        JsonNode f = root.path("fields");
        if (!format.equals("fewrel")) {
            if (!f.isObject()) {
                throw new InfuseException("config-missing-key", file + ": key 'fields': expected a mapping of "
                        + FIELDS.get(shape) + " to the data file's field names");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!FIELDS.get(shape).contains(e.getKey())) {
                    throw new InfuseException("config-unknown-key", file + ": fields." + e.getKey() + ": not a field of shape '"
                            + shape + "'; expected some of " + new java.util.TreeSet<>(FIELDS.get(shape)));
                }
                JsonNode v = e.getValue();
                boolean span = Set.of("subject", "object", "mention").contains(e.getKey());
                if (span) {
                    if (!v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).isTextual()) {
                        throw new InfuseException("config-bad-value", file + ": fields." + e.getKey()
                                + ": expected [start_field, end_field], two field names of token indices");
                    }
                    fields.put(e.getKey(), List.of(v.get(0).asText(), v.get(1).asText()));
                } else if (e.getKey().equals("choices") && v.isArray()) {
                    // One column per answer, as tables hold them (answer0, answer1, ...).
                    List<String> names = new ArrayList<>();
                    v.forEach(x -> names.add(x.asText()));
                    if (names.size() < 2 || !allTextual(v)) {
                        throw new InfuseException("config-bad-value", file + ": fields.choices: expected a field name holding "
                                + "a list, or a list of at least two field names (one per answer)");
                    }
                    fields.put("choices", List.copyOf(names));
                } else if (!v.isTextual()) {
                    throw new InfuseException("config-bad-value", file + ": fields." + e.getKey() + ": expected a field name");
                } else {
                    fields.put(e.getKey(), v.asText());
                }
            }
            for (String r : REQUIRED.get(shape)) {
                if (!fields.containsKey(r)) {
                    throw new InfuseException("config-missing-key", file + ": fields." + r + " is required for shape '" + shape
                            + "' (the data file's field holding it)");
                }
            }
        }
        String spans = text(file, root, "spans", "exclusive");
        if (!spans.equals("exclusive") && !spans.equals("inclusive")) {
            throw new InfuseException("config-bad-value", file + ": spans '" + spans + "': expected exclusive (end index not "
                    + "in the span) or inclusive");
        }
        String metricName = text(file, root, "metric", switch (shape) {
            case "entity-typing" -> "micro_f1";
            case "multiple-choice" -> "accuracy";
            case "cloze" -> "p_at_1";
            default -> "macro_f1";
        });
        ItemMetric metric = switch (shape + "/" + metricName) {
            case "classification/accuracy", "relation/accuracy", "multiple-choice/accuracy" ->
                    ItemMetric.of("accuracy", ItemMetric.Kind.RATIO);
            case "classification/macro_f1", "relation/macro_f1" -> ItemMetric.of("f1", ItemMetric.Kind.MACRO_F1);
            case "entity-typing/micro_f1" -> ItemMetric.of("f1", ItemMetric.Kind.MICRO_F1);
            case "cloze/p_at_1" -> ItemMetric.of("p_at_1", ItemMetric.Kind.MACRO_RATIO);
            default -> throw new InfuseException("config-bad-value", file + ": metric '" + metricName + "' for shape '" + shape
                    + "': expected " + switch (shape) {
                        case "entity-typing" -> "micro_f1";
                        case "multiple-choice" -> "accuracy";
                        case "cloze" -> "p_at_1 (mean over groups)";
                        default -> "accuracy or macro_f1";
                    });
        };
        List<String> types = new ArrayList<>();
        JsonNode t = root.has("types") ? root.get("types") : root.get("labels");
        if (t != null) {
            if (!t.isArray() || t.isEmpty()) {
                throw new InfuseException("config-bad-value", file + ": types: expected a non-empty list of labels");
            }
            t.forEach(x -> types.add(x.asText()));
        } else if (shape.equals("entity-typing")) {
            throw new InfuseException("config-missing-key", file + ": types (the type inventory) is required for shape "
                    + "'entity-typing'");
        }
        String train = text(file, root, "train", null);
        String dev = root.hasNonNull("dev") ? text(file, root, "dev", null) : null;
        return new Spec(file, name, text(file, root, "version", "1"), text(file, root, "description", "declared in " + file),
                shape, format, near(file, train), dev == null ? null : near(file, dev), fields, spans.equals("inclusive"), metric,
                types);
    }

    /** A data path: absolute when it exists next to the task file, else relative to the run's data folder. */
    private static String near(Path file, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute()) {
            return path;
        }
        Path sibling = file.toAbsolutePath().getParent().resolve(p).normalize();
        return Files.exists(sibling) ? sibling.toString() : path;
    }

    private static boolean allTextual(JsonNode array) {
        for (JsonNode x : array) {
            if (!x.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String text(Path file, JsonNode root, String key, String fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw new InfuseException("config-missing-key", file + ": key '" + key + "' is required");
            }
            return fallback;
        }
        if (!v.isValueNode()) {
            throw new InfuseException("config-bad-value", file + ": key '" + key + "': expected a single value");
        }
        return v.asText();
    }

    /** The task a checked file describes. */
    private static final class DeclarativeTask implements Task {
        private final Spec spec;
        private final RelationClassification.Markers markers;

        DeclarativeTask(Spec spec, RelationClassification.Markers markers) {
            this.spec = spec;
            this.markers = markers;
        }

        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public String description() {
            return spec.description();
        }

        @Override
        public DataSource data() {
            return DataSource.files(spec.train(), spec.dev());
        }

        @Override
        public ItemMetric metric() {
            return spec.metric();
        }

        @Override
        public boolean probe() {
            return spec.shape().equals("cloze");
        }

        @Override
        public Prepared prepare(Input in) {
            return switch (spec.shape()) {
                case "classification" -> prepared(in, this::sentences, SentenceClassification.Example::id, (train, xs) -> {
                    List<String> labels = spec.types().isEmpty() ? SentenceClassification.labelsOf(train) : spec.types();
                    return SentenceClassification.of(xs, in.tokenizer(), in.adapters(), labels, in.maxLength(), spec.metric());
                });
                case "relation" -> prepared(in, this::relations, RelationInstance::id, (train, xs) -> {
                    List<String> labels = spec.types().isEmpty() ? RelationClassification.labelsOf(train) : spec.types();
                    return RelationClassification.fromInstances(xs, in.tokenizer(), in.adapters(), labels, in.maxLength(),
                            markers);
                });
                case "entity-typing" -> prepared(in, this::typings, EntityTypingExample::id,
                        (train, xs) -> EntityTyping.of(xs, in.tokenizer(), in.adapters(), spec.types(), in.maxLength(), markers));
                case "multiple-choice" -> prepared(in, this::choices, dev.infuse.data.MultipleChoiceExample::id,
                        (train, xs) -> dev.infuse.tasks.MultipleChoice.of(xs, in.tokenizer(), in.adapters(),
                                train.isEmpty() ? 2 : train.get(0).choices().size(), in.maxLength()));
                case "cloze" -> {
                    Function<Path, TaskDataset> read = p -> dev.infuse.tasks.LamaProbeTask.of(cloze(p), in.tokenizer(),
                            in.adapters(), in.maxTrain());
                    yield new PreparedData(spec.name(), dev.infuse.tasks.LamaProbeTask.empty(in.tokenizer()), read.apply(in.train()),
                            List.of(in.train()), read);
                }
                default -> throw new AssertionError(spec.shape());
            };
        }

        /** Read, split and featurise as every file-based task does; {@code featurise(trainRecords, records)}. */
        private <T> Prepared prepared(Input in, Function<Path, List<T>> read, Function<T, String> key,
                java.util.function.BiFunction<List<T>, List<T>, TaskDataset> featurise) {
            return PreparedData.fromRecords(spec.name(), in, read, key, (split, xs) -> featurise.apply(split.train(), xs));
        }

        private String field(String key) {
            Object v = spec.fields().get(key);
            return v == null ? null : v.toString();
        }

        /** Every record of a data file in the task file's format: JSON lines, or a TSV/CSV table's rows. */
        private <T> List<T> rows(Path file, Function<JsonLines.Record, T> map) {
            if (spec.format().equals("jsonl")) {
                return JsonLines.read(file, "a JSON object with fields " + spec.fields().values(), map);
            }
            Map<String, Tables.Kind> columns = new LinkedHashMap<>();
            spec.fields().forEach((key, v) -> {
                if (v instanceof List<?> names) {
                    // Spans name two index columns; choices may name one column per answer.
                    names.forEach(n -> columns.put(n.toString(), key.equals("choices") ? Tables.Kind.TEXT : Tables.Kind.INTEGER));
                } else if (Set.of("tokens", "labels", "choices").contains(key)) {
                    columns.put(v.toString(), Tables.Kind.LIST);
                } else if (key.equals("label") && spec.shape().equals("multiple-choice")) {
                    columns.put(v.toString(), Tables.Kind.INTEGER);
                } else {
                    columns.put(v.toString(), Tables.Kind.TEXT);
                }
            });
            return Tables.read(file, spec.format().equals("tsv") ? Tables.Format.TSV : Tables.Format.CSV, columns, map);
        }

        @SuppressWarnings("unchecked")
        private Span span(JsonLines.Record r, String key, int size) {
            List<String> names = (List<String>) spec.fields().get(key);
            int start = r.integer(names.get(0));
            int end = r.integer(names.get(1)) + (spec.inclusive() ? 1 : 0);
            if (start < 0 || start >= size) {
                throw r.error(names.get(0), "token index " + start + " out of range", "an index in [0, " + size + ")");
            }
            if (end <= start || end > size) {
                throw r.error(names.get(1), "end " + r.integer(names.get(1)) + " out of range", (spec.inclusive()
                        ? "an inclusive end in [" + start + ", " + size + ")" : "an exclusive end in (" + start + ", " + size + "]")
                        + " (the task file's 'spans' says which)");
            }
            return new Span(start, end);
        }

        private String id(JsonLines.Record r) {
            return field("id") == null ? Long.toString(r.line()) : r.scalar(field("id"));
        }

        private List<SentenceClassification.Example> sentences(Path file) {
            return rows(file, r -> new SentenceClassification.Example(
                    id(r), r.text(field("text")), field("text_pair") == null ? null : r.text(field("text_pair")),
                    r.scalar(field("label"))));
        }

        private List<RelationInstance> relations(Path file) {
            if (spec.format().equals("fewrel")) {
                return FewRel.read(file).records();
            }
            return rows(file, r -> {
                List<String> tokens = r.strings(field("tokens"));
                return new RelationInstance(id(r), tokens, span(r, "subject", tokens.size()), span(r, "object", tokens.size()),
                        r.scalar(field("label")), field("subject_id") == null ? null : r.optionalText(field("subject_id")),
                        field("object_id") == null ? null : r.optionalText(field("object_id")));
            });
        }

        private List<dev.infuse.data.MultipleChoiceExample> choices(Path file) {
            return rows(file, r -> {
                List<String> choices;
                if (spec.fields().get("choices") instanceof List<?> names) {
                    choices = new ArrayList<>();
                    for (Object n : names) {
                        choices.add(r.text(n.toString()));
                    }
                } else {
                    choices = r.strings(field("choices"));
                }
                int label = r.integer(field("label"));
                if (choices.size() < 2 || label < 0 || label >= choices.size()) {
                    throw r.error(field("label"), choices.size() < 2 ? "only " + choices.size() + " choice(s)" : "index " + label,
                            "at least 2 choices and the right one's index in [0, " + choices.size() + ")");
                }
                return new dev.infuse.data.MultipleChoiceExample(id(r), field("context") == null ? "" : r.text(field("context")),
                        r.text(field("question")), choices, label);
            });
        }

        /** Cloze queries as an in-memory probe: one group per value of the 'group' field (default: one group). */
        private dev.infuse.data.LamaProbe cloze(Path file) {
            Map<String, List<dev.infuse.data.LamaFact>> groups = new LinkedHashMap<>();
            rows(file, r -> {
                String text = r.text(field("text"));
                if (!text.contains("[MASK]")) {
                    throw r.error(field("text"), "has no [MASK]", "a text with [MASK] where the answer goes");
                }
                String group = field("group") == null ? "all" : r.scalar(field("group"));
                groups.computeIfAbsent(group, g -> new ArrayList<>()).add(new dev.infuse.data.LamaFact(id(r),
                        r.scalar(field("answer")), null, null, group, List.of(text)));
                return group;
            });
            List<dev.infuse.data.LamaRelation> relations = new ArrayList<>();
            groups.forEach((g, facts) -> relations.add(new dev.infuse.data.LamaRelation(g, null, null, null, facts)));
            return new dev.infuse.data.LamaProbe(relations, List.of(), null, dev.infuse.data.ReadReport.empty());
        }

        private List<EntityTypingExample> typings(Path file) {
            Set<String> known = new LinkedHashSet<>(spec.types());
            return rows(file, r -> {
                List<String> tokens = r.strings(field("tokens"));
                List<String> labels = r.strings(field("labels"));
                for (String l : labels) {
                    if (!known.contains(l)) {
                        throw r.error(field("labels"), "type '" + l + "' is not in the task file's types", "types among "
                                + known);
                    }
                }
                return new EntityTypingExample(id(r), tokens, span(r, "mention", tokens.size()), labels, labels);
            });
        }
    }
}
