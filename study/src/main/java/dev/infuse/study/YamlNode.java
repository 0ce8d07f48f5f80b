package dev.infuse.study;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A YAML value with the file, line and column it came from, so every error about a study file can
 * point at the offending key or value. Maps keep their key order; the position of each key is kept too.
 */
final class YamlNode {
    private final String file;
    private final Object value;
    private final int line;
    private final int column;
    private final Map<String, YamlNode> keys;

    private YamlNode(String file, Object value, int line, int column, Map<String, YamlNode> keys) {
        this.file = file;
        this.value = value;
        this.line = line;
        this.column = column;
        this.keys = keys;
    }

    /** Parses a whole document; an empty document is an empty map. */
    static YamlNode parse(String file, String text) {
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new YamlNode(file, new LinkedHashMap<String, YamlNode>(), 1, 1, new LinkedHashMap<>());
            }
            return read(file, p);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            String where = l == null ? file : file + ":" + l.getLineNr() + ":" + l.getColumnNr();
            throw new InfuseException("config-syntax", where + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InfuseException("config-syntax", file + ": cannot parse: " + e.getMessage(), e);
        }
    }

    private static YamlNode read(String file, JsonParser p) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int col = at.getColumnNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, YamlNode> values = new LinkedHashMap<>();
                Map<String, YamlNode> keys = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    JsonLocation k = p.currentTokenLocation();
                    String name = p.currentName();
                    YamlNode keyNode = new YamlNode(file, name, k.getLineNr(), k.getColumnNr(), null);
                    if (keys.containsKey(name)) {
                        throw keyNode.error("config-bad-value", "key '" + name + "' appears twice (first at line "
                                + keys.get(name).line + ")");
                    }
                    keys.put(name, keyNode);
                    p.nextToken();
                    values.put(name, read(file, p));
                }
                return new YamlNode(file, values, line, col, keys);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(file, p));
                }
                return new YamlNode(file, items, line, col, null);
            }
            case VALUE_STRING -> {
                return new YamlNode(file, p.getText(), line, col, null);
            }
            case VALUE_NUMBER_INT -> {
                return new YamlNode(file, p.getNumberValue(), line, col, null);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new YamlNode(file, p.getDoubleValue(), line, col, null);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new YamlNode(file, t == JsonToken.VALUE_TRUE, line, col, null);
            }
            case VALUE_NULL -> {
                return new YamlNode(file, null, line, col, null);
            }
            default -> throw new InfuseException("config-syntax", file + ":" + line + ":" + col + ": unexpected " + t);
        }
    }

    /** {@code file:line:column}. */
    String where() {
        return file + ":" + line + ":" + column;
    }

    int line() {
        return line;
    }

    InfuseException error(String code, String message) {
        return new InfuseException(code, where() + ": " + message);
    }

    boolean isMap() {
        return value instanceof Map;
    }

    boolean isList() {
        return value instanceof List;
    }

    boolean isNull() {
        return value == null;
    }

    boolean isNumber() {
        return value instanceof Number;
    }

    boolean isText() {
        return value instanceof String;
    }

    boolean isScalar() {
        return !isMap() && !isList() && value != null;
    }

    /** This map's entries; {@code what} names the node in the error when it is not a map. */
    @SuppressWarnings("unchecked")
    Map<String, YamlNode> map(String what) {
        if (!isMap()) {
            throw error("config-bad-value", what + " must be a map of keys to values, not " + describe());
        }
        return (Map<String, YamlNode>) value;
    }

    @SuppressWarnings("unchecked")
    List<YamlNode> list(String what) {
        if (!isList()) {
            throw error("config-bad-value", what + " must be a list, not " + describe());
        }
        return (List<YamlNode>) value;
    }

    /** The node of a key's name (for errors that point at the key itself). */
    YamlNode key(String name) {
        return keys.get(name);
    }

    /** Fails on the first key outside {@code allowed}, suggesting the closest allowed one. */
    void onlyKeys(String what, Collection<String> allowed) {
        for (Map.Entry<String, YamlNode> e : map(what).entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String hint = PluginConfig.closest(e.getKey(), allowed);
                throw keys.get(e.getKey()).error("config-unknown-key", "unknown key '" + e.getKey() + "' in " + what
                        + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; valid keys: " + String.join(", ", allowed));
            }
        }
    }

    String string(String what) {
        if (!isScalar() || value instanceof Boolean) {
            throw error("config-bad-value", what + " must be a string, not " + describe());
        }
        return value.toString();
    }

    long integer(String what) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        throw error("config-bad-value", what + " must be an integer, not " + describe());
    }

    double number(String what) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            // YAML 1.1 reads "1e-4" (no dot) as a string; accept it as the number it looks like.
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException ignored) {
                // fall through to the error
            }
        }
        throw error("config-bad-value", what + " must be a number, not " + describe());
    }

    boolean bool(String what) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw error("config-bad-value", what + " must be true or false, not " + describe());
    }

    /** Plain Java values: maps, lists, strings, numbers (int/long/double), booleans, null. */
    Object plain() {
        if (isMap()) {
            Map<String, Object> m = new LinkedHashMap<>();
            map("").forEach((k, v) -> m.put(k, v.plain()));
            return m;
        }
        if (isList()) {
            List<Object> l = new ArrayList<>();
            list("").forEach(v -> l.add(v.plain()));
            return l;
        }
        return value;
    }

    String describe() {
        if (isMap()) {
            return "a map";
        }
        if (isList()) {
            return "a list";
        }
        if (value == null) {
            return "nothing (null)";
        }
        return (value instanceof String ? "'" + value + "'" : value.toString()) + " (" + value.getClass().getSimpleName()
                .toLowerCase(Locale.ROOT) + ")";
    }
}
