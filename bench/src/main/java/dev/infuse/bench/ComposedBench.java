package dev.infuse.bench;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.Fusion;
import dev.infuse.spi.FusionProvider;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.TokenizedText;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Composed inference (backbone + factual + linguistic adapters + concat fusion) against the backbone
 * alone: the time ratio set against the ratio of the FLOPs that each graph actually runs.
 */
final class ComposedBench {
    private ComposedBench() {}

    /**
     * @param backboneFlops matrix-product FLOPs of the backbone-only graph over the sentences
     * @param composedFlops the same for the composed graph
     */
    record Figures(int sentences, int batchSize, double backboneSeconds, double composedSeconds, double backboneFlops,
            double composedFlops, int backboneProducts, int composedProducts, double analyticBackboneFlops) {
        double timeRatio() {
            return composedSeconds / backboneSeconds;
        }

        double flopRatio() {
            return composedFlops / backboneFlops;
        }
    }

    static Figures run(Backbone backbone, List<TokenizedText> texts, int batchSize) {
        int pad = backbone.tokenizer().padId();
        int[] lengths = texts.stream().mapToInt(TokenizedText::length).toArray();
        List<int[]> order = Batches.bucketed(lengths, batchSize, 0, null);
        double[] plain;
        double[] composed;
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            plain = measure("backbone alone", model, texts, order, pad);
        }
        KnowledgeAdapter factual = adapter("factual", backbone);
        KnowledgeAdapter linguistic = adapter("linguistic", backbone);
        try (ComposedModel model = ComposedModel.builder(backbone).adapter(factual, ComposedModel.Mode.FROZEN)
                .adapter(linguistic, ComposedModel.Mode.FROZEN).fusion(fusion("concat", backbone, 2), false).seed(42)
                .build()) {
            composed = measure("composed", model, texts, order, pad);
        }
        // Each side is timed twice, interleaved, and its faster pass kept, so a burst of load on a busy
        // machine does not land on one side only.
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            plain[0] = Math.min(plain[0], measure("backbone alone (again)", model, texts, order, pad)[0]);
        }
        try (ComposedModel model = ComposedModel.builder(backbone).adapter(factual, ComposedModel.Mode.FROZEN)
                .adapter(linguistic, ComposedModel.Mode.FROZEN).fusion(fusion("concat", backbone, 2), false).seed(42)
                .build()) {
            composed[0] = Math.min(composed[0], measure("composed (again)", model, texts, order, pad)[0]);
        }
        double analytic = 0;
        for (int t : lengths) {
            analytic += ForwardBench.flops(t);
        }
        return new Figures(texts.size(), batchSize, plain[0], composed[0], plain[1], composed[1], (int) plain[2],
                (int) composed[2], analytic);
    }

    /** Seconds of one timed pass (after warm-up), graph FLOPs over the pass, number of products counted. */
    private static double[] measure(String what, ComposedModel model, List<TokenizedText> texts, List<int[]> order,
            int pad) {
        FlopCounter counter = new FlopCounter(model.sequenceOutput());
        run(model, texts, order.get(0), pad);
        run(model, texts, order.get(order.size() - 1), pad);
        long t0 = System.nanoTime();
        for (int[] idx : order) {
            run(model, texts, idx, pad);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double flops = 0;
        for (int[] idx : order) {
            flops += counter.count(model, batch(texts, idx, pad));
        }
        System.out.printf("  %s: %.1f s, %.2f TFLOP in %d matrix products%n", what, seconds, flops / 1e12,
                counter.products());
        return new double[] {seconds, flops, counter.products()};
    }

    private static void run(ComposedModel model, List<TokenizedText> texts, int[] idx, int pad) {
        try (Batch b = batch(texts, idx, pad); Result r = model.run(b, List.of(model.sequenceOutput()))) {
            r.get(0);
        }
    }

    private static Batch batch(List<TokenizedText> texts, int[] idx, int pad) {
        List<TokenizedText> sub = new ArrayList<>();
        for (int i : idx) {
            sub.add(texts.get(i));
        }
        return Batches.standard(sub, pad);
    }

    /**
     * FLOPs of the matrix products a fetch depends on, read from the graph: every {@code MatMul} and
     * {@code BatchMatMul*} among the fetch's ancestors costs 2·|A|·N, where |A| is the element count of
     * its first operand and N the last dimension of its output (2·M·K·N for each product in the batch).
     * The sizes come from {@code Size}/{@code Shape} ops added next to each product and fetched for the
     * batch at hand, so dynamic batch and length are counted as run. Element-wise ops are left out.
     */
    static final class FlopCounter {
        private final List<Operand<TInt64>> sizes = new ArrayList<>();
        private final List<Operand<TInt64>> shapes = new ArrayList<>();

        FlopCounter(Operand<?> fetch) {
            Graph g = (Graph) fetch.op().env();
            Ops tf = Ops.create(g).withSubScope("flop_count");
            Set<String> seen = new HashSet<>();
            Deque<GraphOperation> todo = new ArrayDeque<>();
            todo.add((GraphOperation) fetch.op());
            List<GraphOperation> products = new ArrayList<>();
            while (!todo.isEmpty()) {
                GraphOperation op = todo.pop();
                if (!seen.add(op.name())) {
                    continue;
                }
                if (op.type().equals("MatMul") || op.type().startsWith("BatchMatMul")) {
                    products.add(op);
                }
                for (int i = 0; i < op.numInputs(); i++) {
                    todo.push((GraphOperation) op.input(i).op());
                }
                todo.addAll(op.controlInputs());
            }
            for (GraphOperation op : products) {
                sizes.add(tf.size(op.input(0), TInt64.class));
                shapes.add(tf.shape(op.output(0), TInt64.class));
            }
        }

        int products() {
            return sizes.size();
        }

        /** FLOPs of the products for this batch; closes the batch. */
        double count(ComposedModel model, Batch batch) {
            List<Operand<?>> fetches = new ArrayList<>(sizes);
            fetches.addAll(shapes);
            double flops = 0;
            try (batch; Result r = model.run(batch, fetches)) {
                for (int i = 0; i < sizes.size(); i++) {
                    long a = ((TInt64) r.get(i)).getLong();
                    TInt64 shape = (TInt64) r.get(sizes.size() + i);
                    long n = shape.getLong(shape.size() - 1);
                    flops += 2.0 * a * n;
                }
            }
            return flops;
        }
    }

    static KnowledgeAdapter adapter(String name, Backbone backbone) {
        AdapterProvider p = ServiceLoader.load(AdapterProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> new InfuseException("plugin-not-found", "no adapter '" + name + "' on the class path"));
        return p.create(PluginConfig.empty("adapter '" + name + "'"), backbone.spec(), CONTEXT);
    }

    static Fusion fusion(String name, Backbone backbone, int sides) {
        FusionProvider p = ServiceLoader.load(FusionProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new InfuseException("plugin-not-found", "no fusion '" + name + "' on the class path"));
        return p.create(PluginConfig.empty("fusion '" + name + "'"), backbone.spec(), sides, CONTEXT);
    }

    private static final PluginContext CONTEXT = new PluginContext() {
        @Override
        public Path cacheDirectory() {
            return Path.of(System.getProperty("java.io.tmpdir"));
        }

        @Override
        public long seed() {
            return 42;
        }

        @Override
        public <T> T service(Class<T> type) {
            throw new InfuseException("plugin-missing-service", "the benchmark offers no service " + type.getName());
        }
    };
}
