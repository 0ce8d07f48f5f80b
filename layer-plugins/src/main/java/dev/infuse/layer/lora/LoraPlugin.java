package dev.infuse.layer.lora;

import dev.infuse.layer.common.Sites;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.SiteEdit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** See {@link LoraProvider}. Parameters: {@code layer_<i>/<site>/lora_a} {@code [in, r]} and {@code lora_b} {@code [r, out]}. */
final class LoraPlugin implements LayerPlugin {
    private final int r;
    private final double alpha;
    private final float dropout;
    private final List<String> sites;
    private final List<Integer> layers;
    private final Map<String, Object> config;

    LoraPlugin(int r, double alpha, float dropout, List<String> sites, List<Integer> layers, Map<String, Object> config) {
        this.r = r;
        this.alpha = alpha;
        this.dropout = dropout;
        this.sites = sites;
        this.layers = layers;
        this.config = Map.copyOf(config);
    }

    int rank() {
        return r;
    }

    double alpha() {
        return alpha;
    }

    /** The configured rate as given (the float the graph uses is rounded). */
    double dropout() {
        return config.get("dropout") instanceof Number n ? n.doubleValue() : dropout;
    }

    @Override
    public String name() {
        return LoraProvider.NAME;
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public List<Target> targets(List<LayerSite> offered, BackboneSpec backbone) {
        List<LayerSite> chosen = Sites.select(name(), sites, offered, Set.of(LayerSite.Kind.LINEAR));
        for (LayerSite s : chosen) {
            if (r > Math.min(s.inputSize(), s.outputSize())) {
                throw new InfuseException("config-bad-value", "in-layer plug-in 'lora', key 'r': rank " + r + " exceeds site '"
                        + s.name() + "' (" + s.inputSize() + " -> " + s.outputSize() + "); expected at most "
                        + Math.min(s.inputSize(), s.outputSize()));
            }
        }
        return Sites.targets(name(), layers, chosen, backbone);
    }

    @Override
    public SiteEdit edit(ModelScope scope, Target target, LayerSite site) {
        ModelScope s = scope.child("layer_" + target.layer()).child(target.site());
        Operand<TFloat32> a = s.parameter("lora_a", new long[] {site.inputSize(), r},
                Initializers.uniform(1 / Math.sqrt(site.inputSize())));
        Operand<TFloat32> b = s.parameter("lora_b", new long[] {r, site.outputSize()}, Initializers.zeros());
        float scale = (float) (alpha / r);
        return new SiteEdit.LinearDelta(x -> {
            Ops tf = s.tf();
            Operand<TFloat32> in = dropout > 0 ? s.dropout(x, dropout) : x;
            return tf.math.mul(tf.linalg.matMul(tf.linalg.matMul(in, a), b), tf.constant(scale));
        });
    }
}
