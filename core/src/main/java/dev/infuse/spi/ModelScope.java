package dev.infuse.spi;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Where a plugin builds its part of the composed TensorFlow graph.
 *
 * <p>All plugins of one model build into a single graph (backbone, adapters, fusion, head), so
 * gradients can flow from a head's loss through the frozen backbone into, say, injected input
 * embeddings. Each component gets its own scope; a scope is either <em>trainable</em> (adapters,
 * fusions and heads being trained) or <em>frozen</em> (the backbone; an adapter used downstream; a
 * same-shape control left at its random initialisation). Parameters created in a frozen scope never
 * receive updates; the runtime does not even compute gradients for them.
 *
 * <p>Parameters are resource variables owned by the runtime: it initialises them, feeds saved
 * values back, saves them to {@code adapter.safetensors} under their {@linkplain #path() path}
 * ({@code layer_0/down/kernel}, relative to the component), and counts them for reports.
 */
public interface ModelScope {

    /** Ops bound to the composed graph, under this scope's name. */
    Ops tf();

    /** A nested scope; parameter and op names get {@code name/} as prefix. */
    ModelScope child(String name);

    /**
     * A nested scope whose parameters are never trained, even inside a trainable component: for data
     * a plugin carries with it (e.g. a table of pre-computed knowledge-graph embeddings). They are
     * saved and loaded with the component's other weights.
     */
    ModelScope frozenChild(String name);

    /** This scope's path relative to its component, e.g. {@code layer_0/down}; empty at the top. */
    String path();

    /** Whether parameters created here are trained. */
    boolean trainable();

    /**
     * Whether gradients may be taken through the ops built here (SPI 1.3). The runtime answers
     * {@code false} for a frozen backbone that no trained part precedes — an inference graph, or a
     * training graph whose trained parts (heads, fusions, side adapters) only read its outputs: no
     * trainable input-side adapter, no in-layer plug-in. A backbone may then use inference-only
     * kernels (fused ops without registered gradients) that compute the same function; where this is
     * {@code true} (the default, always safe) every op must have a gradient.
     */
    default boolean differentiable() {
        return true;
    }

    /**
     * Creates a float parameter, or returns the same one if this scope already created one with
     * this name (so a backbone may look up its word embeddings for input and for its tied MLM
     * output).
     *
     * @param name a simple name ({@code kernel}, {@code bias}); no slashes
     * @param shape dimensions
     * @param init initial value, used unless saved weights are loaded afterwards
     * @return the parameter's value inside the graph; differentiate with respect to it freely
     */
    Operand<TFloat32> parameter(String name, long[] shape, Initializer init);

    /**
     * A parameter held in bfloat16, for a frozen backbone running in {@link Precision#BF16}: in a
     * frozen scope the runtime keeps only the bfloat16 variable (half the memory; the {@code init}
     * values are rounded once when assigned); in a trainable scope it is the fp32 parameter cast on
     * each use, since everything trained stays fp32. A request for the same name in the other format
     * gets the same parameter: a frozen fp32 parameter asked for in bf16 gets a bfloat16 copy, held
     * once and assigned with it (e.g. BERT's word embeddings, looked up in fp32 and multiplied in
     * bf16 by the tied masked-LM output); a bf16 parameter asked for in fp32 is cast.
     */
    default Operand<TBfloat16> parameterBf16(String name, long[] shape, Initializer init) {
        return tf().dtypes.cast(parameter(name, shape, init), TBfloat16.class);
    }

    /**
     * A per-batch input of the model, created the first time any component asks for it. The
     * component that fills batches must provide a tensor under the same name.
     *
     * @param name feature name, e.g. {@code labels} or {@code entity_index}
     * @param type element type, e.g. {@code TInt32.class}
     * @param shape dimensions, {@code -1} for the unknown ones (batch, sequence length)
     */
    <T extends TType> Operand<T> input(String name, Class<T> type, long... shape);

    /** A scalar that is {@code true} while training (dropout on) and {@code false} otherwise. */
    Operand<TBool> training();

    /** Inverted dropout with the given drop rate while {@link #training()}; identity otherwise. */
    Operand<TFloat32> dropout(Operand<TFloat32> x, float rate);

    /** The names of every parameter created under this scope so far, with full paths. */
    List<String> parameterNames();
}
