package dev.infuse.api;

import dev.infuse.internal.artifact.AdapterFiles;
import dev.infuse.internal.artifact.ArtifactFolder;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.TaskHead;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Saving a trained adapter (and optionally its head) out of a {@link ComposedModel} as an artifact
 * folder, and re-creating it from one: the provider is looked up by the name stored in the
 * artifact, re-created from the stored configuration, and the weights are loaded after the
 * backbone fingerprint has been checked.
 */
public final class AdapterArtifacts {
    private AdapterArtifacts() {}

    /**
     * Writes {@code dir} atomically: {@code adapter_config.json}, {@code adapter.safetensors}, and
     * {@code head/} if {@code withHead} and the model has a head.
     *
     * @param pluginVersion the adapter provider's version (from {@link PluginRegistry#info})
     */
    public static ArtifactManifest save(ComposedModel model, KnowledgeAdapter adapter, String pluginVersion,
            Path dir, Provenance given, boolean withHead) {
        // The backbone's precision ran the training: recorded as provenance.hyper_parameters.backbone_precision.
        Provenance provenance = given.withHyperParameter("backbone_precision", model.backbone().precision().label());
        // Files the adapter was created from are copied in and named plainly, so the artifact is self-contained
        // and loading it never reads outside its folder.
        Map<String, Object> config = new LinkedHashMap<>(adapter.config());
        Map<String, Path> attachments = new LinkedHashMap<>();
        AdapterFiles.of(adapter).forEach((key, file) -> {
            String name = AdapterFiles.nameInArtifact(key, file);
            config.put(key, name);
            attachments.put(name, file);
        });
        ArtifactManifest manifest = ArtifactManifest.create(
                new ArtifactManifest.Plugin(ArtifactKind.ADAPTER, adapter.name(), pluginVersion),
                config, ArtifactManifest.BackboneRef.of(model.backbone()), provenance);
        Map<String, TensorData> weights = tensors(model, "adapter." + adapter.name());
        Optional<TaskHead> head = withHead ? model.head() : Optional.empty();
        if (head.isPresent()) {
            ArtifactManifest headManifest = ArtifactManifest.create(
                    new ArtifactManifest.Plugin(ArtifactKind.HEAD, head.get().name(), pluginVersion),
                    head.get().config(), ArtifactManifest.BackboneRef.of(model.backbone()), provenance);
            return ArtifactFolder.write(dir, manifest, weights, headManifest, tensors(model, "head"), attachments);
        }
        return ArtifactFolder.write(dir, manifest, weights, null, null, attachments);
    }

    /** An adapter re-created from an artifact, with the weights to load once it is composed. */
    public record Loaded(KnowledgeAdapter adapter, LoadedArtifact artifact) {

        /** Loads the adapter's weights (and the head's, if saved and the model has a head) into {@code model}. */
        public void loadInto(ComposedModel model) {
            model.loadWeights("adapter." + adapter.name(), floats(artifact.weights()));
            if (artifact.head().isPresent() && model.head().isPresent()) {
                model.loadWeights("head", floats(artifact.head().get().weights()));
            }
        }
    }

    /**
     * Reads an adapter artifact and re-creates the adapter through its provider.
     *
     * @throws InfuseException {@code artifact-*} for a missing, corrupt or foreign artifact,
     *     {@code artifact-backbone-mismatch} if it was trained on other backbone weights,
     *     {@code plugin-not-found} if no installed plugin has its name
     */
    public static Loaded load(Infuse infuse, Path dir, Backbone backbone) {
        LoadedArtifact artifact = Artifacts.read(dir);
        ArtifactManifest m = artifact.manifest();
        if (m.plugin().kind() != ArtifactKind.ADAPTER) {
            throw new InfuseException("artifact-config", dir + ": holds a " + m.plugin().kind().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not an adapter");
        }
        requireFloats(artifact.directory().resolve(m.weights().file()), artifact.weights());
        artifact.head().ifPresent(h -> requireFloats(h.directory().resolve(h.manifest().weights().file()), h.weights()));
        artifact.checkBackbone(backbone);
        String name = m.plugin().name();
        infuse.registry().info(PluginKind.ADAPTER, name);
        List<String> fileKeys = AdapterFiles.fileKeys(infuse.registry().forName(PluginKind.ADAPTER, name).parameters());
        Map<String, Object> config = AdapterFiles.confine(artifact.directory(), m.config(), fileKeys);
        KnowledgeAdapter adapter = infuse.createAdapter(name,
                PluginConfig.of("adapter '" + name + "' from " + dir, config), backbone.spec());
        return new Loaded(adapter, artifact);
    }

    private static Map<String, TensorData> tensors(ComposedModel model, String component) {
        Map<String, float[]> values = model.weights(component);
        Map<String, long[]> shapes = model.shapes(component);
        Map<String, TensorData> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, TensorData.f32(v, shapes.get(k))));
        return out;
    }

    /** Adapter and head weights are float32 (or stored narrower and widened on reading); anything else is refused by name. */
    private static void requireFloats(Path file, Map<String, TensorData> weights) {
        weights.forEach((k, t) -> {
            if (t.dtype() != DType.F32 && t.dtype() != DType.F16 && t.dtype() != DType.BF16) {
                throw new InfuseException("artifact-corrupt", file + ": tensor '" + k + "' has dtype " + t.dtype()
                        + "; expected F32 (or F16/BF16) weights");
            }
        });
    }

    static Map<String, float[]> floats(Map<String, TensorData> weights) {
        Map<String, float[]> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, v.floats()));
        return out;
    }
}
