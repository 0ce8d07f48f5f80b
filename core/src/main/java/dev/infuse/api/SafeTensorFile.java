package dev.infuse.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The content of a safetensors file.
 *
 * @param tensors tensors by name, in the order of their data in the file
 * @param metadata the free-form {@code __metadata__} strings (empty when the file has none)
 */
public record SafeTensorFile(Map<String, TensorData> tensors, Map<String, String> metadata) {
    public SafeTensorFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor called {@code name}, or an exception listing the names the file has. */
    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' (have " + tensors.keySet() + ")");
        }
        return t;
    }
}
