package dev.infuse.layer.prefix;

import dev.infuse.layer.common.Sites;
import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.SiteEdit;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * See {@link PrefixProvider}. Parameters: {@code layer_<i>/attention.prefix/keys|values} {@code [P, H]}
 * (direct), or {@code reparameterization/embedding} {@code [P, H]} and its MLP {@code reparameterization/
 * hidden|out}; with the gate, {@code layer_<i>/attention.prefix/gate} {@code [1]}.
 */
final class PrefixPlugin implements LayerPlugin {
    private final int tokens;
    private final boolean reparameterize;
    private final int prefixHidden;
    private final boolean gate;
    private final List<Integer> layers;
    private final Map<String, Object> config;
    // The reparameterisation MLP's output [P, layers * 2H], built once per model (keyed by the plug-in's scope).
    private final Map<ModelScope, Operand<TFloat32>> generated = new IdentityHashMap<>();
    // The backbone's layer count, learnt in targets(): the MLP generates every layer's prefixes.
    private int layerCount;

    PrefixPlugin(int tokens, boolean reparameterize, int prefixHidden, boolean gate, List<Integer> layers,
            Map<String, Object> config) {
        this.tokens = tokens;
        this.reparameterize = reparameterize;
        this.prefixHidden = prefixHidden;
        this.gate = gate;
        this.layers = layers;
        this.config = Map.copyOf(config);
    }

    @Override
    public String name() {
        return PrefixProvider.NAME;
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public List<Target> targets(List<LayerSite> offered, BackboneSpec backbone) {
        layerCount = backbone.layers();
        return Sites.targets(name(), layers, Sites.select(name(), List.of("all"), offered,
                Set.of(LayerSite.Kind.ATTENTION_PREFIX)), backbone);
    }

    @Override
    public SiteEdit edit(ModelScope scope, Target target, LayerSite site) {
        ModelScope s = scope.child("layer_" + target.layer()).child(target.site());
        int h = site.outputSize();
        Operand<TFloat32> keys;
        Operand<TFloat32> values;
        if (reparameterize) {
            Ops tf = scope.tf();
            Operand<TFloat32> all = generated.computeIfAbsent(scope, sc -> generate(sc, h));
            int layer = target.layer();
            keys = tf.slice(all, tf.constant(new int[] {0, 2 * layer * h}), tf.constant(new int[] {tokens, h}));
            values = tf.slice(all, tf.constant(new int[] {0, (2 * layer + 1) * h}), tf.constant(new int[] {tokens, h}));
        } else {
            keys = s.parameter("keys", new long[] {tokens, h}, Initializers.normal(0.02));
            values = s.parameter("values", new long[] {tokens, h}, Initializers.normal(0.02));
        }
        Operand<TFloat32> g = gate ? s.parameter("gate", new long[] {1}, Initializers.zeros()) : null;
        return new SiteEdit.Prefix(keys, values, g);
    }

    /** Li and Liang's MLP: embedding [P, H] -> tanh(. W1 + b1) [P, hidden] -> [P, L * 2H] (every layer's keys and values). */
    private Operand<TFloat32> generate(ModelScope scope, int h) {
        ModelScope r = scope.child("reparameterization");
        Operand<TFloat32> e = r.parameter("embedding", new long[] {tokens, h}, Initializers.normal(0.02));
        Operand<TFloat32> mid = r.tf().math.tanh(Dense.apply(r, "hidden", e, h, prefixHidden, Initializers.xavierUniform()));
        return Dense.apply(r, "out", mid, prefixHidden, layerCount * 2 * h, Initializers.normal(0.02));
    }
}
