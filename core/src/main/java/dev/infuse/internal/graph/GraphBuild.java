package dev.infuse.internal.graph;

import dev.infuse.nn.Initializers;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Initializer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * One composed graph under construction: owns every parameter (as a resource variable, with an
 * assign op fed from Java), every model input, and the {@code training} switch. Components build
 * into it through {@link GraphScope}s.
 */
public final class GraphBuild implements AutoCloseable {

    /** A parameter: its resource handle, its single read (gradients are taken w.r.t. it) and its assign. */
    public record Parameter(String name, String component, long[] shape, boolean trainable,
            Operand<? extends TType> handle, Operand<TFloat32> value, Placeholder<TFloat32> assignValue,
            org.tensorflow.op.Op assign, Initializer init) {

        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Graph graph;
    private final Ops tf;
    private final long seed;
    private final boolean dropoutEnabled;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Operand<TBfloat16>> bf16Reads = new LinkedHashMap<>();
    private final Map<String, Operand<TBfloat16>> bf16Copies = new LinkedHashMap<>();
    private final Map<String, Placeholder<?>> inputs = new LinkedHashMap<>();
    private final Operand<TBool> training;
    private long dropoutCounter;

    /**
     * @param seed run seed: parameter initialisation and dropout derive from it
     * @param dropoutEnabled false builds an inference-only graph where dropout is the identity and no
     *     gradient is taken ({@link dev.infuse.spi.ModelScope#differentiable()} is false everywhere)
     */
    public GraphBuild(long seed, boolean dropoutEnabled) {
        this.graph = new Graph();
        this.tf = Ops.create(graph);
        this.seed = seed;
        this.dropoutEnabled = dropoutEnabled;
        this.training = tf.withName("training").placeholderWithDefault(tf.constant(false), Shape.scalar());
    }

    public Graph graph() {
        return graph;
    }

    public Ops tf() {
        return tf;
    }

    public long seed() {
        return seed;
    }

    public Operand<TBool> training() {
        return training;
    }

    boolean dropoutEnabled() {
        return dropoutEnabled;
    }

    long nextDropoutSeed() {
        return ++dropoutCounter;
    }

    /** A scope for one component (e.g. {@code backbone}, {@code adapter.factual}, {@code head}). */
    public GraphScope component(String component, boolean trainable) {
        return component(component, trainable, true);
    }

    /**
     * @param dropout whether {@link GraphScope#dropout} is active in this component while training
     *     (a frozen backbone usually runs without, so that its outputs are deterministic and cacheable)
     */
    public GraphScope component(String component, boolean trainable, boolean dropout) {
        return component(component, trainable, dropout, 0f);
    }

    /**
     * As above, with every dropout point of the component at {@code rateOverride} instead of the
     * rate its code declares (0 keeps the declared rates).
     */
    public GraphScope component(String component, boolean trainable, boolean dropout, float rateOverride) {
        // An inference-only graph takes no gradient anywhere: every scope may build inference-only kernels.
        return new GraphScope(this, component, "", trainable, dropout, rateOverride, dropoutEnabled);
    }

    Operand<TFloat32> parameter(String component, String path, long[] shape, Initializer init, boolean trainable) {
        String full = component + "/" + path;
        Parameter existing = parameters.get(full);
        if (existing != null) {
            if (!java.util.Arrays.equals(existing.shape(), shape)) {
                throw new IllegalStateException("parameter " + full + " requested with shape "
                        + java.util.Arrays.toString(shape) + " but exists with " + java.util.Arrays.toString(existing.shape()));
            }
            return existing.value();
        }
        Initializers.size(shape);
        // TensorFlow Java scope names may not contain '/': one sub-scope per path segment.
        Ops vs = tf.withSubScope(safe(component));
        for (String part : path.split("/")) {
            vs = vs.withSubScope(safe(part));
        }
        VarHandleOp handle = vs.withName("var").varHandleOp(TFloat32.class, Shape.of(shape),
                VarHandleOp.sharedName(full));
        Operand<TFloat32> value = vs.withName("read").readVariableOp(handle, TFloat32.class);
        Placeholder<TFloat32> assignValue = vs.withName("assign_value").placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(shape)));
        var assign = vs.withName("assign").assignVariableOp(handle, assignValue);
        parameters.put(full, new Parameter(full, component, shape.clone(), trainable, handle, value, assignValue, assign, init));
        return value;
    }

    /**
     * A frozen parameter stored as a bfloat16 variable: assigned from fp32 values (rounded to nearest
     * even once, by the assign op), read in bfloat16. Its {@link Parameter#value()} is the fp32 cast of
     * that read, built but run only when someone fetches it (e.g. {@link #read}). If the parameter
     * already exists in fp32 and is frozen, it gets a bfloat16 copy instead, assigned with it (the fp32
     * variable stays for its fp32 users); if it is trainable, its fp32 value cast.
     */
    Operand<TBfloat16> parameterBf16(String component, String path, long[] shape, Initializer init) {
        String full = component + "/" + path;
        Operand<TBfloat16> low = bf16Reads.get(full);
        if (low == null) {
            low = bf16Copies.get(full);
        }
        if (low != null) {
            return low;
        }
        Ops vs = tf.withSubScope(safe(component));
        for (String part : path.split("/")) {
            vs = vs.withSubScope(safe(part));
        }
        Parameter existing = parameters.get(full);
        if (existing != null) {
            Operand<TFloat32> fp32 = parameter(component, path, shape, init, existing.trainable());
            if (existing.trainable()) {
                // Trained parameters stay fp32: cast on each use.
                return tf.dtypes.cast(fp32, TBfloat16.class);
            }
            // A frozen fp32 parameter also asked for in bf16 (BERT's word embeddings: fp32 for the input
            // lookup, bf16 for the tied masked-LM output product): a bf16 copy held once, assigned
            // together with the fp32 variable, so nothing is cast per step.
            VarHandleOp copy = vs.withName("var_bf16").varHandleOp(TBfloat16.class, Shape.of(shape),
                    VarHandleOp.sharedName(full + "/bf16"));
            Operand<TBfloat16> read = vs.withName("read_bf16").readVariableOp(copy, TBfloat16.class);
            var assignCopy = vs.withName("assign_bf16").assignVariableOp(copy,
                    vs.dtypes.cast(existing.assignValue(), TBfloat16.class));
            var both = vs.withName("assign_both").withControlDependencies(List.<org.tensorflow.op.Op>of(existing.assign(), assignCopy)).noOp();
            parameters.put(full, new Parameter(full, component, existing.shape(), false, existing.handle(), existing.value(),
                    existing.assignValue(), both, existing.init()));
            bf16Copies.put(full, read);
            return read;
        }
        Initializers.size(shape);
        VarHandleOp handle = vs.withName("var").varHandleOp(TBfloat16.class, Shape.of(shape),
                VarHandleOp.sharedName(full));
        Operand<TBfloat16> read = vs.withName("read").readVariableOp(handle, TBfloat16.class);
        Operand<TFloat32> value = vs.withName("read_fp32").dtypes.cast(read, TFloat32.class);
        Placeholder<TFloat32> assignValue = vs.withName("assign_value").placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(shape)));
        var assign = vs.withName("assign").assignVariableOp(handle, vs.dtypes.cast(assignValue, TBfloat16.class));
        parameters.put(full, new Parameter(full, component, shape.clone(), false, handle, value, assignValue, assign, init));
        bf16Reads.put(full, read);
        return read;
    }

    /** Whether a parameter is held in bfloat16 (see {@link #parameterBf16}). */
    public boolean isBf16(Parameter p) {
        return bf16Reads.containsKey(p.name());
    }

    /**
     * Whether a frozen fp32 parameter also has a bfloat16 copy (see {@link #parameterBf16}); it is
     * still listed, counted, read and assigned as the one fp32 parameter.
     */
    public boolean hasBf16Copy(Parameter p) {
        return bf16Copies.containsKey(p.name());
    }

    @SuppressWarnings("unchecked")
    <T extends TType> Operand<T> input(String name, Class<T> type, long[] shape) {
        Placeholder<?> p = inputs.get(name);
        if (p != null) {
            if (!p.asOutput().type().equals(type)) {
                throw new InfuseException("plugin-input-conflict", "model input '" + name + "' was declared as "
                        + p.asOutput().type().getSimpleName() + " and again as " + type.getSimpleName());
            }
            return (Operand<T>) p;
        }
        Placeholder<T> created = tf.withSubScope("input").withName(safe(name)).placeholder(type, Placeholder.shape(Shape.of(shape)));
        inputs.put(name, created);
        return created;
    }

    /** All parameters, in creation order. */
    public List<Parameter> parameters() {
        return Collections.unmodifiableList(new ArrayList<>(parameters.values()));
    }

    public Parameter parameter(String fullName) {
        return parameters.get(fullName);
    }

    /** Model inputs by name. */
    public Map<String, Placeholder<?>> inputs() {
        return Collections.unmodifiableMap(inputs);
    }

    /** Assigns every parameter its initial value (seeded per parameter name). */
    public void initialize(Session session) {
        for (Parameter p : parameters.values()) {
            float[] values = p.init().values(p.shape(), random(p.name()));
            assign(session, p, values);
        }
    }

    /** Sets one parameter's value. */
    public void assign(Session session, Parameter p, float[] values) {
        if (values.length != p.size()) {
            throw new IllegalArgumentException(p.name() + ": " + values.length + " values for shape "
                    + java.util.Arrays.toString(p.shape()));
        }
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(p.shape()), DataBuffers.of(values, true, false))) {
            session.runner().feed(p.assignValue(), t).addTarget(p.assign()).run().close();
        }
    }

    /** Reads one parameter's current value. */
    public float[] read(Session session, Parameter p) {
        try (var result = session.runner().fetch(p.value()).run()) {
            TFloat32 t = (TFloat32) result.get(0);
            float[] out = new float[(int) p.size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }

    SplittableRandom random(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001b3L;
        }
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ h);
    }

    /** One valid TensorFlow name segment ({@code [A-Za-z0-9.][A-Za-z0-9_.-]*}) for a scope or op name. */
    static String safe(String name) {
        if (name.isEmpty()) {
            return "root";
        }
        String s = name.replaceAll("[^A-Za-z0-9_.-]", "_");
        return Character.isLetterOrDigit(s.charAt(0)) || s.charAt(0) == '.' ? s : "x" + s;
    }

    @Override
    public void close() {
        graph.close();
    }
}
