package dev.infuse.layer.bitfit;

import dev.infuse.layer.common.Sites;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.SiteEdit;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** See {@link BitFitProvider}. Parameters: {@code layer_<i>/<site>/bias} {@code [out]}. */
final class BitFitPlugin implements LayerPlugin {
    private final List<String> sites;
    private final List<Integer> layers;
    private final Map<String, Object> config;

    BitFitPlugin(List<String> sites, List<Integer> layers, Map<String, Object> config) {
        this.sites = sites;
        this.layers = layers;
        this.config = Map.copyOf(config);
    }

    @Override
    public String name() {
        return BitFitProvider.NAME;
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public List<Target> targets(List<LayerSite> offered, BackboneSpec backbone) {
        return Sites.targets(name(), layers,
                Sites.select(name(), sites, offered, Set.of(LayerSite.Kind.LINEAR, LayerSite.Kind.LAYER_NORM)), backbone);
    }

    @Override
    public SiteEdit edit(ModelScope scope, Target target, LayerSite site) {
        ModelScope s = scope.child("layer_" + target.layer()).child(target.site());
        return new SiteEdit.BiasOffset(s.parameter("bias", new long[] {site.outputSize()}, Initializers.zeros()));
    }
}
