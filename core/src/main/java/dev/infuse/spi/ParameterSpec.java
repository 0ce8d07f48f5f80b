package dev.infuse.spi;

import java.util.Objects;

/**
 * One configuration key a provider understands.
 *
 * @param name key as written in study files and {@code adapter_config.json}
 * @param type a human-readable type: {@code int}, {@code float}, {@code string}, {@code boolean},
 *     {@code int-list}, or {@code file}: a file the plugin reads. The host copies a {@code file} value into an
 *     adapter's artifact when it is saved and, when the artifact is loaded, resolves it inside the artifact
 *     folder only (a path leading elsewhere is refused); values given on the command line are not confined
 * @param defaultValue the value used when the key is absent, as text ({@code null}: required)
 * @param description what the key changes
 */
public record ParameterSpec(String name, String type, String defaultValue, String description) {
    public ParameterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
    }

    /** Whether the key must be given. */
    public boolean required() {
        return defaultValue == null;
    }
}
