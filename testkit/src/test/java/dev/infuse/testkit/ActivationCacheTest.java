package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.ActivationCache;
import dev.infuse.api.Batch;
import dev.infuse.api.CachedTrainingData;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.api.TrainingReport;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.nn.SideAdapter;
import dev.infuse.nn.SideAdapterConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.TokenizedText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActivationCacheTest {
    Backbone backbone;

    @TempDir
    Path tmp;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    static final TreeSet<Integer> TAPS = new TreeSet<>(List.of(0, 1, 2));

    ComposedModel model(boolean cached) {
        var adapter = new SideAdapter("side", new SideAdapterConfig(List.of(0, 1), 16, 1, 2, 32, 0.02, 0f));
        var fusion = TinyBackbones.fusion("concat").create(PluginConfig.empty("concat"), backbone.spec(), 1, TestContext.shared());
        ComposedModel.Builder b = ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.TRAINABLE).fusion(fusion, true)
                .head(new SequenceClassificationHead(2, 0f, SequenceClassificationHead.Pooling.MEAN), true).seed(3).forTraining(true);
        return (cached ? b.cachedTaps(TAPS) : b).build();
    }

    List<TokenizedText> texts(ToyClassification data) {
        List<TokenizedText> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            out.add(data.text(i));
        }
        return out;
    }

    @Test
    void cachedTrainingMatchesTrainingThroughTheBackbone() {
        try (ComposedModel plain = model(false); ComposedModel cached = model(true)) {
            ToyClassification data = new ToyClassification(plain.tokenizer(), 64, 1);
            ActivationCache cache = ActivationCache.open(tmp, backbone, texts(data), TAPS, 16, false);
            CachedTrainingData cachedData = new CachedTrainingData(data, cache);

            // Same logits before training.
            var lp = plain.headOutputs().orElseThrow().outputs().get("logits");
            var lc = cached.headOutputs().orElseThrow().outputs().get("logits");
            int[] idx = {0, 5, 9, 33};
            try (Batch b1 = data.batch(idx); Batch b2 = cachedData.batch(idx);
                    Result r1 = plain.run(b1, List.of(lp)); Result r2 = cached.run(b2, List.of(lc))) {
                float[] a = floats((TFloat32) r1.get(0));
                float[] c = floats((TFloat32) r2.get(0));
                assertThat(c).containsExactly(a, org.assertj.core.data.Offset.offset(1e-5f));
            }
            TrainingConfig cfg = new TrainingConfig(2, 16, 0, 3e-3, 0.1, 1.0, 0, 5);
            TrainingReport rp = new Trainer(cfg).quiet().fit(plain, data, null);
            TrainingReport rc = new Trainer(cfg).quiet().fit(cached, cachedData, null);
            for (int e = 0; e < 2; e++) {
                assertThat(rc.epochs().get(e).meanLoss()).isCloseTo(rp.epochs().get(e).meanLoss(), org.assertj.core.data.Offset.offset(1e-4));
            }
            Map<String, float[]> wp = plain.weights("adapter.side");
            Map<String, float[]> wc = cached.weights("adapter.side");
            wp.forEach((k, v) -> assertThat(wc.get(k)).as(k).containsExactly(v, org.assertj.core.data.Offset.offset(1e-4f)));
        }
    }

    @Test
    void cachedFrozenSideOutputsGiveTheSameLogits() {
        var adapter = new SideAdapter("side", new SideAdapterConfig(List.of(0, 1), 16, 1, 2, 32, 0.02, 0f));
        var fusion = TinyBackbones.fusion("concat").create(PluginConfig.empty("concat"), backbone.spec(), 1, TestContext.shared());
        var head = new SequenceClassificationHead(2, 0f, SequenceClassificationHead.Pooling.MEAN);
        TreeSet<Integer> last = new TreeSet<>(List.of(2));
        try (ComposedModel plain = ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.FROZEN).fusion(fusion, true)
                        .head(head, true).seed(9).forTraining(true).build();
                ComposedModel cached = ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.FROZEN).fusion(fusion, true)
                        .head(head, true).seed(9).forTraining(true).cachedTaps(last).cachedSides(List.of("side")).build()) {
            // Same initialisation everywhere (same seed and names), so the counts and weights agree.
            assertThat(cached.totalParameterCount()).isEqualTo(plain.totalParameterCount());
            assertThat(cached.trainableParameterCount()).isEqualTo(plain.trainableParameterCount());
            ToyClassification data = new ToyClassification(plain.tokenizer(), 24, 4);
            ActivationCache cache = ActivationCache.open(tmp, backbone, texts(data), last, List.of(adapter),
                    Map.of("side", plain.weights("adapter.side")), 9, 8, false);
            assertThat(cache.sides()).containsExactly("side");
            var lp = plain.headOutputs().orElseThrow().outputs().get("logits");
            var lc = cached.headOutputs().orElseThrow().outputs().get("logits");
            int[] idx = {1, 4, 7};
            try (Batch b1 = data.batch(idx); Batch b2 = new CachedTrainingData(data, cache).batch(idx);
                    Result r1 = plain.run(b1, List.of(lp)); Result r2 = cached.run(b2, List.of(lc))) {
                assertThat(floats((TFloat32) r2.get(0))).containsExactly(floats((TFloat32) r1.get(0)),
                        org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void cacheIsReusedForTheSameTextsAndRebuiltForOthers() throws Exception {
        ToyClassification data = new ToyClassification(backbone.tokenizer(), 20, 1);
        ActivationCache first = ActivationCache.open(tmp, backbone, texts(data), TAPS, 8, false);
        FileIdentity stamp = FileIdentity.of(first.folder().resolve("tap_0.f32"));
        java.nio.file.attribute.FileTime longAgo = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(30)));
        Files.setLastModifiedTime(first.folder().resolve("cache.json"), longAgo);
        ActivationCache again = ActivationCache.open(tmp, backbone, texts(data), TAPS, 8, false);
        assertThat(Files.getLastModifiedTime(again.folder().resolve("cache.json"))).as("the last use, by which caches are pruned")
                .isGreaterThan(longAgo);
        assertThat(again.folder()).isEqualTo(first.folder());
        assertThat(FileIdentity.of(again.folder().resolve("tap_0.f32"))).isEqualTo(stamp);

        ToyClassification other = new ToyClassification(backbone.tokenizer(), 20, 2);
        assertThat(ActivationCache.open(tmp, backbone, texts(other), TAPS, 8, false).folder()).isNotEqualTo(first.folder());
        assertThat(ActivationCache.open(tmp, backbone, texts(data), new TreeSet<>(List.of(0, 2)), 8, false).folder())
                .as("fewer taps: served from the same cache").isEqualTo(first.folder());
        try (var s = Files.list(tmp)) {
            assertThat(s.filter(p -> p.getFileName().toString().contains(".tmp-"))).isEmpty();
        }
    }

    @Test
    void cellsOpeningTheSameCacheAtOnceBothGetIt(@TempDir Path root) throws Exception {
        // A study's parallel cells of one task: both may fill; the second rename finds the first's cache and keeps it.
        ToyClassification data = new ToyClassification(backbone.tokenizer(), 40, 5);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.Callable<ActivationCache> open = () -> {
            start.await();
            return ActivationCache.open(root, backbone, texts(data), TAPS, 4, false);
        };
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(open);
            var b = pool.submit(open);
            assertThat(a.get().folder()).isEqualTo(b.get().folder());
            assertThat(Files.readAllBytes(a.get().folder().resolve("offsets.bin"))).hasSize((40 + 1) * 8);
        } finally {
            pool.shutdownNow();
        }
        try (var s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).singleElement().satisfies(n -> assertThat(n).doesNotContain(".tmp-"));
        }
    }

    @Test
    void aSubsetOfCachedTextsAndTapsIsServedFromTheCacheWithoutFillingAnother(@TempDir Path root) throws Exception {
        List<TokenizedText> all = texts(new ToyClassification(backbone.tokenizer(), 12, 4));
        ActivationCache whole = ActivationCache.open(root, backbone, all, TAPS, 4, false);
        List<TokenizedText> some = List.of(all.get(7), all.get(2), all.get(2), all.get(9));
        TreeSet<Integer> two = new TreeSet<>(List.of(1, 2));
        ActivationCache part = ActivationCache.open(root, backbone, some, two, 4, false);
        assertThat(part.folder()).as("served from the whole cache").isEqualTo(whole.folder());
        assertThat(part.size()).isEqualTo(4);
        assertThat(part.taps()).containsExactly(1, 2);
        int[] rows = {7, 2, 2, 9};
        int time = 0;
        for (int k = 0; k < rows.length; k++) {
            assertThat(part.length(k)).isEqualTo(whole.length(rows[k])).isEqualTo(some.get(k).length());
            time = Math.max(time, part.length(k));
        }
        try (TFloat32 a = part.batch(2, new int[] {0, 1, 2, 3}, time); TFloat32 b = whole.batch(2, rows, time)) {
            assertThat(floats(a)).containsExactly(floats(b));
        }
        int longest = time;
        assertThatThrownBy(() -> part.batch(0, new int[] {0}, longest)).as("only the taps asked for")
                .isInstanceOf(IllegalArgumentException.class);
        try (var s = Files.list(root)) {
            assertThat(s.count()).as("no second cache written").isEqualTo(1);
        }
        // One text the cache lacks: a cache of its own.
        List<TokenizedText> other = new ArrayList<>(some);
        other.add(texts(new ToyClassification(backbone.tokenizer(), 3, 99)).get(0));
        assertThat(ActivationCache.open(root, backbone, other, two, 4, false).folder()).isNotEqualTo(whole.folder());
    }

    @Test
    void truncatedCacheIsRejected() throws Exception {
        ToyClassification data = new ToyClassification(backbone.tokenizer(), 10, 3);
        ActivationCache c = ActivationCache.open(tmp, backbone, texts(data), TAPS, 8, false);
        Path f = c.folder().resolve("tap_1.f32");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 4));
        assertThatThrownBy(() -> ActivationCache.open(tmp, backbone, texts(data), TAPS, 8, false))
                .isInstanceOf(InfuseException.class).hasMessageContaining("tap_1.f32");
    }

    @Test
    void inputSideAdaptersCannotUseTheCache() {
        var injector = new dev.infuse.spi.KnowledgeAdapter() {
            @Override
            public String name() {
                return "inject";
            }

            @Override
            public Map<String, Object> config() {
                return Map.of();
            }

            @Override
            public org.tensorflow.Operand<TFloat32> injectInputs(dev.infuse.spi.ModelScope scope, dev.infuse.spi.InputEmbeddings in) {
                return in.embeddings();
            }
        };
        assertThatThrownBy(() -> ComposedModel.builder(backbone).adapter(injector, ComposedModel.Mode.TRAINABLE)
                .cachedTaps(TAPS).build()).isInstanceOf(InfuseException.class).hasMessageContaining("inject");
    }

    static float[] floats(TFloat32 t) {
        float[] out = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(out);
        return out;
    }
}
