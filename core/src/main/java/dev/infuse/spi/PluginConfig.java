package dev.infuse.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A provider's configuration, consumed as it is read (Lucene's convention).
 *
 * <p>Every getter removes its key and records the value actually used (given or default) in
 * {@link #effective()}, which is what artifacts store. After {@code create(...)} the host calls
 * {@link #requireAllConsumed()}: a key nobody read is an error that names the key and suggests the
 * closest valid one. Values may arrive as strings (command line) or typed (JSON/YAML); getters
 * convert either and report a bad value with the key's name.
 */
public final class PluginConfig {
    private final String owner;
    private final Map<String, Object> remaining;
    private final Map<String, Object> effective = new LinkedHashMap<>();
    private final TreeSet<String> known = new TreeSet<>();

    private PluginConfig(String owner, Map<String, ?> values) {
        this.owner = owner;
        this.remaining = new LinkedHashMap<>(values);
    }

    /**
     * @param owner what the configuration is for, used in messages (e.g. {@code "adapter 'factual'"})
     * @param values keys and values; {@code null} means empty
     */
    public static PluginConfig of(String owner, Map<String, ?> values) {
        return new PluginConfig(owner, values == null ? Map.of() : values);
    }

    public static PluginConfig empty(String owner) {
        return of(owner, Map.of());
    }

    /** Whether a key is still present (not yet consumed). */
    public boolean has(String key) {
        return remaining.containsKey(key);
    }

    public String getString(String key, String defaultValue) {
        Object v = take(key);
        String s = v == null ? defaultValue : v.toString();
        effective.put(key, s);
        return s;
    }

    /** A required string; absent is an error. */
    public String requireString(String key) {
        Object v = take(key);
        if (v == null) {
            throw new InfuseException("config-missing-key", owner + ": required key '" + key + "' is missing");
        }
        effective.put(key, v.toString());
        return v.toString();
    }

    public int getInt(String key, int defaultValue) {
        Object v = take(key);
        int value;
        if (v == null) {
            value = defaultValue;
        } else if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            value = n.intValue();
        } else {
            try {
                value = Integer.parseInt(v.toString().trim());
            } catch (NumberFormatException e) {
                throw bad(key, v, "an integer");
            }
        }
        effective.put(key, value);
        return value;
    }

    public double getDouble(String key, double defaultValue) {
        Object v = take(key);
        double value;
        if (v == null) {
            value = defaultValue;
        } else if (v instanceof Number n) {
            value = n.doubleValue();
        } else {
            try {
                value = Double.parseDouble(v.toString().trim());
            } catch (NumberFormatException e) {
                throw bad(key, v, "a number");
            }
        }
        if (!Double.isFinite(value)) {
            throw bad(key, v, "a finite number");
        }
        effective.put(key, value);
        return value;
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        Object v = take(key);
        boolean value;
        if (v == null) {
            value = defaultValue;
        } else if (v instanceof Boolean b) {
            value = b;
        } else if ("true".equalsIgnoreCase(v.toString().trim()) || "false".equalsIgnoreCase(v.toString().trim())) {
            value = Boolean.parseBoolean(v.toString().trim());
        } else {
            throw bad(key, v, "true or false");
        }
        effective.put(key, value);
        return value;
    }

    /** A list of integers, given as a list or as a comma-separated string such as {@code "0,6,11"}. */
    public List<Integer> getIntList(String key, List<Integer> defaultValue) {
        Object v = take(key);
        List<Integer> value = new ArrayList<>();
        if (v == null) {
            value.addAll(defaultValue);
        } else {
            Iterable<?> items = v instanceof Iterable<?> it ? it : List.of(v.toString().split(","));
            for (Object item : items) {
                try {
                    value.add(item instanceof Number n ? n.intValue() : Integer.parseInt(item.toString().trim()));
                } catch (NumberFormatException e) {
                    throw bad(key, v, "a list of integers such as 0,6,11");
                }
            }
        }
        effective.put(key, List.copyOf(value));
        return Collections.unmodifiableList(value);
    }

    /** The values actually used, defaults included, in the order they were read. */
    public Map<String, Object> effective() {
        return Collections.unmodifiableMap(effective);
    }

    /** Keys given but not read so far. */
    public Map<String, Object> unconsumed() {
        return Collections.unmodifiableMap(remaining);
    }

    /**
     * Fails if any key was given that no getter read, naming the key and the closest known key.
     *
     * @throws InfuseException {@code config-unknown-key}
     */
    public void requireAllConsumed() {
        if (remaining.isEmpty()) {
            return;
        }
        String key = remaining.keySet().iterator().next();
        String hint = closest(key, known);
        throw new InfuseException("config-unknown-key", owner + ": unknown key '" + key + "'"
                + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                + "; valid keys: " + String.join(", ", known));
    }

    private Object take(String key) {
        known.add(key);
        return remaining.remove(key);
    }

    private InfuseException bad(String key, Object v, String expected) {
        return new InfuseException("config-bad-value", owner + ": key '" + key + "' has value '" + v
                + "' but expected " + expected);
    }

    /** The candidate nearest to {@code word} by edit distance, or null if none is reasonably close. */
    public static String closest(String word, Iterable<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(word.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, word.length() / 3) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
