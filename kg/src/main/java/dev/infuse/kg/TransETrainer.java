package dev.infuse.kg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.SafeTensors;
import dev.infuse.api.TensorData;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import me.tongfei.progressbar.ProgressBar;
import org.tensorflow.Graph;
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
import org.tensorflow.op.core.Sum;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains TransE (Bordes et al. 2013) in a TensorFlow graph.
 *
 * <p>Parameters are resource variables; the loss is taken through {@code GatherV2} lookups of their
 * reads, so gradients are dense [entities, d] tables applied with {@code ResourceApplyAdam} or
 * {@code ResourceApplyGradientDescent}. With {@link TransEConfig#normalizeEntities()} every step
 * first rescales all entity vectors to unit L2 norm (a control dependency inside the same run).
 * Negatives are sampled in Java: each positive gets {@code negatives} corruptions of its head or
 * tail by a uniformly drawn entity ("uniform" or "bern" choice of side).
 *
 * <p>Randomness: the initial values come from {@code SplittableRandom(seed)}; epoch e shuffles and
 * samples with its own generator derived from (seed, e). A resumed run therefore draws exactly what
 * an uninterrupted run would, without storing generator state.
 *
 * <p>Checkpoints ({@link #checkpoints}): {@code checkpoint.safetensors} in the folder holds the
 * embeddings, Adam's moments, the step and epoch and the configuration, written atomically every
 * N epochs and at the end. A later run with the same folder continues from it; a different
 * configuration (any key but {@code epochs}) or different data is refused with
 * {@code config-mismatch}. A non-finite loss stops training with {@code train-non-finite-loss} and
 * leaves the last checkpoint untouched.
 */
public final class TransETrainer {
    /** Checkpoint file name inside the checkpoint folder. */
    public static final String CHECKPOINT = "checkpoint.safetensors";
    private static final String FORMAT = "infuse-transe-checkpoint";
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Called after every epoch; {@code embeddings} fetches the current values on demand. */
    @FunctionalInterface
    public interface EpochListener {
        void epochDone(int epoch, double meanLoss, double triplesPerSecond, java.util.function.Supplier<TransEModel> embeddings);
    }

    private final TransEConfig config;
    private Path checkpointFolder;
    private int checkpointEvery;
    private boolean progress = true;
    private int threads;
    private EpochListener listener;
    private int startEpoch;

    /** A trainer for {@code config}. */
    public TransETrainer(TransEConfig config) {
        this.config = Objects.requireNonNull(config);
    }

    /** Checkpoints into {@code folder} every {@code every} epochs (0 = only at the end), resuming from it when present. */
    public TransETrainer checkpoints(Path folder, int every) {
        this.checkpointFolder = folder;
        this.checkpointEvery = every;
        return this;
    }

    /** Shows a console progress bar (default true). */
    public TransETrainer progress(boolean show) {
        this.progress = show;
        return this;
    }

    /** TensorFlow intra- and inter-op threads; 0 (default) lets TensorFlow decide, 1 is reproducible to the bit. */
    public TransETrainer threads(int n) {
        this.threads = n;
        return this;
    }

    /** Receives a callback after each epoch (e.g. to evaluate on validation triples). */
    public TransETrainer onEpoch(EpochListener l) {
        this.listener = l;
        return this;
    }

    /** The epoch training (re)started from in the last {@link #train} call: 0, or the checkpoint's epoch. */
    public int startEpoch() {
        return startEpoch;
    }

    /** Trains on {@code graph.train()} and returns the embeddings (entities unit-normalised when configured). */
    public TransEModel train(KnowledgeGraph graph) {
        int n = graph.entities().size();
        int nr = graph.relations().size();
        int d = config.dimension();
        if (n == 0 || nr == 0 || graph.train().size() == 0) {
            throw new InfuseException("data-empty", "the training split has no triples");
        }
        Map<String, Object> identity = identity(graph);
        try (Graph g = new Graph()) {
            Model m = new Model(g, n, nr, d);
            ConfigProto.Builder cp = ConfigProto.newBuilder();
            if (threads > 0) {
                cp.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads);
            }
            try (Session s = new Session(g, cp.build())) {
                long step = 0;
                startEpoch = 0;
                Map<String, float[]> state = checkpointFolder == null ? null : readCheckpoint(identity, n, nr, d);
                if (state == null) {
                    state = initialState(n, nr, d);
                } else {
                    startEpoch = (int) state.remove("#epoch")[0];
                    step = (long) state.remove("#step")[0];
                }
                m.assign(s, state);
                double[] headProbability = headProbabilities(graph.train(), nr);
                Triples train = graph.train();
                long total = (long) Math.max(0, config.epochs() - startEpoch) * train.size();
                try (ProgressBar bar = progress && total > 0 ? dev.infuse.api.Progress.bar("TransE", total, " triples") : null) {
                    for (int epoch = startEpoch + 1; epoch <= config.epochs(); epoch++) {
                        long t0 = System.nanoTime();
                        SplittableRandom rng = new SplittableRandom(mix(config.seed(), epoch));
                        int[] order = permutation(train.size(), rng);
                        double lossSum = 0;
                        for (int from = 0; from < order.length; from += config.batchSize()) {
                            int b = Math.min(config.batchSize(), order.length - from);
                            float loss = m.step(s, train, order, from, b, rng, headProbability, ++step);
                            if (!Float.isFinite(loss)) {
                                throw new InfuseException("train-non-finite-loss", "TransE loss became " + loss + " at epoch "
                                        + epoch + ", step " + step + " (learning rate " + config.learningRate()
                                        + "); the last checkpoint was kept. Lower the learning rate or the margin.");
                            }
                            lossSum += (double) loss * b;
                            if (bar != null) {
                                bar.stepBy(b);
                                bar.setExtraMessage(String.format(Locale.ROOT, " epoch %d/%d loss %.4f", epoch, config.epochs(),
                                        lossSum / (from + b)));
                            }
                        }
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        boolean last = epoch == config.epochs();
                        if (checkpointFolder != null && (last || (checkpointEvery > 0 && epoch % checkpointEvery == 0))) {
                            writeCheckpoint(m.fetch(s), identity, epoch, step);
                        }
                        if (listener != null) {
                            listener.epochDone(epoch, lossSum / train.size(), train.size() / seconds,
                                    () -> model(graph, m.fetch(s)));
                        }
                    }
                }
                return model(graph, m.fetch(s));
            }
        }
    }

    private TransEModel model(KnowledgeGraph graph, Map<String, float[]> values) {
        float[] ent = values.get("entities").clone();
        if (config.normalizeEntities()) {
            normalizeRows(ent, config.dimension());
        }
        return new TransEModel(config, graph.entities(), graph.relations(), ent, values.get("relations").clone());
    }

    /** The configuration and data facts a checkpoint must match to be resumed (everything but epochs). */
    private Map<String, Object> identity(KnowledgeGraph graph) {
        Map<String, Object> m = new LinkedHashMap<>(config.toMap());
        m.remove("epochs");
        m.put("data.entities", graph.entities().size());
        m.put("data.relations", graph.relations().size());
        m.put("data.train-triples", graph.train().size());
        long h = 1469598103934665603L;
        Triples t = graph.train();
        for (int i = 0; i < t.size(); i++) {
            h = (h ^ Triples.key(t.heads()[i], t.relations()[i], t.tails()[i])) * 1099511628211L;
        }
        m.put("data.train-hash", Long.toHexString(h));
        return m;
    }

    private Map<String, float[]> initialState(int n, int nr, int d) {
        SplittableRandom rng = new SplittableRandom(config.seed());
        double bound = 6.0 / Math.sqrt(d);
        float[] ent = new float[n * d];
        float[] rel = new float[nr * d];
        for (int i = 0; i < ent.length; i++) {
            ent[i] = (float) rng.nextDouble(-bound, bound);
        }
        for (int i = 0; i < rel.length; i++) {
            rel[i] = (float) rng.nextDouble(-bound, bound);
        }
        normalizeRows(rel, d);
        Map<String, float[]> s = new HashMap<>();
        s.put("entities", ent);
        s.put("relations", rel);
        if (config.optimizer().equals("adam")) {
            s.put("adam_m_entities", new float[n * d]);
            s.put("adam_v_entities", new float[n * d]);
            s.put("adam_m_relations", new float[nr * d]);
            s.put("adam_v_relations", new float[nr * d]);
        }
        return s;
    }

    private static void normalizeRows(float[] a, int d) {
        for (int r = 0; r < a.length / d; r++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += (double) a[r * d + j] * a[r * d + j];
            }
            float inv = (float) (1.0 / Math.sqrt(Math.max(s, 1e-24)));
            for (int j = 0; j < d; j++) {
                a[r * d + j] *= inv;
            }
        }
    }

    /** Per relation, the probability of corrupting the head: tph / (tph + hpt) for "bern", ½ otherwise. */
    private double[] headProbabilities(Triples t, int nr) {
        double[] p = new double[nr];
        java.util.Arrays.fill(p, 0.5);
        if (!config.sampling().equals("bern")) {
            return p;
        }
        int n = 0;
        for (int h : t.heads()) {
            n = Math.max(n, h + 1);
        }
        for (int x : t.tails()) {
            n = Math.max(n, x + 1);
        }
        Map<Long, Integer> perHead = new HashMap<>();
        Map<Long, Integer> perTail = new HashMap<>();
        long[] triples = new long[nr];
        for (int i = 0; i < t.size(); i++) {
            int r = t.relations()[i];
            perHead.merge((long) r * n + t.heads()[i], 1, Integer::sum);
            perTail.merge((long) r * n + t.tails()[i], 1, Integer::sum);
            triples[r]++;
        }
        long[] heads = new long[nr];
        long[] tails = new long[nr];
        for (Long k : perHead.keySet()) {
            heads[(int) (k / n)]++;
        }
        for (Long k : perTail.keySet()) {
            tails[(int) (k / n)]++;
        }
        for (int r = 0; r < nr; r++) {
            if (heads[r] > 0 && tails[r] > 0) {
                double tph = (double) triples[r] / heads[r];
                double hpt = (double) triples[r] / tails[r];
                p[r] = tph / (tph + hpt);
            }
        }
        return p;
    }

    private static long mix(long seed, long epoch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int x = p[i];
            p[i] = p[j];
            p[j] = x;
        }
        return p;
    }

    // ---- checkpoints -------------------------------------------------------------------------

    private Map<String, float[]> readCheckpoint(Map<String, Object> identity, int n, int nr, int d) {
        Path file = checkpointFolder.resolve(CHECKPOINT);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        SafeTensorFile f = SafeTensors.read(file);
        Map<String, String> meta = f.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new InfuseException("artifact-corrupt", file + ": format is '" + meta.get("format") + "', expected " + FORMAT);
        }
        Map<String, Object> stored;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = JSON.readValue(meta.get("identity"), LinkedHashMap.class);
            stored = s;
        } catch (IOException | IllegalArgumentException e) {
            throw new InfuseException("artifact-corrupt", file + ": metadata 'identity' is not a JSON object");
        }
        Map<String, Object> now = normalized(identity);
        stored = normalized(stored);
        if (!stored.equals(now)) {
            List<String> diffs = new ArrayList<>();
            java.util.Set<String> keys = new java.util.TreeSet<>(stored.keySet());
            keys.addAll(now.keySet());
            for (String k : keys) {
                if (!Objects.equals(stored.get(k), now.get(k))) {
                    diffs.add(k + ": checkpoint has " + stored.get(k) + ", this run has " + now.get(k));
                }
            }
            throw new InfuseException("config-mismatch", file + " was written by a different TransE run ("
                    + String.join("; ", diffs) + "). Use the same configuration and data, or another checkpoint folder.");
        }
        Map<String, float[]> state = new HashMap<>();
        for (String name : initialStateNames()) {
            TensorData t = f.tensors().get(name);
            long rows = name.endsWith("entities") ? n : nr;
            if (t == null || t.rank() != 2 || t.shape()[0] != rows || t.shape()[1] != d) {
                throw new InfuseException("artifact-corrupt", file + ": tensor '" + name + "' missing or not of shape ["
                        + rows + ", " + d + "]");
            }
            state.put(name, t.floats());
        }
        try {
            state.put("#epoch", new float[] {Integer.parseInt(meta.get("epoch"))});
            state.put("#step", new float[] {Long.parseLong(meta.get("step"))});
        } catch (NumberFormatException e) {
            throw new InfuseException("artifact-corrupt", file + ": metadata 'epoch'/'step' are not integers");
        }
        return state;
    }

    /** JSON round trips turn longs into ints and floats into doubles; compare on strings. */
    private static Map<String, Object> normalized(Map<String, Object> m) {
        Map<String, Object> out = new java.util.TreeMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    private List<String> initialStateNames() {
        List<String> names = new ArrayList<>(List.of("entities", "relations"));
        if (config.optimizer().equals("adam")) {
            names.addAll(List.of("adam_m_entities", "adam_v_entities", "adam_m_relations", "adam_v_relations"));
        }
        return names;
    }

    private void writeCheckpoint(Map<String, float[]> values, Map<String, Object> identity, int epoch, long step) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        int d = config.dimension();
        for (String name : initialStateNames()) {
            float[] v = values.get(name);
            tensors.put(name, TensorData.f32(v, v.length / d, d));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", "1");
        meta.put("epoch", Integer.toString(epoch));
        meta.put("step", Long.toString(step));
        meta.put("rng", "epoch e draws from SplittableRandom(mix(seed, e)); nothing else to restore");
        try {
            meta.put("identity", JSON.writeValueAsString(identity));
            meta.put("config", JSON.writeValueAsString(config.toMap()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        SafeTensors.write(checkpointFolder.resolve(CHECKPOINT), tensors, meta);
    }

    // ---- graph -------------------------------------------------------------------------------

    /** The TensorFlow graph: variables, their assign/read ops, the loss and the update. */
    private final class Model {
        private final int d;
        private final Map<String, VarHandleOp> vars = new LinkedHashMap<>();
        private final Map<String, Placeholder<TFloat32>> assignIn = new LinkedHashMap<>();
        private final Map<String, Op> assignOps = new LinkedHashMap<>();
        private final Map<String, Operand<TFloat32>> peeks = new LinkedHashMap<>();
        private final Placeholder<TInt32> ph;
        private final Placeholder<TInt32> pr;
        private final Placeholder<TInt32> pt;
        private final Placeholder<TInt32> nh;
        private final Placeholder<TInt32> nt;
        private final Placeholder<TFloat32> lr;
        private final Placeholder<TFloat32> b1Power;
        private final Placeholder<TFloat32> b2Power;
        private final Operand<TFloat32> loss;
        private final List<Op> updates = new ArrayList<>();

        Model(Graph g, int n, int nr, int d) {
            this.d = d;
            Ops tf = Ops.create(g);
            for (String name : initialStateNames()) {
                long rows = name.endsWith("entities") ? n : nr;
                // an explicit shared name: without it the runtime can resolve two handles to one resource
                VarHandleOp v = tf.withName(name).varHandleOp(TFloat32.class, Shape.of(rows, d),
                        VarHandleOp.sharedName("transe/" + name));
                Placeholder<TFloat32> in = tf.withName(name + "_in").placeholder(TFloat32.class,
                        Placeholder.shape(Shape.of(rows, d)));
                vars.put(name, v);
                assignIn.put(name, in);
                assignOps.put(name, tf.assignVariableOp(v, in));
                peeks.put(name, tf.readVariableOp(v, TFloat32.class));
            }
            VarHandleOp entH = vars.get("entities");
            VarHandleOp relH = vars.get("relations");
            Ops reading = tf;
            if (config.normalizeEntities()) {
                Operand<TFloat32> raw = tf.readVariableOp(entH, TFloat32.class);
                Operand<TFloat32> sq = tf.sum(tf.math.square(raw), tf.constant(1), Sum.keepDims(true));
                Operand<TFloat32> unit = tf.math.div(raw, tf.math.sqrt(tf.math.maximum(sq, tf.constant(1e-24f))));
                Op renorm = tf.assignVariableOp(entH, unit);
                reading = tf.withControlDependencies(List.of(renorm));
            }
            Operand<TFloat32> ent = reading.readVariableOp(entH, TFloat32.class);
            Operand<TFloat32> rel = tf.readVariableOp(relH, TFloat32.class);
            ph = tf.withName("pos_h").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            pr = tf.withName("pos_r").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            pt = tf.withName("pos_t").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            nh = tf.withName("neg_h").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            nt = tf.withName("neg_t").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            Operand<TInt32> axis0 = tf.constant(0);
            Operand<TFloat32> hp = tf.gather(ent, ph, axis0);
            Operand<TFloat32> rp = tf.gather(rel, pr, axis0);
            Operand<TFloat32> tp = tf.gather(ent, pt, axis0);
            Operand<TFloat32> dPos = distance(tf, tf.math.sub(tf.math.add(hp, rp), tp), 1); // [B]
            Operand<TInt32> negShape = tf.constant(new int[] {-1, config.negatives(), d});
            Operand<TFloat32> hn = tf.reshape(tf.gather(ent, nh, axis0), negShape);
            Operand<TFloat32> tn = tf.reshape(tf.gather(ent, nt, axis0), negShape);
            Operand<TFloat32> rn = tf.expandDims(rp, tf.constant(1));
            Operand<TFloat32> dNeg = distance(tf, tf.math.sub(tf.math.add(hn, rn), tn), 2); // [B, k]
            Operand<TFloat32> margins = tf.nn.relu(tf.math.sub(
                    tf.math.add(tf.constant((float) config.margin()), tf.expandDims(dPos, tf.constant(1))), dNeg));
            loss = tf.math.mean(margins, tf.constant(new int[] {0, 1}));
            Output<?>[] grads = g.addGradients(loss.asOutput(), new Output<?>[] {ent.asOutput(), rel.asOutput()});
            @SuppressWarnings("unchecked")
            Operand<TFloat32> gEnt = (Operand<TFloat32>) grads[0];
            @SuppressWarnings("unchecked")
            Operand<TFloat32> gRel = (Operand<TFloat32>) grads[1];
            lr = tf.withName("lr").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            b1Power = tf.withName("beta1_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            b2Power = tf.withName("beta2_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            if (config.optimizer().equals("adam")) {
                updates.add(tf.train.resourceApplyAdam(entH, vars.get("adam_m_entities"), vars.get("adam_v_entities"),
                        b1Power, b2Power, lr, tf.constant(BETA1), tf.constant(BETA2), tf.constant(EPSILON), gEnt));
                updates.add(tf.train.resourceApplyAdam(relH, vars.get("adam_m_relations"), vars.get("adam_v_relations"),
                        b1Power, b2Power, lr, tf.constant(BETA1), tf.constant(BETA2), tf.constant(EPSILON), gRel));
            } else {
                updates.add(tf.train.resourceApplyGradientDescent(entH, lr, gEnt));
                updates.add(tf.train.resourceApplyGradientDescent(relH, lr, gRel));
            }
        }

        private Operand<TFloat32> distance(Ops tf, Operand<TFloat32> diff, int axis) {
            if (config.norm() == 1) {
                return tf.sum(tf.math.abs(diff), tf.constant(axis));
            }
            // epsilon keeps the gradient of sqrt finite at zero distance
            return tf.math.sqrt(tf.math.add(tf.sum(tf.math.square(diff), tf.constant(axis)), tf.constant(1e-9f)));
        }

        void assign(Session s, Map<String, float[]> values) {
            Session.Runner r = s.runner();
            List<TFloat32> open = new ArrayList<>();
            try {
                for (String name : initialStateNames()) {
                    float[] v = values.get(name);
                    TFloat32 t = TFloat32.tensorOf(Shape.of(v.length / d, d), DataBuffers.of(v, true, false));
                    open.add(t);
                    r.feed(assignIn.get(name), t).addTarget(assignOps.get(name));
                }
                r.run().close();
            } finally {
                open.forEach(TFloat32::close);
            }
        }

        Map<String, float[]> fetch(Session s) {
            Session.Runner r = s.runner();
            List<String> names = initialStateNames();
            names.forEach(nm -> r.fetch(peeks.get(nm)));
            Map<String, float[]> out = new HashMap<>();
            try (Result res = r.run()) {
                for (int i = 0; i < names.size(); i++) {
                    TFloat32 t = (TFloat32) res.get(i);
                    float[] a = new float[(int) t.size()];
                    t.asRawTensor().data().asFloats().read(a);
                    out.put(names.get(i), a);
                }
            }
            return out;
        }

        float step(Session s, Triples train, int[] order, int from, int b, SplittableRandom rng, double[] headProb,
                long step) {
            int k = config.negatives();
            int numEntities = (int) assignIn.get("entities").shape().get(0);
            int[] h = new int[b];
            int[] r = new int[b];
            int[] t = new int[b];
            int[] negH = new int[b * k];
            int[] negT = new int[b * k];
            for (int i = 0; i < b; i++) {
                int idx = order[from + i];
                h[i] = train.heads()[idx];
                r[i] = train.relations()[idx];
                t[i] = train.tails()[idx];
                double p = headProb[r[i]];
                for (int j = 0; j < k; j++) {
                    int o = i * k + j;
                    int e = rng.nextInt(numEntities);
                    if (rng.nextDouble() < p) {
                        negH[o] = e;
                        negT[o] = t[i];
                    } else {
                        negH[o] = h[i];
                        negT[o] = e;
                    }
                }
            }
            try (TInt32 th = TInt32.vectorOf(h); TInt32 tr = TInt32.vectorOf(r); TInt32 tt = TInt32.vectorOf(t);
                    TInt32 tnh = TInt32.vectorOf(negH); TInt32 tnt = TInt32.vectorOf(negT);
                    TFloat32 tlr = TFloat32.scalarOf((float) config.learningRate());
                    TFloat32 tb1 = TFloat32.scalarOf((float) Math.pow(BETA1, step));
                    TFloat32 tb2 = TFloat32.scalarOf((float) Math.pow(BETA2, step))) {
                Session.Runner run = s.runner().feed(ph, th).feed(pr, tr).feed(pt, tt).feed(nh, tnh).feed(nt, tnt)
                        .feed(lr, tlr).feed(b1Power, tb1).feed(b2Power, tb2).fetch(loss);
                updates.forEach(run::addTarget);
                try (Result res = run.run()) {
                    return ((TFloat32) res.get(0)).getFloat();
                }
            }
        }
    }
}
