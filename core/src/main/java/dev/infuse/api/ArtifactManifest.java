package dev.infuse.api;

import dev.infuse.internal.artifact.InfuseVersion;
import dev.infuse.internal.artifact.ManifestJson;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Spi;
import java.util.Map;
import java.util.Objects;

/**
 * The content of an artifact's {@code adapter_config.json} (or a head's {@code head_config.json}):
 * which plugin, with which configuration, on which backbone, which weights file, and how it was
 * trained. Written and read by {@link Artifacts}.
 *
 * @param formatVersion version of this file's layout; {@link #FORMAT_VERSION} when written
 * @param plugin the plugin the weights belong to
 * @param spiVersion the SPI version the plugin was built against
 * @param infuseVersion the Infuse version that wrote the artifact
 * @param config the plugin's effective configuration: strings, numbers, booleans, lists and maps, kept
 *     as they read back from JSON (sorted keys; {@code Integer}, {@code Long} or {@code Double} numbers)
 * @param backbone the frozen model the weights were trained on
 * @param weights the weights file; {@code null} before {@link Artifacts#write} fills it in
 * @param provenance how the artifact was produced
 */
public record ArtifactManifest(int formatVersion, Plugin plugin, String spiVersion, String infuseVersion,
        Map<String, Object> config, BackboneRef backbone, Weights weights, Provenance provenance) {

    /** The newest layout this Infuse writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** @throws InfuseException {@code artifact-invalid} for a configuration value JSON cannot hold */
    public ArtifactManifest {
        Objects.requireNonNull(plugin, "plugin");
        Objects.requireNonNull(spiVersion, "spiVersion");
        Objects.requireNonNull(infuseVersion, "infuseVersion");
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(provenance, "provenance");
        // As it reads back from JSON: sorted keys, Double for every fraction; so a read manifest equals the written one.
        config = ManifestJson.canonical("config", config);
    }

    /**
     * Identifies a plugin by name, never by class.
     *
     * @param kind adapter, fusion or head
     * @param name the provider's registered name
     * @param version the plugin's own version
     */
    public record Plugin(ArtifactKind kind, String name, String version) {
        public Plugin {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(version, "version");
        }
    }

    /**
     * The backbone an artifact was trained on.
     *
     * @param name the backbone provider's name
     * @param spec the architecture, as {@link dev.infuse.spi.BackboneSpec#describe()}
     * @param fingerprint {@link Backbone#fingerprint()} of the exact weights
     */
    public record BackboneRef(String name, String spec, String fingerprint) {
        public BackboneRef {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(fingerprint, "fingerprint");
        }

        /** The reference to a live backbone. */
        public static BackboneRef of(Backbone backbone) {
            return new BackboneRef(backbone.name(), backbone.spec().describe(), backbone.fingerprint());
        }
    }

    /**
     * The weights file of an artifact.
     *
     * @param file its name inside the artifact folder
     * @param sha256 SHA-256 of the file, 64 lower-case hex digits
     * @param parameters number of values over all its tensors
     */
    public record Weights(String file, String sha256, long parameters) {
        public Weights {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /**
     * A manifest for a new artifact: current format, SPI and Infuse versions; the weights entry is
     * filled in by {@link Artifacts#write}.
     */
    public static ArtifactManifest create(Plugin plugin, Map<String, ?> config, BackboneRef backbone,
            Provenance provenance) {
        return new ArtifactManifest(FORMAT_VERSION, plugin, Spi.VERSION, InfuseVersion.current(),
                ManifestJson.canonical("config", config), backbone, null, provenance);
    }

    /** This manifest with another weights entry. */
    public ArtifactManifest withWeights(Weights newWeights) {
        return new ArtifactManifest(formatVersion, plugin, spiVersion, infuseVersion, config, backbone, newWeights,
                provenance);
    }

    /**
     * Refuses to go on when the artifact was trained on other backbone weights than
     * {@code currentFingerprint}.
     *
     * @throws InfuseException {@code artifact-backbone-mismatch} naming both fingerprints
     */
    public void checkBackbone(String currentFingerprint) {
        if (!backbone.fingerprint().equals(currentFingerprint)) {
            throw new InfuseException("artifact-backbone-mismatch", plugin.kind().label() + " '" + plugin.name()
                    + "' was trained on backbone '" + backbone.name() + "' (" + backbone.spec() + ") with fingerprint "
                    + backbone.fingerprint() + ", but the current backbone has fingerprint " + currentFingerprint
                    + " (expected the same backbone weights; load it with the backbone it was trained on)");
        }
    }

    /** {@link #checkBackbone(String)} against a live backbone. */
    public void checkBackbone(Backbone current) {
        checkBackbone(current.fingerprint());
    }
}
