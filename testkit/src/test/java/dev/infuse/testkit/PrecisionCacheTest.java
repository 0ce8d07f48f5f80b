package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.ActivationCache;
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
import org.tensorflow.types.TFloat32;

/** A tap cache filled in one precision is never served to a backbone in the other. */
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
}
