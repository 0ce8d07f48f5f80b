package dev.infuse.tasks;

import dev.infuse.api.ArtifactKind;
import dev.infuse.api.ArtifactManifest;
import dev.infuse.api.Artifacts;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Infuse;
import dev.infuse.api.LoadedArtifact;
import dev.infuse.api.PluginRegistry;
import dev.infuse.api.Provenance;
import dev.infuse.api.TensorData;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.TaskHead;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's trained downstream model — the task head, the fusion's weights and the in-layer plug-ins —
 * saved as one artifact of kind {@code head} in {@code <out>/head} and reloaded by {@code --head}
 * (trained further, or frozen for plug-and-play).
 *
 * <p>Layout: the head's tensors under their own names (as a head-only artifact always had), the
 * fusion's under {@code fusion/}, each in-layer plug-in's under {@code layer.<name>/}; the manifest's
 * config is the head's plus {@code downstream_model: {fusion: {name, config}, layer_plugins: [{name,
 * version, config}]}} for what is present.
 *
 * <p>An in-layer plug-in may also come from a folder another library wrote ({@code --layer-plugin DIR},
 * e.g. PEFT's LoRA), and is then also written in that library's format beside the head
 * ({@code <out>/lora-peft}); see {@link #export}.
 */
final class DownstreamModel {
    private static final Logger LOG = LoggerFactory.getLogger(DownstreamModel.class);
    static final String KEY = "downstream_model";
    private static final String FUSION_PREFIX = "fusion/";
    private static final String LAYER_PREFIX = "layer.";

    private DownstreamModel() {}

    /** One in-layer plug-in of a run. */
    record Layer(LayerPlugin plugin, String version, boolean trainable, Map<String, float[]> weights) {}

    /** The in-layer plug-ins of a run: those a reloaded downstream model brings, then the new ones. */
    static final class Layers {
        private final List<Layer> list;

        Layers(List<Layer> list) {
            this.list = List.copyOf(list);
        }

        boolean isEmpty() {
            return list.isEmpty();
        }

        boolean anyTrainable() {
            return list.stream().anyMatch(Layer::trainable);
        }

        List<String> names() {
            return list.stream().map(l -> l.plugin().name()).toList();
        }

        List<Layer> list() {
            return list;
        }

        /** The lowest layer any plug-in edits (for the log). */
        int lowestLayer(Backbone backbone) {
            return list.stream().flatMap(l -> l.plugin().targets(backbone.layerSites(), backbone.spec()).stream())
                    .mapToInt(LayerPlugin.Target::layer).min().orElse(-1);
        }

        void addTo(ComposedModel.Builder b) {
            list.forEach(l -> b.layerPlugin(l.plugin(), l.trainable() ? ComposedModel.Mode.TRAINABLE : ComposedModel.Mode.FROZEN));
        }

        /** For run descriptions (checkpoint resumption): name, configuration, and whether it trains. */
        List<String> describe() {
            return list.stream().map(l -> l.plugin().name() + " " + new java.util.TreeMap<>(l.plugin().config())
                    + (l.trainable() ? " trained" : " frozen")).toList();
        }
    }

    /**
     * Creates the in-layer plug-ins of a run: those of the downstream model given by {@code --head}
     * (frozen with {@code --freeze-head}), then the run's new ones.
     */
    static Layers openLayers(Infuse infuse, Backbone backbone, RunSpec spec) {
        List<Layer> out = new ArrayList<>();
        if (spec.head().artifact() != null) {
            ArtifactManifest m = Artifacts.readManifest(spec.head().artifact());
            for (Map<String, Object> entry : layerEntries(spec.head().artifact(), m)) {
                String name = String.valueOf(entry.get("name"));
                @SuppressWarnings("unchecked")
                Map<String, Object> config = entry.get("config") instanceof Map<?, ?> c ? (Map<String, Object>) c : Map.of();
                LayerPlugin p;
                try {
                    p = create(infuse, backbone, name, config);
                    ComposedModel.checkTargets(backbone, List.of(p));
                } catch (InfuseException e) {
                    throw new InfuseException(e.code(), spec.head().artifact() + ": its in-layer plug-in '" + name
                            + "' (config." + KEY + ".layer_plugins) does not fit backbone '" + backbone.name() + "' ("
                            + backbone.spec().describe() + "): " + e.getMessage(), e);
                }
                out.add(new Layer(p, version(infuse, name), !spec.head().frozen(), null));
            }
        }
        for (RunSpec.LayerUse use : spec.layerPlugins()) {
            out.add(use.folder() != null ? imported(infuse, backbone, use)
                    : new Layer(create(infuse, backbone, use.name(), use.config()), version(infuse, use.name()), true, null));
        }
        return new Layers(out);
    }

    /**
     * The plug-in a folder written by another library holds (e.g. PEFT's LoRA): the first provider that
     * reads it gives the configuration (with the run's settings over it) and the starting weights,
     * checked against the backbone before anything is built; it is trained further with the head.
     */
    private static Layer imported(Infuse infuse, Backbone backbone, RunSpec.LayerUse use) {
        Path dir = use.folder();
        if (!Files.isDirectory(dir)) {
            throw new InfuseException("artifact-missing", "--layer-plugin " + dir + ": no such folder; expected a plug-in name or "
                    + "a folder another library wrote (e.g. PEFT's LoRA: adapter_config.json, adapter_model.safetensors)");
        }
        for (String name : infuse.registry().available(PluginKind.LAYER)) {
            LayerPluginProvider provider;
            try {
                provider = (LayerPluginProvider) infuse.registry().forName(PluginKind.LAYER, name);
            } catch (InfuseException e) {
                continue; // a duplicated name: neither provider is used
            }
            Optional<LayerPluginProvider.Imported> read;
            try {
                read = PluginRegistry.callAsPlugin(provider, () -> provider.importFolder(dir, backbone));
            } catch (InfuseException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InfuseException("plugin-failed", "in-layer plug-in '" + name + "' failed reading " + dir + ": " + e, e);
            }
            if (read != null && read.isPresent()) {
                Map<String, Object> config = new LinkedHashMap<>(read.get().config());
                config.putAll(use.config());
                LayerPlugin p = create(infuse, backbone, name, config);
                LOG.info("in-layer plug-in '{}' read from {} ({} format): {}; trained further with the head", name, dir,
                        read.get().format(), new java.util.TreeMap<>(p.config()));
                return new Layer(p, version(infuse, name), true, read.get().weights());
            }
        }
        boolean infuseArtifact;
        try {
            Artifacts.readManifest(dir);
            infuseArtifact = true;
        } catch (InfuseException e) {
            infuseArtifact = false;
        }
        throw new InfuseException("artifact-config", "--layer-plugin " + dir + ": no in-layer plug-in reads this folder"
                + (infuseArtifact ? " (it holds an Infuse artifact: give a saved downstream model with --head)" : "")
                + "; expected a folder another library wrote, e.g. a PEFT LoRA folder (adapter_config.json with peft_type "
                + "LORA, and adapter_model.safetensors), which lora reads; installed in-layer plug-ins: "
                + infuse.registry().available(PluginKind.LAYER));
    }

    /** Loads the starting weights of plug-ins read from folders ({@link Layer#weights()}). */
    static void loadImported(ComposedModel model, Layers layers) {
        for (Layer l : layers.list()) {
            if (l.weights() != null) {
                model.loadWeights("layer." + l.plugin().name(), l.weights());
            }
        }
    }

    /**
     * Writes each in-layer plug-in that has another library's format on this backbone into
     * {@code <out>/<name>-<format>} (a LoRA on BERT: {@code <out>/lora-peft}, PEFT's folder).
     */
    static void export(Infuse infuse, ComposedModel model, Layers layers, Backbone backbone, Path out) {
        for (Layer l : layers.list()) {
            String name = l.plugin().name();
            LayerPluginProvider provider = (LayerPluginProvider) infuse.registry().forName(PluginKind.LAYER, name);
            Optional<String> format = PluginRegistry.callAsPlugin(provider, () -> provider.exportFormat(l.plugin(), backbone));
            if (format == null || format.isEmpty()) {
                continue;
            }
            Path dir = out.resolve(name + "-" + format.get());
            String component = "layer." + name;
            PluginRegistry.runAsPlugin(provider, () -> provider.exportFolder(dir, l.plugin(), model.weights(component),
                    model.shapes(component), backbone));
            LOG.info("in-layer plug-in '{}' also written in {} format: {}", name, format.get(), dir);
        }
    }

    private static LayerPlugin create(Infuse infuse, Backbone backbone, String name, Map<String, Object> config) {
        PluginConfig c = PluginConfig.of("in-layer plug-in '" + name + "'", config);
        LayerPlugin p = infuse.createLayerPlugin(name, c, backbone.spec());
        return p;
    }

    private static String version(Infuse infuse, String name) {
        return infuse.registry().info(PluginKind.LAYER, name).version();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> layerEntries(Path dir, ArtifactManifest m) {
        Object dm = m.config().get(KEY);
        if (dm == null) {
            return List.of();
        }
        if (!(dm instanceof Map<?, ?> map) || (map.get("layer_plugins") != null && !(map.get("layer_plugins") instanceof List<?>))) {
            throw new InfuseException("artifact-config", dir.resolve(Artifacts.CONFIG_FILE) + ": 'config." + KEY
                    + "' is not {layer_plugins: [...], fusion: {...}}");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        Object list = map.get("layer_plugins");
        if (list != null) {
            for (Object e : (List<Object>) list) {
                if (!(e instanceof Map<?, ?> entry) || !(entry.get("name") instanceof String)) {
                    throw new InfuseException("artifact-config", dir.resolve(Artifacts.CONFIG_FILE) + ": 'config." + KEY
                            + ".layer_plugins' has an entry without a name: " + e);
                }
                out.add((Map<String, Object>) entry);
            }
        }
        return out;
    }

    /** Loads a downstream model's weights into the composed model: head, fusion (if any), in-layer plug-ins. */
    static void load(ComposedModel model, LoadedArtifact artifact) {
        Map<String, float[]> head = new LinkedHashMap<>();
        Map<String, float[]> fusion = new LinkedHashMap<>();
        Map<String, Map<String, float[]>> layers = new LinkedHashMap<>();
        artifact.weights().forEach((k, v) -> {
            if (k.startsWith(FUSION_PREFIX)) {
                fusion.put(k.substring(FUSION_PREFIX.length()), v.floats());
            } else if (k.startsWith(LAYER_PREFIX) && k.indexOf('/') > 0) {
                int slash = k.indexOf('/');
                layers.computeIfAbsent(k.substring(0, slash), c -> new LinkedHashMap<>()).put(k.substring(slash + 1), v.floats());
            } else {
                head.put(k, v.floats());
            }
        });
        model.loadWeights("head", head);
        if (!fusion.isEmpty()) {
            if (model.fusion().isEmpty()) {
                throw new InfuseException("artifact-config", artifact.directory() + ": holds fusion weights, but this run has no "
                        + "side adapter to fuse; give the adapters it was trained with");
            }
            model.loadWeights("fusion", fusion);
        }
        for (LayerPlugin p : model.layerPlugins()) {
            Map<String, float[]> w = layers.get("layer." + p.name());
            if (w != null) {
                model.loadWeights("layer." + p.name(), w);
            }
        }
    }

    /**
     * Writes the downstream model (nothing when it has no weight, e.g. a masked-LM head with nothing
     * trained) into {@code dir}.
     */
    static void save(ComposedModel model, TaskHead head, Layers layers, Backbone backbone, Path dir, Provenance provenance) {
        Map<String, long[]> headShapes = model.shapes("head");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        model.weights("head").forEach((k, v) -> tensors.put(k, TensorData.f32(v, headShapes.get(k))));
        Map<String, Object> downstream = new LinkedHashMap<>();
        Map<String, float[]> fusionWeights = model.fusion().isPresent() ? model.weights("fusion") : Map.of();
        if (!fusionWeights.isEmpty()) {
            Map<String, long[]> shapes = model.shapes("fusion");
            fusionWeights.forEach((k, v) -> tensors.put(FUSION_PREFIX + k, TensorData.f32(v, shapes.get(k))));
            var f = model.fusion().orElseThrow();
            downstream.put("fusion", Map.of("name", f.name(), "config", f.config()));
        }
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Layer l : layers.list()) {
            String component = "layer." + l.plugin().name();
            Map<String, long[]> shapes = model.shapes(component);
            model.weights(component).forEach((k, v) -> tensors.put(component + "/" + k, TensorData.f32(v, shapes.get(k))));
            entries.add(Map.of("name", l.plugin().name(), "version", l.version(), "config", l.plugin().config()));
        }
        if (!entries.isEmpty()) {
            downstream.put("layer_plugins", entries);
        }
        if (tensors.isEmpty()) {
            return;
        }
        Map<String, Object> config = new LinkedHashMap<>(head.config());
        if (!downstream.isEmpty()) {
            config.put(KEY, downstream);
        }
        var manifest = ArtifactManifest.create(new ArtifactManifest.Plugin(ArtifactKind.HEAD, head.name(), "0.1.0"), config,
                ArtifactManifest.BackboneRef.of(backbone), provenance);
        Artifacts.write(dir, manifest, tensors);
    }
}
