package dev.infuse.internal.artifact;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infuse.api.ArtifactKind;
import dev.infuse.api.ArtifactManifest;
import dev.infuse.api.ArtifactManifest.BackboneRef;
import dev.infuse.api.ArtifactManifest.Plugin;
import dev.infuse.api.ArtifactManifest.Weights;
import dev.infuse.api.Provenance;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Maps {@link ArtifactManifest} to and from {@code adapter_config.json}. Done by hand on the JSON
 * tree rather than by data binding: key order is fixed, nothing is resolved by reflection, and every
 * problem is reported with the file and the dotted key path.
 *
 * <p>Reading follows the forward-compatibility rule of stored artifacts: keys this version does not
 * know are dropped (and returned so that the caller can warn once), missing required keys are
 * errors, and a {@code format_version} newer than {@link ArtifactManifest#FORMAT_VERSION} is refused
 * before anything else is looked at.
 */
public final class ManifestJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** A plain file name: no folders, nothing hidden, so a manifest cannot point outside its folder. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private ManifestJson() {}

    /**
     * A parsed manifest and the keys that were dropped.
     *
     * @param manifest the manifest
     * @param ignoredKeys dotted paths of unknown keys, in file order
     */
    public record Parsed(ArtifactManifest manifest, List<String> ignoredKeys) {}

    // ---------------------------------------------------------------- writing

    /** Pretty-printed UTF-8 JSON with a fixed key order and a final newline. */
    public static byte[] write(ArtifactManifest m) {
        if (m.weights() == null) {
            throw new IllegalArgumentException("the weights entry is filled in before writing");
        }
        ObjectNode root = NODES.objectNode();
        root.put("format_version", m.formatVersion());
        ObjectNode plugin = root.putObject("plugin");
        plugin.put("kind", m.plugin().kind().label());
        plugin.put("name", m.plugin().name());
        plugin.put("version", m.plugin().version());
        root.put("spi_version", m.spiVersion());
        root.put("infuse_version", m.infuseVersion());
        root.set("config", toJson("config", m.config()));
        ObjectNode backbone = root.putObject("backbone");
        backbone.put("name", m.backbone().name());
        backbone.put("spec", m.backbone().spec());
        backbone.put("fingerprint", m.backbone().fingerprint());
        ObjectNode weights = root.putObject("weights");
        weights.put("file", m.weights().file());
        weights.put("sha256", m.weights().sha256());
        weights.put("parameters", m.weights().parameters());
        Provenance p = m.provenance();
        ObjectNode prov = root.putObject("provenance");
        prov.put("created", p.created().toString());
        prov.put("seed", p.seed());
        prov.set("hyper_parameters", toJson("provenance.hyper_parameters", p.hyperParameters()));
        ArrayNode data = prov.putArray("data");
        for (Provenance.DataFile d : p.data()) {
            data.addObject().put("path", d.path()).put("sha256", d.sha256()).put("bytes", d.bytes());
        }
        ObjectNode metrics = prov.putObject("metrics");
        p.metrics().forEach(metrics::put);
        prov.put("java", p.java());
        prov.put("os", p.os());
        prov.putObject("machine").put("cores", p.machine().cores()).put("memory", p.machine().memory());
        if (p.git() != null) {
            prov.put("git", p.git());
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a manifest", e);
        }
    }

    /**
     * The form a configuration map takes after a trip through JSON (Float to Double, Long to Integer
     * where it fits, sorted keys, immutable), so a manifest equals itself read back.
     *
     * @throws InfuseException {@code artifact-invalid} for a value JSON cannot hold
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> canonical(String where, Map<String, ?> values) {
        JsonNode tree;
        try {
            tree = toJson(where, values);
        } catch (IllegalArgumentException e) {
            throw new InfuseException("artifact-invalid", e.getMessage());
        }
        return (Map<String, Object>) freeze(fromJson(tree));
    }

    private static Object freeze(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k, freeze(v)));
            return java.util.Collections.unmodifiableMap(out);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(freeze(v)));
            return java.util.Collections.unmodifiableList(out);
        }
        return value;
    }

    /** Converts a configuration value to JSON, refusing anything that is not plain data. */
    static JsonNode toJson(String where, Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof String s) {
            return NODES.textNode(s);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).longValue());
        }
        if (value instanceof Float || value instanceof Double) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException(where + " is " + d + " (expected a finite number)");
            }
            // Floats go through their decimal string so 0.1f is stored as 0.1, not 0.10000000149.
            return NODES.numberNode(value instanceof Float f ? Double.parseDouble(Float.toString(f)) : d);
        }
        if (value instanceof BigInteger b) {
            return NODES.numberNode(b);
        }
        if (value instanceof BigDecimal b) {
            return NODES.numberNode(b);
        }
        if (value instanceof Enum<?> e) {
            return NODES.textNode(e.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : new TreeMap<>(map).entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException(where + " has key " + e.getKey() + " (expected string keys)");
                }
                o.set(key, toJson(where + "." + key, e.getValue()));
            }
            return o;
        }
        if (value instanceof Iterable<?> list) {
            ArrayNode a = NODES.arrayNode();
            int i = 0;
            for (Object v : list) {
                a.add(toJson(where + "[" + i++ + "]", v));
            }
            return a;
        }
        if (value instanceof int[] ints) {
            ArrayNode a = NODES.arrayNode();
            for (int v : ints) {
                a.add(v);
            }
            return a;
        }
        throw new IllegalArgumentException(where + " is a " + value.getClass().getName()
                + " (expected a string, number, boolean, list or map)");
    }

    /** Converts JSON back to plain Java values: String, Boolean, Integer/Long/BigInteger, Double, List, Map. */
    static Object fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            if (node.canConvertToInt()) {
                return node.intValue();
            }
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            node.forEach(v -> out.add(fromJson(v)));
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), fromJson(e.getValue())));
        return out;
    }

    // ---------------------------------------------------------------- reading

    /**
     * Parses a manifest file's bytes.
     *
     * @param file used in messages
     * @param expectedKind {@code HEAD} for {@code head_config.json}; {@code null} accepts adapter and fusion
     * @throws InfuseException {@code artifact-format-version} for a newer layout, {@code artifact-config}
     *     for anything else wrong
     */
    public static Parsed parse(Path file, byte[] content, ArtifactKind expectedKind) {
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            throw config(file, "is not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + " (expected a JSON object)");
        } catch (IOException e) {
            throw config(file, "cannot be decoded: " + e.getMessage() + " (expected UTF-8 JSON)");
        }
        if (root == null || !root.isObject()) {
            throw config(file, "is not a JSON object (expected {\"format_version\": "
                    + ArtifactManifest.FORMAT_VERSION + ", ...})");
        }
        List<String> unknown = new ArrayList<>();
        Obj top = new Obj(file, "", root, unknown);

        // The version first: a newer layout may differ in any other key.
        long version = top.integer("format_version", 1, Integer.MAX_VALUE);
        if (version > ArtifactManifest.FORMAT_VERSION) {
            throw new InfuseException("artifact-format-version", file + ": format_version " + version
                    + " is newer than this Infuse (" + InfuseVersion.current() + ") supports (format_version "
                    + ArtifactManifest.FORMAT_VERSION + "); upgrade Infuse to load this artifact");
        }

        Obj pl = top.object("plugin");
        String kindLabel = pl.text("kind");
        ArtifactKind kind = ArtifactKind.fromLabel(kindLabel).orElseThrow(() -> config(file,
                "'plugin.kind' is \"" + kindLabel + "\" (expected adapter, fusion or head)"));
        // The main file may hold any kind (a head can be an artifact of its own); a nested head file only a head.
        if (expectedKind == ArtifactKind.HEAD && kind != ArtifactKind.HEAD) {
            throw config(file, "'plugin.kind' is \"" + kindLabel + "\" (expected head in this file)");
        }
        Plugin plugin = new Plugin(kind, pl.text("name"), pl.text("version"));
        pl.finish();

        String spi = top.text("spi_version");
        String infuse = top.text("infuse_version");
        Map<String, Object> config = top.freeMap("config");

        Obj bb = top.object("backbone");
        BackboneRef backbone = new BackboneRef(bb.text("name"), bb.text("spec"), bb.text("fingerprint"));
        bb.finish();

        Obj w = top.object("weights");
        String weightsFile = w.text("file");
        if (!FILE_NAME.matcher(weightsFile).matches()) {
            throw config(file, "'weights.file' is \"" + weightsFile
                    + "\" (expected a plain file name inside the artifact folder, e.g. adapter.safetensors)");
        }
        String sha = w.text("sha256");
        if (!SHA256.matcher(sha).matches()) {
            throw config(file, "'weights.sha256' is \"" + sha + "\" (expected 64 lower-case hex digits)");
        }
        Weights weights = new Weights(weightsFile, sha, w.integer("parameters", 0, Long.MAX_VALUE));
        w.finish();

        Provenance provenance = parseProvenance(file, top.object("provenance"));
        top.finish();

        ArtifactManifest m = new ArtifactManifest((int) version, plugin, spi, infuse, config, backbone, weights,
                provenance);
        return new Parsed(m, List.copyOf(unknown));
    }

    private static Provenance parseProvenance(Path file, Obj p) {
        String createdText = p.text("created");
        Instant created;
        try {
            created = Instant.parse(createdText);
        } catch (DateTimeParseException e) {
            throw config(file, "'provenance.created' is \"" + createdText
                    + "\" (expected an ISO-8601 UTC time such as 2026-01-31T12:00:00Z)");
        }
        long seed = p.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        Map<String, Object> hyper = p.optionalFreeMap("hyper_parameters");
        List<Provenance.DataFile> data = new ArrayList<>();
        JsonNode dataNode = p.optional("data");
        if (dataNode != null) {
            if (!dataNode.isArray()) {
                throw config(file, "'provenance.data' is " + describe(dataNode) + " (expected a list)");
            }
            for (int i = 0; i < dataNode.size(); i++) {
                Obj d = new Obj(file, "provenance.data[" + i + "].", dataNode.get(i), p.unknown);
                data.add(new Provenance.DataFile(d.text("path"), d.text("sha256"), d.integer("bytes", 0, Long.MAX_VALUE)));
                d.finish();
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        JsonNode metricsNode = p.optional("metrics");
        if (metricsNode != null) {
            if (!metricsNode.isObject()) {
                throw config(file, "'provenance.metrics' is " + describe(metricsNode) + " (expected a map of numbers)");
            }
            metricsNode.fields().forEachRemaining(e -> {
                if (!e.getValue().isNumber()) {
                    throw config(file, "'provenance.metrics." + e.getKey() + "' is " + describe(e.getValue())
                            + " (expected a number)");
                }
                metrics.put(e.getKey(), e.getValue().doubleValue());
            });
        }
        String java = p.optionalText("java");
        String os = p.optionalText("os");
        Provenance.Machine machine = new Provenance.Machine(0, 0);
        if (p.optional("machine") != null) {
            Obj mc = p.object("machine");
            machine = new Provenance.Machine((int) mc.integer("cores", 0, Integer.MAX_VALUE),
                    mc.integer("memory", 0, Long.MAX_VALUE));
            mc.finish();
        }
        String git = p.optionalText("git");
        p.finish();
        return new Provenance(created, seed, hyper, data, metrics, java, os, machine, git);
    }

    private static String describe(JsonNode n) {
        String s = n.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static InfuseException config(Path file, String what) {
        return new InfuseException("artifact-config", file + ": " + what);
    }

    /** One JSON object being read: remembers which keys were used, so the rest can be reported. */
    private static final class Obj {
        final Path file;
        final String prefix;
        final JsonNode node;
        final List<String> unknown;
        final Set<String> used = new HashSet<>();

        Obj(Path file, String prefix, JsonNode node, List<String> unknown) {
            if (!node.isObject()) {
                throw config(file, "'" + prefix.replaceAll("\\.$", "") + "' is " + describe(node)
                        + " (expected a JSON object)");
            }
            this.file = file;
            this.prefix = prefix;
            this.node = node;
            this.unknown = unknown;
        }

        JsonNode optional(String key) {
            used.add(key);
            JsonNode v = node.get(key);
            return v == null || v.isNull() ? null : v;
        }

        JsonNode required(String key, String expected) {
            JsonNode v = optional(key);
            if (v == null) {
                throw config(file, "missing required key '" + prefix + key + "' (expected " + expected + ")");
            }
            return v;
        }

        String text(String key) {
            JsonNode v = required(key, "a string");
            if (!v.isTextual() || v.textValue().isEmpty()) {
                throw config(file, "'" + prefix + key + "' is " + describe(v) + " (expected a non-empty string)");
            }
            return v.textValue();
        }

        String optionalText(String key) {
            JsonNode v = optional(key);
            if (v == null) {
                return null;
            }
            if (!v.isTextual()) {
                throw config(file, "'" + prefix + key + "' is " + describe(v) + " (expected a string)");
            }
            return v.textValue();
        }

        long integer(String key, long min, long max) {
            JsonNode v = required(key, "an integer");
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
                throw config(file, "'" + prefix + key + "' is " + describe(v) + " (expected an integer"
                        + (min == 0 ? " >= 0" : min > 0 ? " >= " + min : "") + ")");
            }
            return v.longValue();
        }

        Obj object(String key) {
            return new Obj(file, prefix + key + ".", required(key, "an object"), unknown);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> freeMap(String key) {
            JsonNode v = required(key, "an object");
            if (!v.isObject()) {
                throw config(file, "'" + prefix + key + "' is " + describe(v) + " (expected a JSON object)");
            }
            return (Map<String, Object>) fromJson(v);
        }

        Map<String, Object> optionalFreeMap(String key) {
            return optional(key) == null ? Map.of() : freeMap(key);
        }

        void finish() {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!used.contains(k)) {
                    unknown.add(prefix + k);
                }
            }
        }
    }
}
