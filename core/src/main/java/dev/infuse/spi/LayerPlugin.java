package dev.infuse.spi;

import java.util.List;
import java.util.Map;

/**
 * A plug-in that acts inside the frozen backbone's transformer layers — LoRA, bottleneck adapters,
 * BitFit, prefix tuning — to make a downstream model out of a frozen encoder without touching its
 * weights. It chooses {@linkplain #targets sites} among those the backbone offers and returns one
 * {@link SiteEdit} for each; the backbone applies the edit where the site is. Nothing else is
 * possible: a plug-in never sees or changes a frozen weight.
 *
 * <p>The runtime checks every target against {@link Backbone#layerSites()} before building anything:
 * an unknown site, a layer that does not exist, an edit the site's {@link LayerSite.Kind} does not
 * admit, or one (layer, site) claimed twice (by one plug-in or by two) is refused with one
 * {@code config-bad-site} error naming the plug-in, the site and the sites that exist.
 *
 * <p>Create every weight through the {@link ModelScope} given to {@link #edit}: it is this plug-in's
 * component scope ({@code layer.<name>}), trainable while a downstream model is trained and frozen
 * when the model is reloaded. Name parameters by layer and site (e.g. {@code layer_3/query/lora_a}),
 * so that saved artifacts read well. A plug-in should start as an exact identity (the frozen model's
 * outputs unchanged at initialisation); the conformance suite of the test kit checks it.
 */
public interface LayerPlugin {

    /** The provider name, written into artifacts. */
    String name();

    /**
     * The effective configuration, every key with the value in use (defaults included); a provider
     * given exactly this map must build an identical plug-in. Usually {@link PluginConfig#effective()}.
     */
    Map<String, Object> config();

    /**
     * Where this plug-in acts.
     *
     * @param offered the sites the backbone offers in every layer
     * @param backbone the backbone's architecture (its layer count bounds {@link Target#layer()})
     */
    List<Target> targets(List<LayerSite> offered, BackboneSpec backbone);

    /**
     * The edit at one target, called once per target while the graph is built (layers in order).
     * Create parameters eagerly here or lazily inside the edit's functions; either way through
     * {@code scope}.
     *
     * @param site the offered site (its kind and sizes)
     */
    SiteEdit edit(ModelScope scope, Target target, LayerSite site);

    /**
     * One site of one layer.
     *
     * @param layer 0-based layer index
     * @param site a {@link LayerSite#name()}
     */
    record Target(int layer, String site) {
        @Override
        public String toString() {
            return "layer " + layer + " " + site;
        }
    }
}
