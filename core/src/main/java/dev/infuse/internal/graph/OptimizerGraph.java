package dev.infuse.internal.graph;

import dev.infuse.spi.InfuseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Gradients of a loss with respect to the trainable parameters only, global-norm clipping and
 * Adam ({@code ResourceApplyAdam}, one fused kernel per parameter). Learning rate, clip norm and
 * Adam's bias-correction powers are fed per step, so schedules live in Java.
 */
public final class OptimizerGraph {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final GraphBuild build;
    private final Operand<TFloat32> loss;
    private final Operand<TFloat32> globalNorm;
    private final Placeholder<TFloat32> learningRate;
    private final Placeholder<TFloat32> clipNorm;
    private final Placeholder<TFloat32> beta1Power;
    private final Placeholder<TFloat32> beta2Power;
    private final List<Op> updates = new ArrayList<>();
    private final List<Op> slotInits = new ArrayList<>();
    private final List<Slot> slots = new ArrayList<>();
    private long step;

    public OptimizerGraph(GraphBuild build, Operand<TFloat32> loss) {
        this.build = build;
        this.loss = loss;
        List<GraphBuild.Parameter> trainable = build.parameters().stream().filter(GraphBuild.Parameter::trainable).toList();
        if (trainable.isEmpty()) {
            throw new InfuseException("config-nothing-to-train", "the model has no trainable parameters");
        }
        Ops tf = build.tf().withSubScope("optimizer");
        Output<?>[] xs = trainable.stream().map(p -> p.value().asOutput()).toArray(Output<?>[]::new);
        Output<?>[] grads = build.graph().addGradients(loss.asOutput(), xs);
        List<Operand<TFloat32>> gs = new ArrayList<>();
        Operand<TFloat32> sumSquares = tf.constant(0f);
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) {
                throw new InfuseException("plugin-disconnected-parameter", "trainable parameter '"
                        + trainable.get(i).name() + "' does not influence the loss");
            }
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) grads[i];
            gs.add(g);
            sumSquares = tf.math.add(sumSquares, tf.reduceSum(tf.math.mul(g, g), allAxes(tf, g)));
        }
        this.globalNorm = tf.math.sqrt(sumSquares);
        this.learningRate = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        this.clipNorm = tf.withName("clip_norm").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        this.beta1Power = tf.withName("beta1_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        this.beta2Power = tf.withName("beta2_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Operand<TFloat32> scale = tf.math.div(clipNorm, tf.math.maximum(globalNorm, clipNorm));
        for (int i = 0; i < trainable.size(); i++) {
            GraphBuild.Parameter p = trainable.get(i);
            Ops s = tf.withSubScope("slot" + i);
            VarHandleOp m = s.withName("m").varHandleOp(TFloat32.class, Shape.of(p.shape()),
                    VarHandleOp.sharedName("optimizer/m/" + p.name()));
            VarHandleOp v = s.withName("v").varHandleOp(TFloat32.class, Shape.of(p.shape()),
                    VarHandleOp.sharedName("optimizer/v/" + p.name()));
            var zeros = s.zeros(s.constant(p.shape()), TFloat32.class);
            slotInits.add(s.assignVariableOp(m, zeros));
            slotInits.add(s.assignVariableOp(v, zeros));
            slots.add(slot(s.withSubScope("m_io"), "m/" + p.name(), m, p.shape()));
            slots.add(slot(s.withSubScope("v_io"), "v/" + p.name(), v, p.shape()));
            updates.add(s.train.resourceApplyAdam(p.handle(), m, v, beta1Power, beta2Power, learningRate,
                    s.constant(BETA1), s.constant(BETA2), s.constant(EPSILON), s.math.mul(gs.get(i), scale)));
        }
    }

    /** One Adam moment variable with ops to read it and to set it from a fed value. */
    private record Slot(String key, long[] shape, Operand<TFloat32> read, Placeholder<TFloat32> value, Op assign) {}

    private static Slot slot(Ops s, String key, VarHandleOp handle, long[] shape) {
        Placeholder<TFloat32> value = s.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
        return new Slot(key, shape, s.readVariableOp(handle, TFloat32.class), value, s.assignVariableOp(handle, value));
    }

    /** Number of updates applied so far (drives Adam's bias correction). */
    public long stepCount() {
        return step;
    }

    /** Adam's moment estimates, keyed {@code m/<parameter>} and {@code v/<parameter>}. */
    public Map<String, float[]> slotValues(Session session) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Slot slot : slots) {
            try (Result r = session.runner().fetch(slot.read()).run()) {
                TFloat32 t = (TFloat32) r.get(0);
                float[] values = new float[(int) t.shape().size()];
                t.asRawTensor().data().asFloats().read(values);
                out.put(slot.key(), values);
            }
        }
        return out;
    }

    /**
     * Restores Adam's state saved by {@link #slotValues} and {@link #stepCount}.
     *
     * @throws InfuseException {@code artifact-missing-weight} or {@code artifact-shape-mismatch} naming the slot
     */
    public void restore(Session session, Map<String, float[]> values, long stepCount) {
        for (Slot slot : slots) {
            float[] v = values.get(slot.key());
            if (v == null) {
                throw new InfuseException("artifact-missing-weight", "optimizer state '" + slot.key() + "' is missing");
            }
            long size = 1;
            for (long d : slot.shape()) {
                size *= d;
            }
            if (v.length != size) {
                throw new InfuseException("artifact-shape-mismatch", "optimizer state '" + slot.key() + "' has " + v.length
                        + " values but the parameter has shape " + java.util.Arrays.toString(slot.shape()));
            }
            try (TFloat32 t = TFloat32.tensorOf(Shape.of(slot.shape()), DataBuffers.of(v, true, false))) {
                session.runner().feed(slot.value(), t).addTarget(slot.assign()).run().close();
            }
        }
        this.step = stepCount;
    }

    private static Operand<org.tensorflow.types.TInt32> allAxes(Ops tf, Operand<TFloat32> g) {
        return tf.range(tf.constant(0), tf.rank(g), tf.constant(1));
    }

    /** Zeroes Adam's moment estimates and the step count. */
    public void initialize(Session session) {
        Session.Runner r = session.runner();
        slotInits.forEach(r::addTarget);
        r.run().close();
        step = 0;
    }

    /**
     * Runs one update with the inputs already fed into {@code runner}.
     *
     * @return {@code {loss, gradient norm before clipping}}
     */
    public double[] step(Session.Runner runner, double lr, double clip) {
        step++;
        try (TFloat32 lrT = TFloat32.scalarOf((float) lr);
                TFloat32 clipT = TFloat32.scalarOf(clip > 0 ? (float) clip : Float.MAX_VALUE);
                TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(BETA1, step));
                TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(BETA2, step));
                TBool on = TBool.scalarOf(true)) {
            runner.feed(learningRate, lrT).feed(clipNorm, clipT).feed(beta1Power, b1).feed(beta2Power, b2)
                    .feed(build.training(), on).fetch(loss).fetch(globalNorm);
            updates.forEach(runner::addTarget);
            boolean trace = step == Long.getLong("infuse.traceStep", -1L);
            if (trace) {
                runner.setOptions(org.tensorflow.proto.RunOptions.newBuilder()
                        .setTraceLevel(org.tensorflow.proto.RunOptions.TraceLevel.FULL_TRACE).build());
            }
            try (Result r = trace ? runner.runAndFetchMetadata() : runner.run()) {
                if (trace) {
                    r.getMetadata().ifPresent(StepProfile::log);
                }
                return new double[] {((TFloat32) r.get(0)).getFloat(), ((TFloat32) r.get(1)).getFloat()};
            }
        }
    }
}
