package dev.infuse.spi;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The in-layer edits of one composed model, keyed by layer and site, as the runtime hands them to
 * {@link Backbone#encode(ModelScope, org.tensorflow.Operand, org.tensorflow.Operand, org.tensorflow.Operand, LayerEdits)}
 * after checking them against the backbone's {@linkplain Backbone#layerSites() sites}. A backbone looks
 * up each of its sites in each layer and applies what it finds.
 */
public final class LayerEdits {
    private static final LayerEdits NONE = new LayerEdits(Map.of());

    private final Map<LayerPlugin.Target, SiteEdit> edits;

    private LayerEdits(Map<LayerPlugin.Target, SiteEdit> edits) {
        this.edits = Map.copyOf(edits);
    }

    /** No edit anywhere. */
    public static LayerEdits none() {
        return NONE;
    }

    /** The given edits; the caller has checked them against the backbone's sites. */
    public static LayerEdits of(Map<LayerPlugin.Target, SiteEdit> edits) {
        return edits.isEmpty() ? NONE : new LayerEdits(edits);
    }

    /** The edit at a site of a layer, if any. */
    public Optional<SiteEdit> at(int layer, String site) {
        return Optional.ofNullable(edits.get(new LayerPlugin.Target(layer, site)));
    }

    public boolean isEmpty() {
        return edits.isEmpty();
    }

    /** The lowest layer with an edit, or -1 if none: hidden states below it are the frozen model's. */
    public int lowestLayer() {
        return edits.keySet().stream().mapToInt(LayerPlugin.Target::layer).min().orElse(-1);
    }

    /** Targets in layer order, for logs. */
    public Map<LayerPlugin.Target, SiteEdit> byLayer() {
        TreeMap<LayerPlugin.Target, SiteEdit> m = new TreeMap<>(
                java.util.Comparator.comparingInt(LayerPlugin.Target::layer).thenComparing(LayerPlugin.Target::site));
        m.putAll(edits);
        return java.util.Collections.unmodifiableMap(m);
    }
}
