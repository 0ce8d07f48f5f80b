package dev.infuse.api;

import dev.infuse.internal.graph.GraphBuild;
import dev.infuse.internal.graph.OptimizerGraph;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.HeadOutputs;
import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.InputEmbeddings;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ModelOutputs;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.TaskHead;
import dev.infuse.spi.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A frozen backbone composed with any number of knowledge adapters, an optional fusion and an
 * optional task head, in one TensorFlow graph with one session.
 *
 * <p>Only adapter, fusion and head parameters can be trainable; the backbone's are created in a
 * frozen scope and no gradient is ever computed for them. Components are named {@code backbone},
 * {@code adapter.<name>}, {@code fusion} and {@code head}; {@link #weights(String)} and
 * {@link #loadWeights(String, Map)} move a component's parameters in and out by their paths.
 */
public final class ComposedModel implements AutoCloseable {

    /** How an adapter takes part: trained, or frozen (a loaded pretrained adapter, or a random control). */
    public enum Mode { TRAINABLE, FROZEN }

    private final GraphBuild build;
    private final Session session;
    private final Backbone backbone;
    private final Tokenizer tokenizer;
    private final List<KnowledgeAdapter> adapters;
    private final List<dev.infuse.spi.LayerPlugin> layerPlugins;
    private final Fusion fusion;
    private final TaskHead head;
    private final HiddenStates states;
    private final Operand<TFloat32> sequence;
    private final HeadOutputs headOutputs;
    private final OptimizerGraph optimizer;
    private final Map<String, Operand<TFloat32>> sideOutputs = new LinkedHashMap<>();

    private ComposedModel(Builder b) {
        this.backbone = b.backbone;
        this.adapters = List.copyOf(b.adapters);
        this.layerPlugins = List.copyOf(b.layerPlugins);
        this.fusion = b.fusion;
        this.head = b.head;
        List<String> added = new ArrayList<>();
        adapters.forEach(a -> added.addAll(a.addedTokens()));
        this.tokenizer = added.isEmpty() ? backbone.tokenizer() : backbone.tokenizer().withAddedTokens(added);
        this.build = new GraphBuild(b.seed, b.forTraining);
        boolean ok = false;
        try {
            ModelScope bs = build.component("backbone", false, b.backboneDropout, b.backboneDropoutRate);
            // The masked-LM head reads whatever the trained parts produce (a fused sequence): in a training graph
            // gradients always pass through it.
            ModelScope mlmScope = bs;
            // Gradients pass through the backbone only to reach a trained part before or inside it: a trainable
            // input-side adapter or an in-layer plug-in. Otherwise it may build inference-only fused kernels.
            boolean throughBackbone = b.forTraining && (!b.layerPlugins.isEmpty() || b.adapters.stream()
                    .anyMatch(a -> b.modes.get(a) == Mode.TRAINABLE && overridesInjectInputs(a)));
            if (!throughBackbone) {
                bs = ((dev.infuse.internal.graph.GraphScope) bs).inferenceOnly();
            }
            Ops tf = bs.tf();
            Map<KnowledgeAdapter, ModelScope> scopes = new LinkedHashMap<>();
            for (KnowledgeAdapter a : adapters) {
                boolean train = b.modes.get(a) == Mode.TRAINABLE;
                // A frozen adapter is part of the fixed feature extractor: no dropout, like the backbone.
                scopes.put(a, build.component("adapter." + a.name(), train, train));
            }
            for (KnowledgeAdapter a : adapters) {
                if (b.cachedSides.contains(a.name()) && b.modes.get(a) == Mode.TRAINABLE) {
                    throw new IllegalArgumentException("adapter '" + a.name() + "' is trained, so its output cannot be cached");
                }
            }
            if (!b.cachedSides.isEmpty() && b.cachedTaps == null) {
                throw new IllegalArgumentException("cached side outputs need cached taps (the last layer at least)");
            }
            if (b.cachedTaps != null && !layerPlugins.isEmpty()) {
                throw new InfuseException("config-cache-in-layer", "in-layer plug-ins " + layerPlugins.stream()
                        .map(dev.infuse.spi.LayerPlugin::name).toList() + " change the backbone's hidden states, so they "
                        + "cannot come from an activation cache");
            }
            if (b.cachedTaps != null) {
                this.states = cachedStates(bs, b.cachedTaps, b.cachedSides);
            } else {
                Operand<TInt32> ids = bs.input("input_ids", TInt32.class, -1, -1);
                Operand<TInt32> types = bs.input("token_type_ids", TInt32.class, -1, -1);
                Operand<TInt32> mask = bs.input("attention_mask", TInt32.class, -1, -1);
                // Added tokens have ids past the embedding table: look up [PAD] there and let their owner replace it.
                int base = tokenizer.baseVocabularySize();
                Operand<TInt32> safeIds = added.isEmpty() ? ids
                        : tf.select(tf.math.greaterEqual(ids, tf.constant(base)),
                                tf.fill(tf.shape(ids), tf.constant(tokenizer.padId())), ids);
                InputEmbeddings inputs = new InputEmbeddings(backbone.embedWords(bs, safeIds), ids, tokenizer);
                for (KnowledgeAdapter a : adapters) {
                    inputs = inputs.with(a.injectInputs(scopes.get(a), inputs));
                }
                dev.infuse.spi.LayerEdits edits = layerEdits(b);
                this.states = edits.isEmpty() ? backbone.encode(bs, inputs.embeddings(), types, mask)
                        : backbone.encode(bs, inputs.embeddings(), types, mask, edits);
            }
            List<Operand<TFloat32>> sides = new ArrayList<>();
            for (KnowledgeAdapter a : adapters) {
                if (b.cachedSides.contains(a.name())) {
                    // The adapter's output comes from the cache; its parameters are still created (for
                    // counts and weight loading) on a shadow input whose subgraph is never run.
                    a.sideOutput(scopes.get(a), shadowStates(bs));
                    Operand<TFloat32> fed = bs.input("side_" + a.name(), TFloat32.class, -1, -1, backbone.spec().hiddenSize());
                    sideOutputs.put(a.name(), fed);
                    sides.add(fed);
                } else {
                    a.sideOutput(scopes.get(a), states).ifPresent(o -> {
                        sideOutputs.put(a.name(), o);
                        sides.add(o);
                    });
                }
            }
            if (fusion == null && b.unfused) {
                this.sequence = states.last();
            } else if (fusion != null) {
                this.sequence = fusion.fuse(build.component("fusion", b.fusionTrainable), states.last(), sides, states.mask());
            } else if (!sides.isEmpty()) {
                throw new InfuseException("config-missing-fusion", sides.size()
                        + " adapter(s) produce side outputs but no fusion was chosen; add one (e.g. concat, add, attention)");
            } else {
                this.sequence = states.last();
            }
            ModelOutputs outputs = new Outputs(bs, mlmScope);
            this.headOutputs = head == null ? null : head.build(build.component("head", b.headTrainable), outputs);
            this.optimizer = b.forTraining && headOutputs != null ? new OptimizerGraph(build, headOutputs.loss()) : null;
            this.session = dev.infuse.internal.graph.Sessions.create(build.graph());
            build.initialize(session);
            if (optimizer != null) {
                optimizer.initialize(session);
            }
            ok = true;
        } finally {
            if (!ok) {
                build.close();
            }
        }
    }

    /**
     * Asks every in-layer plug-in for its targets, checks each against the backbone's sites (exists,
     * layer in range, edit admitted by the site's kind, claimed once) and collects the edits.
     */
    private dev.infuse.spi.LayerEdits layerEdits(Builder b) {
        if (layerPlugins.isEmpty()) {
            return dev.infuse.spi.LayerEdits.none();
        }
        Map<String, dev.infuse.spi.LayerSite> byName = new LinkedHashMap<>();
        backbone.layerSites().forEach(s -> byName.put(s.name(), s));
        Map<dev.infuse.spi.LayerPlugin.Target, dev.infuse.spi.SiteEdit> edits = new LinkedHashMap<>();
        Map<dev.infuse.spi.LayerPlugin.Target, String> owners = checkTargets(backbone, layerPlugins);
        Map<String, dev.infuse.spi.LayerPlugin> plugins = new LinkedHashMap<>();
        Map<String, ModelScope> scopes = new LinkedHashMap<>();
        for (dev.infuse.spi.LayerPlugin p : layerPlugins) {
            boolean train = b.layerModes.get(p) == Mode.TRAINABLE;
            plugins.put(p.name(), p);
            scopes.put(p.name(), build.component("layer." + p.name(), train, train));
        }
        for (Map.Entry<dev.infuse.spi.LayerPlugin.Target, String> o : owners.entrySet()) {
            dev.infuse.spi.LayerPlugin.Target t = o.getKey();
            dev.infuse.spi.LayerPlugin p = plugins.get(o.getValue());
            dev.infuse.spi.LayerSite site = byName.get(t.site());
            dev.infuse.spi.SiteEdit e = p.edit(scopes.get(p.name()), t, site);
            if (e == null || !site.kind().admits(e)) {
                throw new InfuseException("config-bad-site", "in-layer plug-in '" + p.name() + "' returned " + (e == null
                        ? "no edit" : "a " + e.getClass().getSimpleName()) + " for " + t + ", a " + site.kind()
                        + " site, which admits " + admitted(site.kind()));
            }
            edits.put(t, e);
        }
        return dev.infuse.spi.LayerEdits.of(edits);
    }

    /**
     * The targets of in-layer plug-ins composed together, each checked to name a site the backbone
     * offers, in a layer it has, claimed by one plug-in only — what a model build checks first, for
     * callers that want the error before building (a study, a saved downstream model).
     *
     * @return each target with the name of the plug-in claiming it, in the plug-ins' order
     * @throws InfuseException {@code config-bad-site} naming the plug-in, the target and what exists
     */
    public static Map<dev.infuse.spi.LayerPlugin.Target, String> checkTargets(Backbone backbone,
            List<dev.infuse.spi.LayerPlugin> plugins) {
        List<dev.infuse.spi.LayerSite> offered = backbone.layerSites();
        List<String> names = offered.stream().map(dev.infuse.spi.LayerSite::name).toList();
        int layers = backbone.spec().layers();
        Map<dev.infuse.spi.LayerPlugin.Target, String> owners = new LinkedHashMap<>();
        for (dev.infuse.spi.LayerPlugin p : plugins) {
            String who = "in-layer plug-in '" + p.name() + "'";
            for (dev.infuse.spi.LayerPlugin.Target t : p.targets(offered, backbone.spec())) {
                if (!names.contains(t.site())) {
                    throw new InfuseException("config-bad-site", who + " targets site '" + t.site() + "', which backbone '"
                            + backbone.name() + "' does not offer; its sites are " + names);
                }
                if (t.layer() < 0 || t.layer() >= layers) {
                    throw new InfuseException("config-bad-site", who + " targets " + t + ", but backbone '" + backbone.name()
                            + "' has layers 0 to " + (layers - 1));
                }
                String previous = owners.putIfAbsent(t, p.name());
                if (previous != null) {
                    throw new InfuseException("config-bad-site", who + " targets " + t + ", already taken by in-layer "
                            + "plug-in '" + previous + "'; each site of a layer takes one edit");
                }
            }
        }
        return owners;
    }

    private static String admitted(dev.infuse.spi.LayerSite.Kind kind) {
        return switch (kind) {
            case LINEAR -> "LinearDelta or BiasOffset";
            case LAYER_NORM -> "BiasOffset";
            case RESIDUAL -> "Residual";
            case ATTENTION_PREFIX -> "Prefix";
        };
    }

    /**
     * Hidden states fed from an {@link ActivationCache}: model inputs {@code tap_<i>} and
     * {@code attention_mask}; the backbone's encoder is not built at all.
     */
    private HiddenStates cachedStates(ModelScope bs, java.util.SortedSet<Integer> taps, java.util.Set<String> cachedSides) {
        int layers = backbone.spec().layers();
        int h = backbone.spec().hiddenSize();
        if (!taps.contains(layers)) {
            throw new IllegalArgumentException("cached taps must include the last layer " + layers + " (fusion reads it)");
        }
        for (KnowledgeAdapter a : adapters) {
            if (overridesInjectInputs(a)) {
                throw new InfuseException("config-cache-input-adapter", "adapter '" + a.name()
                        + "' changes the backbone's inputs, so its hidden states cannot come from an activation cache");
            }
            for (int t : cachedSides.contains(a.name()) ? java.util.List.<Integer>of() : a.taps()) {
                if (!taps.contains(t)) {
                    throw new InfuseException("config-bad-tap", "adapter '" + a.name() + "' reads tap " + t
                            + " but the activation cache holds only " + taps);
                }
            }
        }
        Map<Integer, Operand<TFloat32>> fed = new LinkedHashMap<>();
        for (int t : taps) {
            fed.put(t, bs.input("tap_" + t, TFloat32.class, -1, -1, h));
        }
        Operand<TFloat32> mask = bs.tf().dtypes.cast(bs.input("attention_mask", TInt32.class, -1, -1), TFloat32.class);
        return new HiddenStates() {
            @Override
            public int layerCount() {
                return layers;
            }

            @Override
            public int hiddenSize() {
                return h;
            }

            @Override
            public Operand<TFloat32> tap(int index) {
                Operand<TFloat32> t = fed.get(index);
                if (t == null) {
                    throw new InfuseException("config-bad-tap", "tap " + index + " is not in the activation cache " + taps);
                }
                return t;
            }

            @Override
            public Operand<TFloat32> mask() {
                return mask;
            }
        };
    }

    /** Hidden states of shape {@code [1, 1, H]} zeros, only for creating an adapter's parameters. */
    private HiddenStates shadowStates(ModelScope bs) {
        int layers = backbone.spec().layers();
        int h = backbone.spec().hiddenSize();
        Ops tf = bs.tf();
        Operand<TFloat32> zeros = tf.zeros(tf.constant(new int[] {1, 1, h}), TFloat32.class);
        Operand<TFloat32> ones = tf.onesLike(tf.zeros(tf.constant(new int[] {1, 1}), TFloat32.class));
        return new HiddenStates() {
            @Override
            public int layerCount() {
                return layers;
            }

            @Override
            public int hiddenSize() {
                return h;
            }

            @Override
            public Operand<TFloat32> tap(int index) {
                return zeros;
            }

            @Override
            public Operand<TFloat32> mask() {
                return ones;
            }
        };
    }

    /**
     * Whether an adapter acts on the backbone's inputs (overrides
     * {@link KnowledgeAdapter#injectInputs}); such an adapter changes every hidden state, so the
     * backbone's activations cannot come from a cache.
     */
    public static boolean changesInputs(KnowledgeAdapter a) {
        return overridesInjectInputs(a);
    }

    private static boolean overridesInjectInputs(KnowledgeAdapter a) {
        try {
            return a.getClass().getMethod("injectInputs", ModelScope.class, InputEmbeddings.class).getDeclaringClass()
                    != KnowledgeAdapter.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }

    public static Builder builder(Backbone backbone) {
        return new Builder(backbone);
    }

    /** The tokenizer extended with every adapter's added tokens. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Backbone backbone() {
        return backbone;
    }

    public BackboneSpec spec() {
        return backbone.spec();
    }

    public List<KnowledgeAdapter> adapters() {
        return adapters;
    }

    /** The in-layer plug-ins, in the order added. */
    public List<dev.infuse.spi.LayerPlugin> layerPlugins() {
        return layerPlugins;
    }

    public Optional<Fusion> fusion() {
        return Optional.ofNullable(fusion);
    }

    public Optional<TaskHead> head() {
        return Optional.ofNullable(head);
    }

    /** The fused sequence output {@code [batch, time, H]}. */
    public Operand<TFloat32> sequenceOutput() {
        return sequence;
    }

    public HiddenStates hiddenStates() {
        return states;
    }

    /** Each side adapter's output {@code [batch, time, H]}, by adapter name. */
    public Map<String, Operand<TFloat32>> sideOutputs() {
        return java.util.Collections.unmodifiableMap(sideOutputs);
    }

    /** The head's loss and named outputs. */
    public Optional<HeadOutputs> headOutputs() {
        return Optional.ofNullable(headOutputs);
    }

    /** Every parameter with its trainability and shape, in creation order. */
    public List<ParameterInfo> parameters() {
        return build.parameters().stream()
                .map(p -> new ParameterInfo(p.name(), p.component(), p.shape().clone(), p.trainable())).toList();
    }

    /** Sum of trainable parameter sizes. */
    public long trainableParameterCount() {
        return parameters().stream().filter(ParameterInfo::trainable).mapToLong(ParameterInfo::size).sum();
    }

    /**
     * Sum of all parameter sizes, backbone included — also when the backbone's encoder was not built
     * because its activations come from a cache (then the backbone reports its own count).
     */
    public long totalParameterCount() {
        long own = parameters().stream().filter(p -> !p.component().equals("backbone")).mapToLong(ParameterInfo::size).sum();
        long backboneBuilt = parameters().stream().filter(p -> p.component().equals("backbone")).mapToLong(ParameterInfo::size).sum();
        long backboneAll = backbone.parameterCount();
        return own + Math.max(backboneBuilt, backboneAll);
    }

    /**
     * Runs the graph on a batch.
     *
     * @param fetches operands to fetch (e.g. {@link #sequenceOutput()} or a head output)
     * @return the fetched tensors in order; the caller closes the result
     */
    public Result run(Batch batch, List<? extends Operand<?>> fetches) {
        Session.Runner r = feed(session.runner(), batch);
        fetches.forEach(r::fetch);
        return r.run();
    }

    /**
     * One optimisation step on a batch: forward, backward, gradient clipping and an Adam update of
     * the trainable parameters only.
     *
     * @return the loss before the update, and the global gradient norm before clipping
     */
    public StepResult trainStep(Batch batch, double learningRate, double clipNorm) {
        if (optimizer == null) {
            throw new IllegalStateException("model was not built for training (needs a head and forTraining(true))");
        }
        double[] r = optimizer.step(feed(session.runner(), batch), learningRate, clipNorm);
        return new StepResult(r[0], r[1]);
    }

    /**
     * The optimiser's state: Adam's moment estimates of every trainable parameter and the number of
     * updates so far (for checkpoints).
     */
    public OptimizerState optimizerState() {
        requireOptimizer();
        return new OptimizerState(optimizer.stepCount(), optimizer.slotValues(session));
    }

    /** Restores a state taken by {@link #optimizerState()} from a model built the same way. */
    public void loadOptimizerState(OptimizerState state) {
        requireOptimizer();
        optimizer.restore(session, state.slots(), state.step());
    }

    private void requireOptimizer() {
        if (optimizer == null) {
            throw new IllegalStateException("model was not built for training (needs a head and forTraining(true))");
        }
    }

    /**
     * Adam's state.
     *
     * @param step updates applied so far
     * @param slots moment estimates keyed {@code m/<parameter>} and {@code v/<parameter>}
     */
    public record OptimizerState(long step, Map<String, float[]> slots) {}

    /** Whether {@link #trainStep} is available. */
    public boolean trainable() {
        return optimizer != null;
    }

    /** Loss and gradient norm of one training step. */
    public record StepResult(double loss, double gradientNorm) {}

    private Session.Runner feed(Session.Runner r, Batch batch) {
        var inputs = build.inputs();
        for (Map.Entry<String, Tensor> e : batch.tensors().entrySet()) {
            var p = inputs.get(e.getKey());
            if (p != null) {
                r.feed(p, e.getValue());
            }
        }
        for (String name : inputs.keySet()) {
            if (!batch.tensors().containsKey(name)) {
                throw new InfuseException("data-missing-input", "the batch has no tensor for model input '" + name
                        + "' (declared by a head or adapter); it has " + batch.tensors().keySet());
            }
        }
        return r;
    }

    /** The current values of one component's parameters, keyed by path within the component. */
    public Map<String, float[]> weights(String component) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (GraphBuild.Parameter p : build.parameters()) {
            if (p.component().equals(component)) {
                out.put(p.name().substring(component.length() + 1), build.read(session, p));
            }
        }
        return out;
    }

    /** Shapes of one component's parameters, keyed by path within the component. */
    public Map<String, long[]> shapes(String component) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (GraphBuild.Parameter p : build.parameters()) {
            if (p.component().equals(component)) {
                out.put(p.name().substring(component.length() + 1), p.shape().clone());
            }
        }
        return out;
    }

    /**
     * Sets one component's parameters. Every parameter of the component must be given with the right
     * size, and no other; a mismatch names the parameter.
     */
    public void loadWeights(String component, Map<String, float[]> values) {
        Map<String, long[]> shapes = shapes(component);
        for (String name : values.keySet()) {
            if (!shapes.containsKey(name)) {
                throw new InfuseException("artifact-unknown-weight", component + ": saved weight '" + name
                        + "' does not exist in the model; expected " + shapes.keySet());
            }
        }
        for (GraphBuild.Parameter p : build.parameters()) {
            if (!p.component().equals(component)) {
                continue;
            }
            String local = p.name().substring(component.length() + 1);
            float[] v = values.get(local);
            if (v == null) {
                throw new InfuseException("artifact-missing-weight", component + ": weight '" + local + "' is missing");
            }
            if (v.length != p.size()) {
                throw new InfuseException("artifact-shape-mismatch", component + ": weight '" + local + "' has "
                        + v.length + " values but the model needs shape " + java.util.Arrays.toString(p.shape()));
            }
            build.assign(session, p, v);
        }
    }

    @Override
    public void close() {
        session.close();
        build.close();
    }

    /** A parameter's description. */
    public record ParameterInfo(String name, String component, long[] shape, boolean trainable) {
        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final class Outputs implements ModelOutputs {
        private final ModelScope backboneScope;
        private final ModelScope mlmScope;
        private Operand<TFloat32> pooled;

        Outputs(ModelScope backboneScope, ModelScope mlmScope) {
            this.backboneScope = backboneScope;
            this.mlmScope = mlmScope;
        }

        @Override
        public Operand<TFloat32> sequence() {
            return sequence;
        }

        @Override
        public HiddenStates backboneStates() {
            return states;
        }

        @Override
        public Operand<TFloat32> mask() {
            return states.mask();
        }

        @Override
        public Operand<TFloat32> maskedLmLogits(Operand<TFloat32> hidden) {
            return backbone.maskedLmLogits(mlmScope, hidden);
        }

        @Override
        public Operand<TFloat32> pooled() {
            if (pooled == null) {
                pooled = backbone.pool(backboneScope, states);
            }
            return pooled;
        }

        @Override
        public BackboneSpec spec() {
            return backbone.spec();
        }
    }

    /** Builder; see {@link ComposedModel}. */
    public static final class Builder {
        private final Backbone backbone;
        private final List<KnowledgeAdapter> adapters = new ArrayList<>();
        private final Map<KnowledgeAdapter, Mode> modes = new LinkedHashMap<>();
        private Fusion fusion;
        private boolean fusionTrainable = true;
        private TaskHead head;
        private boolean headTrainable = true;
        private long seed = 42;
        private boolean forTraining;
        private boolean backboneDropout;
        private float backboneDropoutRate;
        private java.util.SortedSet<Integer> cachedTaps;
        private final java.util.Set<String> cachedSides = new java.util.HashSet<>();
        private boolean unfused;
        private final List<dev.infuse.spi.LayerPlugin> layerPlugins = new ArrayList<>();
        private final Map<dev.infuse.spi.LayerPlugin, Mode> layerModes = new LinkedHashMap<>();

        private Builder(Backbone backbone) {
            this.backbone = backbone;
        }

        public Builder adapter(KnowledgeAdapter adapter, Mode mode) {
            for (KnowledgeAdapter a : adapters) {
                if (a.name().equals(adapter.name())) {
                    throw new InfuseException("config-duplicate-adapter", "adapter '" + adapter.name()
                            + "' is composed twice; each adapter may appear once");
                }
            }
            adapters.add(adapter);
            modes.put(adapter, mode);
            return this;
        }

        /**
         * Adds an in-layer plug-in (component {@code layer.<name>}): trained with the head, or frozen
         * (a downstream model reloaded). Its targets are checked against the backbone's sites when the
         * model is built.
         */
        public Builder layerPlugin(dev.infuse.spi.LayerPlugin plugin, Mode mode) {
            for (dev.infuse.spi.LayerPlugin p : layerPlugins) {
                if (p.name().equals(plugin.name())) {
                    throw new InfuseException("config-duplicate-adapter", "in-layer plug-in '" + plugin.name()
                            + "' is composed twice; each plug-in may appear once");
                }
            }
            layerPlugins.add(plugin);
            layerModes.put(plugin, mode);
            return this;
        }

        public Builder fusion(Fusion fusion, boolean trainable) {
            this.fusion = fusion;
            this.fusionTrainable = trainable;
            return this;
        }

        public Builder head(TaskHead head, boolean trainable) {
            this.head = head;
            this.headTrainable = trainable;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Builds gradients, optimizer slots and dropout; otherwise an inference-only graph. */
        public Builder forTraining(boolean forTraining) {
            this.forTraining = forTraining;
            return this;
        }

        /**
         * Whether the frozen backbone applies its own dropout while training (off by default: the
         * backbone then computes the same hidden states in training and inference, which is what
         * makes activation caching exact). Map-tuning's authors train with it on.
         */
        public Builder backboneDropout(boolean on) {
            this.backboneDropout = on;
            this.backboneDropoutRate = 0f;
            return this;
        }

        /**
         * Like {@link #backboneDropout(boolean)} with every dropout point of the backbone at
         * {@code rate} (e.g. map-tuning's 0.25) instead of the backbone's configured rate; 0 turns
         * the backbone's dropout off.
         *
         * @throws IllegalArgumentException for a rate outside [0, 1)
         */
        public Builder backboneDropout(float rate) {
            if (!(rate >= 0f && rate < 1f)) {
                throw new IllegalArgumentException("backbone dropout rate " + rate + ": expected [0, 1)");
            }
            this.backboneDropout = rate > 0f;
            this.backboneDropoutRate = rate;
            return this;
        }

        /**
         * Reads the backbone's hidden states from batches instead of computing them: each batch
         * carries {@code tap_<i>} tensors from an {@link ActivationCache} (see
         * {@link CachedTrainingData}). Only side adapters can be composed this way; {@code taps}
         * must include the last layer.
         */
        public Builder cachedTaps(java.util.SortedSet<Integer> taps) {
            this.cachedTaps = new java.util.TreeSet<>(taps);
            return this;
        }

        /**
         * Reads these frozen side adapters' outputs from batches ({@code side_<name>} tensors of an
         * {@link ActivationCache}) instead of computing them; needs {@link #cachedTaps}.
         */
        public Builder cachedSides(java.util.Collection<String> adapterNames) {
            this.cachedSides.addAll(adapterNames);
            return this;
        }

        /** Allows side adapters without a fusion (for computing their outputs alone). */
        Builder unfused() {
            this.unfused = true;
            return this;
        }

        public ComposedModel build() {
            return new ComposedModel(this);
        }
    }
}
