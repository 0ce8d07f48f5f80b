package dev.infuse.api;

import java.util.Locale;
import java.util.Optional;

/** What a saved artifact holds, as written in {@code plugin.kind} of {@code adapter_config.json}. */
public enum ArtifactKind {
    /** A knowledge adapter's parameters. */
    ADAPTER,
    /** A fusion module's parameters. */
    FUSION,
    /** A task head's parameters. */
    HEAD;

    /** Lower-case name as written in the file. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind labelled {@code label} (exact, lower-case). */
    public static Optional<ArtifactKind> fromLabel(String label) {
        for (ArtifactKind k : values()) {
            if (k.label().equals(label)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
