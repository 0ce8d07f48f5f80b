package dev.infuse.api;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An artifact read by {@link Artifacts#read}: its manifest, its verified weights, and the task head
 * saved with it, if any.
 *
 * @param directory the folder it was read from
 * @param manifest the parsed {@code adapter_config.json} (or {@code head_config.json})
 * @param weights the plugin's parameters by scope path, e.g. {@code layer_0/down/kernel}
 * @param head the task head saved in the {@code head/} sub-folder
 * @param ignoredKeys keys of the config files this Infuse version does not know and dropped,
 *     as dotted paths ({@code head/} in front for the head's file)
 */
public record LoadedArtifact(Path directory, ArtifactManifest manifest, Map<String, TensorData> weights,
        Optional<LoadedArtifact> head, List<String> ignoredKeys) {

    public LoadedArtifact {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(manifest, "manifest");
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        Objects.requireNonNull(head, "head");
        ignoredKeys = List.copyOf(ignoredKeys);
    }

    /** The parameter stored under {@code scopePath}, or an exception listing those present. */
    public TensorData weight(String scopePath) {
        TensorData t = weights.get(scopePath);
        if (t == null) {
            throw new IllegalArgumentException(directory + ": no weight '" + scopePath + "' (have " + weights.keySet()
                    + ")");
        }
        return t;
    }

    /**
     * Refuses to go on when the artifact was trained on other backbone weights.
     *
     * @throws dev.infuse.spi.InfuseException {@code artifact-backbone-mismatch} naming the artifact's
     *     and the current fingerprint
     */
    public void checkBackbone(String currentFingerprint) {
        try {
            manifest.checkBackbone(currentFingerprint);
        } catch (dev.infuse.spi.InfuseException e) {
            throw new dev.infuse.spi.InfuseException(e.code(), directory + ": " + e.getMessage());
        }
    }

    /** {@link #checkBackbone(String)} against a live backbone. */
    public void checkBackbone(dev.infuse.spi.Backbone current) {
        checkBackbone(current.fingerprint());
    }
}
