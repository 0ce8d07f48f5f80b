package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchingAndScheduleTest {

    @Test
    void bucketedBatchesCoverEveryExampleOnceAndGroupSimilarLengths() {
        SplittableRandom r = new SplittableRandom(1);
        int[] lengths = new int[1000];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = 3 + r.nextInt(120);
        }
        List<int[]> batches = Batches.bucketed(lengths, 32, 0, new SplittableRandom(7));
        int[] all = batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertThat(all).hasSize(1000);
        for (int i = 0; i < all.length; i++) {
            assertThat(all[i]).isEqualTo(i);
        }
        // Padding waste: sum over batches of (longest * size - real) is far below random batching.
        long bucketedWaste = waste(batches, lengths);
        long randomWaste = 0;
        for (int s = 0; s < 1000; s += 32) {
            int[] b = new int[Math.min(32, 1000 - s)];
            for (int k = 0; k < b.length; k++) {
                b[k] = s + k;
            }
            randomWaste += waste(List.of(b), lengths);
        }
        assertThat(bucketedWaste).isLessThan(randomWaste / 5);
        assertThat(Batches.bucketed(lengths, 32, 0, new SplittableRandom(7)))
                .usingElementComparator((a, b) -> Arrays.equals(a, b) ? 0 : 1).containsExactlyElementsOf(batches);
    }

    @Test
    void tokenCapBoundsBatchArea() {
        int[] lengths = {100, 100, 100, 100, 5, 5, 5, 5, 5, 5, 5, 5};
        for (int[] b : Batches.bucketed(lengths, 8, 200, null)) {
            int longest = Arrays.stream(b).map(i -> lengths[i]).max().orElse(0);
            assertThat((long) longest * b.length).isLessThanOrEqualTo(200);
        }
    }

    @Test
    void learningRateWarmsUpLinearlyThenDecaysToZero() {
        TrainingConfig c = new TrainingConfig(1, 1, 0, 1.0, 0.1, 0, 0, 0);
        assertThat(c.learningRateAt(0, 100)).isCloseTo(0.1, within(1e-9));
        assertThat(c.learningRateAt(9, 100)).isCloseTo(1.0, within(1e-9));
        assertThat(c.learningRateAt(10, 100)).isCloseTo(1.0, within(1e-9));
        assertThat(c.learningRateAt(55, 100)).isCloseTo(0.5, within(1e-9));
        assertThat(c.learningRateAt(99, 100)).isCloseTo(1.0 / 90, within(1e-9));
    }

    private static long waste(List<int[]> batches, int[] lengths) {
        long w = 0;
        for (int[] b : batches) {
            int longest = Arrays.stream(b).map(i -> lengths[i]).max().orElse(0);
            w += (long) longest * b.length - Arrays.stream(b).map(i -> lengths[i]).sum();
        }
        return w;
    }
}
