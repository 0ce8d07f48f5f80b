package dev.infuse.api;

import dev.infuse.internal.artifact.ArtifactFolder;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves and loads trained plugins as artifact folders:
 *
 * <pre>
 * my-adapter/
 *   adapter_config.json    manifest: plugin, config, backbone fingerprint, weights hash, provenance
 *   adapter.safetensors    parameters by scope path (layer_0/down/kernel, ...)
 *   head/                  optional task head saved with it
 *     head_config.json
 *     head.safetensors
 * </pre>
 *
 * <p>Writing is atomic for the whole folder: after a crash at any point the folder is either the
 * old complete artifact or the new complete one. Reading verifies the weights' SHA-256 and the
 * safetensors structure; call {@link LoadedArtifact#checkBackbone} before using the weights.
 */
public final class Artifacts {
    /** Name of the manifest file of an artifact folder. */
    public static final String CONFIG_FILE = ArtifactFolder.CONFIG_FILE;
    /** Name of the weights file of an artifact folder. */
    public static final String WEIGHTS_FILE = ArtifactFolder.WEIGHTS_FILE;

    private Artifacts() {}

    /**
     * Saves an artifact into {@code dir}, replacing an earlier artifact there.
     *
     * @param manifest e.g. from {@link ArtifactManifest#create}; its weights entry is replaced by
     *     the written file's name, SHA-256 and parameter count
     * @param weights parameters by scope path
     * @return the manifest as written
     * @throws dev.infuse.spi.InfuseException {@code artifact-invalid} for weights or configuration that
     *     cannot be stored; {@code artifact-io} when the folder cannot be written, or when {@code dir}
     *     exists and is not an artifact folder (it is never replaced)
     */
    public static ArtifactManifest write(Path dir, ArtifactManifest manifest, Map<String, TensorData> weights) {
        return ArtifactFolder.write(dir, manifest, weights, null, null);
    }

    /**
     * Saves an artifact with a task head in its {@code head/} sub-folder.
     *
     * @param headManifest the head's manifest; its plugin kind must be {@link ArtifactKind#HEAD}
     * @return the main manifest as written
     */
    public static ArtifactManifest write(Path dir, ArtifactManifest manifest, Map<String, TensorData> weights,
            ArtifactManifest headManifest, Map<String, TensorData> headWeights) {
        return ArtifactFolder.write(dir, manifest, weights, headManifest, headWeights);
    }

    /**
     * Loads an artifact, refusing NaN and infinite weights.
     *
     * @throws dev.infuse.spi.InfuseException {@code artifact-missing}, {@code artifact-config},
     *     {@code artifact-format-version} (written by a newer Infuse) or {@code artifact-corrupt}
     *     (weights changed, truncated or malformed)
     */
    public static LoadedArtifact read(Path dir) {
        return ArtifactFolder.read(dir, false);
    }

    /** Loads an artifact; {@code allowNonFinite} accepts NaN and infinite weights. */
    public static LoadedArtifact read(Path dir, boolean allowNonFinite) {
        return ArtifactFolder.read(dir, allowNonFinite);
    }

    /** Reads only the manifest, without touching the weights (for listing and inspecting). */
    public static ArtifactManifest readManifest(Path dir) {
        return ArtifactFolder.readManifest(dir);
    }
}
