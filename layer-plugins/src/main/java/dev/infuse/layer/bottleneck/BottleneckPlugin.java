package dev.infuse.layer.bottleneck;

import dev.infuse.layer.common.Sites;
import dev.infuse.nn.Activation;
import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.SiteEdit;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** See {@link BottleneckProvider}. Parameters: {@code layer_<i>/<site>/down/kernel|bias}, {@code up/kernel|bias}. */
final class BottleneckPlugin implements LayerPlugin {
    private final List<String> sites;
    private final List<Integer> layers;
    private final int width;
    private final Activation activation;
    private final Map<String, Object> config;

    BottleneckPlugin(List<String> sites, List<Integer> layers, int width, Activation activation, Map<String, Object> config) {
        this.sites = sites;
        this.layers = layers;
        this.width = width;
        this.activation = activation;
        this.config = Map.copyOf(config);
    }

    @Override
    public String name() {
        return BottleneckProvider.NAME;
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public List<Target> targets(List<LayerSite> offered, BackboneSpec backbone) {
        return Sites.targets(name(), layers, Sites.select(name(), sites, offered, Set.of(LayerSite.Kind.RESIDUAL)), backbone);
    }

    @Override
    public SiteEdit edit(ModelScope scope, Target target, LayerSite site) {
        ModelScope s = scope.child("layer_" + target.layer()).child(target.site());
        int h = site.outputSize();
        return new SiteEdit.Residual(x -> {
            var down = activation.apply(s.tf(), Dense.apply(s, "down", x, h, width, Initializers.normal(0.01)));
            return Dense.apply(s, "up", down, width, h, Initializers.zeros());
        });
    }
}
