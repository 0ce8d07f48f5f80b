package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Infuse;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.TokenizedText;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultipleChoiceTest {
    private static TokenizedText text(String... tokens) {
        int n = tokens.length;
        int[] ids = new int[n];
        int[] types = new int[n];
        int segment = 0;
        for (int i = 0; i < n; i++) {
            ids[i] = tokens[i].equals("[SEP]") ? 3 : 10 + i;
            types[i] = segment;
            if (tokens[i].equals("[SEP]")) {
                segment = 1;
            }
        }
        return new TokenizedText(ids, types, tokens, new int[n], new int[n]);
    }

    @Test
    void anOverlongPairLosesTheEndOfItsContextNeverTheAnswer() {
        TokenizedText t = text("[CLS]", "c1", "c2", "c3", "c4", "[SEP]", "q", "a", "[SEP]");
        TokenizedText cut = MultipleChoice.cutFirstSegment(t, 7, 3);
        assertThat(cut.tokens()).containsExactly("[CLS]", "c1", "c2", "[SEP]", "q", "a", "[SEP]");
        assertThat(cut.typeIds()).containsExactly(0, 0, 0, 0, 1, 1, 1);
        assertThat(MultipleChoice.cutFirstSegment(t, 9, 3)).isSameAs(t);
        // Segment B alone does not fit: returned unchanged, so the caller skips the question.
        assertThat(MultipleChoice.cutFirstSegment(t, 3, 3).length()).isEqualTo(9);
    }

    @Test
    void trainsTheSameThroughTheActivationCacheRowByRow(@TempDir Path tmp) throws Exception {
        StringBuilder csv = new StringBuilder("id,context,question,answer0,answer1,answer2,answer3,label\n");
        for (int i = 0; i < 40; i++) {
            csv.append("q").append(i).append(",\"the city of london is old ").append(i / 2).append("\",what is it ?,a city,a house,")
                    .append("paris,none,").append(i % 2 == 0 ? 0 : 2).append('\n');
        }
        Path file = Files.writeString(tmp.resolve("valid.csv"), csv);
        TrainingConfig training = new TrainingConfig(2, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                var backbone = TinyBackbones.create()) {
            var cached = TaskRunner.run(infuse, backbone, RunSpec.builder("cosmosqa").train(file).training(training).maxLength(32)
                    .headDropout(0f).cache(true).out(tmp.resolve("cached")).build());
            var direct = TaskRunner.run(infuse, backbone, RunSpec.builder("cosmosqa").train(file).training(training).maxLength(32)
                    .headDropout(0f).cache(false).out(tmp.resolve("direct")).build());
            assertThat(cached.metrics()).containsKey("accuracy");
            assertThat(cached.report().epochs().get(1).meanLoss())
                    .isCloseTo(direct.report().epochs().get(1).meanLoss(), org.assertj.core.api.Assertions.within(1e-4));
            assertThat(cached.metrics().get("accuracy")).isEqualTo(direct.metrics().get("accuracy"));
            assertThat(tmp.resolve("cached/predictions.lst")).exists();
        }
    }
}
