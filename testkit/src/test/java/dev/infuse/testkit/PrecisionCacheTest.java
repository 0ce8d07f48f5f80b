package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.ActivationCache;
import dev.infuse.api.Batch;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.Precision;
import dev.infuse.spi.TokenizedText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/** A tap cache filled in one precision is never served to a backbone in the other; a bf16 one stores bfloat16. */
class PrecisionCacheTest {
    @TempDir
    Path tmp;

    @Test
    void theCacheKeyIncludesThePrecision() throws Exception {
        TreeSet<Integer> taps = new TreeSet<>(List.of(2));
        try (Backbone fp32 = TinyBackbones.create(Map.of("precision", "fp32"));
                Backbone bf16 = TinyBackbones.create(Map.of("precision", "bf16"))) {
            assertThat(bf16.fingerprint()).as("same weights").isEqualTo(fp32.fingerprint());
            assertThat(bf16.precision()).isEqualTo(Precision.BF16);
            ToyClassification data = new ToyClassification(fp32.tokenizer(), 8, 1);
            List<TokenizedText> texts = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                texts.add(data.text(i));
            }
            ActivationCache a = ActivationCache.open(tmp, fp32, texts, taps, 4, false);
            ActivationCache b = ActivationCache.open(tmp, bf16, texts, taps, 4, false);
            ActivationCache again = ActivationCache.open(tmp, fp32, texts, taps, 4, false);
            assertThat(b.folder()).isNotEqualTo(a.folder());
            assertThat(again.folder()).isEqualTo(a.folder());
            try (var files = Files.list(tmp)) {
                assertThat(files.filter(Files::isDirectory).count()).isEqualTo(2);
            }
            assertThat(Files.readString(b.folder().resolve("cache.json"))).contains("\"precision\" : \"bf16\"");
            int[] idx = {0, 1, 2, 3};
            int time = 0;
            for (int i : idx) {
                time = Math.max(time, a.length(i));
            }
            try (TFloat32 x = a.batch(2, idx, time); TFloat32 y = b.batch(2, idx, time)) {
                float[] u = new float[(int) x.size()];
                float[] v = new float[(int) y.size()];
                x.asRawTensor().data().asFloats().read(u);
                y.asRawTensor().data().asFloats().read(v);
                assertThat(v).as("bf16 taps differ from fp32 taps").isNotEqualTo(u);
            }
        }
    }

    @Test
    void aBf16CacheStoresBfloat16AtHalfTheSizeAndServesTheTapsRoundedToNearest() throws Exception {
        TreeSet<Integer> taps = new TreeSet<>(List.of(2));
        try (Backbone fp32 = TinyBackbones.create(Map.of("precision", "fp32"));
                Backbone bf16 = TinyBackbones.create(Map.of("precision", "bf16"))) {
            ToyClassification data = new ToyClassification(bf16.tokenizer(), 8, 1);
            List<TokenizedText> texts = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                texts.add(data.text(i));
            }
            ActivationCache full = ActivationCache.open(tmp, fp32, texts, taps, 4, false);
            ActivationCache half = ActivationCache.open(tmp, bf16, texts, taps, 4, false);
            assertThat(Files.size(half.folder().resolve("tap_2.bf16")) * 2)
                    .isEqualTo(Files.size(full.folder().resolve("tap_2.f32"))).isPositive();
            assertThat(half.folder().resolve("tap_2.f32")).doesNotExist();
            assertThat(Files.readString(half.folder().resolve("cache.json"))).contains("\"storage\" : \"bf16\"");
            assertThat(Files.readString(full.folder().resolve("cache.json"))).contains("\"storage\" : \"f32\"");

            int[] idx = {0, 1, 2, 3};
            int time = 0;
            for (int i : idx) {
                time = Math.max(time, half.length(i));
            }
            int hidden = bf16.spec().hiddenSize();
            float[] cached = new float[idx.length * time * hidden];
            float[] exact = new float[cached.length];
            try (TFloat32 x = half.batch(2, idx, time)) {
                x.asRawTensor().data().asFloats().read(cached);
            }
            try (ComposedModel model = ComposedModel.builder(bf16).build(); Batch b = data.batch(idx);
                    Result r = model.run(b, List.of(model.hiddenStates().tap(2)))) {
                ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(exact);
            }
            int compared = 0;
            for (int k = 0; k < idx.length; k++) {
                for (int t = 0; t < time; t++) {
                    for (int h = 0; h < hidden; h++) {
                        int at = (k * time + t) * hidden + h;
                        if (t >= half.length(idx[k])) {
                            assertThat(cached[at]).as("padding").isZero();
                            continue;
                        }
                        assertThat(Float.floatToRawIntBits(cached[at]) & 0xffff).as("a bfloat16 value").isZero();
                        // Nearest bfloat16: within half of its spacing (2^-7 relative) of the exact tap.
                        assertThat(Math.abs(cached[at] - exact[at])).isLessThanOrEqualTo(Math.abs(exact[at]) * 0x1p-8f);
                        compared++;
                    }
                }
            }
            assertThat(compared).isGreaterThan(hidden * idx.length);
        }
    }
}
