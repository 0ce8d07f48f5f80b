package dev.infuse.api;

import dev.infuse.spi.TokenizedText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Building padded batches and length-bucketed batch orders. */
public final class Batches {
    private Batches() {}

    /**
     * Pads token sequences to the longest in the group and builds the three standard inputs.
     *
     * @param padId the tokenizer's padding id
     */
    public static Batch standard(List<TokenizedText> texts, int padId) {
        int b = texts.size();
        int t = texts.stream().mapToInt(TokenizedText::length).max().orElse(0);
        int[] ids = new int[b * t];
        int[] types = new int[b * t];
        int[] mask = new int[b * t];
        Arrays.fill(ids, padId);
        int real = 0;
        for (int i = 0; i < b; i++) {
            TokenizedText x = texts.get(i);
            System.arraycopy(x.ids(), 0, ids, i * t, x.length());
            System.arraycopy(x.typeIds(), 0, types, i * t, x.length());
            Arrays.fill(mask, i * t, i * t + x.length(), 1);
            real += x.length();
        }
        Batch batch = new Batch(b, real);
        batch.put("input_ids", ints(ids, b, t));
        batch.put("token_type_ids", ints(types, b, t));
        batch.put("attention_mask", ints(mask, b, t));
        return batch;
    }

    /**
     * Adds adapters' per-token inputs ({@link dev.infuse.spi.KnowledgeAdapter#tokenInputs}) of a batch's
     * examples to the batch, each padded to {@code [examples, time]} with its padding value.
     *
     * @param perExample the token inputs of each example of the batch, in batch order (same names in the same order)
     */
    public static void addTokenInputs(Batch batch, List<List<dev.infuse.spi.TokenInput>> perExample, int time) {
        if (perExample.isEmpty() || perExample.get(0).isEmpty()) {
            return;
        }
        List<dev.infuse.spi.TokenInput> first = perExample.get(0);
        int b = perExample.size();
        for (int f = 0; f < first.size(); f++) {
            int[] values = new int[b * time];
            Arrays.fill(values, first.get(f).padding());
            for (int k = 0; k < b; k++) {
                int[] v = perExample.get(k).get(f).values();
                System.arraycopy(v, 0, values, k * time, Math.min(v.length, time));
            }
            batch.put(first.get(f).name(), ints(values, b, time));
        }
    }

    /** An int32 tensor of the given shape over {@code values} (row-major). */
    public static TInt32 ints(int[] values, long... shape) {
        return TInt32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    /** A float32 tensor of the given shape over {@code values} (row-major). */
    public static TFloat32 floats(float[] values, long... shape) {
        return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    /**
     * Groups example indices into batches of similar length, so little compute is spent on padding:
     * examples are shuffled, cut into windows of {@code 50 × batchSize}, each window sorted by length
     * and split into batches, and the batches shuffled. With {@code random == null} the order is
     * deterministic (sorted by length), for evaluation.
     *
     * @param lengths token count of each example
     * @param maxTokens optional cap on {@code batch size × longest length} (0 = none), which keeps
     *     memory flat when a few sentences are long
     */
    public static List<int[]> bucketed(int[] lengths, int batchSize, int maxTokens, SplittableRandom random) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (random != null) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Integer tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        int window = random == null ? Math.max(order.length, 1) : Math.max(batchSize * 50, 1);
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < order.length; start += window) {
            Integer[] w = Arrays.copyOfRange(order, start, Math.min(order.length, start + window));
            Arrays.sort(w, Comparator.comparingInt((Integer i) -> lengths[i]).thenComparingInt(i -> i));
            List<Integer> current = new ArrayList<>();
            int longest = 0;
            for (Integer i : w) {
                int newLongest = Math.max(longest, lengths[i]);
                boolean full = current.size() >= batchSize
                        || (maxTokens > 0 && !current.isEmpty() && (long) newLongest * (current.size() + 1) > maxTokens);
                if (full) {
                    batches.add(current.stream().mapToInt(Integer::intValue).toArray());
                    current.clear();
                    newLongest = lengths[i];
                }
                current.add(i);
                longest = newLongest;
            }
            if (!current.isEmpty()) {
                batches.add(current.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        if (random != null) {
            for (int i = batches.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int[] tmp = batches.get(i);
                batches.set(i, batches.get(j));
                batches.set(j, tmp);
            }
        }
        return batches;
    }
}
