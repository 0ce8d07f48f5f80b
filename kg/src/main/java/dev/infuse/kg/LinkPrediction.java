package dev.infuse.kg;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Filtered link-prediction evaluation of translation embeddings (TransE distance
 * {@code ||h + r - t||_p}).
 *
 * <p>For every evaluated triple (h, r, t) the true tail is ranked among all entities for the query
 * (h, r, ?), and the true head among all entities for (?, r, t). Candidates that form another known
 * true triple (from any of the given {@code known} splits) are removed first — the standard
 * "filtered" setting. Metrics are averaged over both directions.
 *
 * <p>Ties use the <em>realistic</em> rank: {@code 1 + #better + #tied / 2}, the mean of the optimistic
 * and pessimistic ranks (Berrendorf et al. 2020), so a model that gives every entity the same score
 * does not look good. Hits@k counts ranks {@code <= k}.
 *
 * <p>Scoring runs in plain Java over the float arrays, a block of queries per pass over the entity
 * table, in parallel over blocks.
 */
public final class LinkPrediction {
    private static final int BLOCK = 32;

    private LinkPrediction() {}

    /**
     * Mean reciprocal rank, mean rank and Hits@1/3/10 over {@code queries} head and tail predictions.
     *
     * @param queries number of ranked predictions (twice the triples)
     */
    public record Metrics(double mrr, double meanRank, double hits1, double hits3, double hits10, int queries) {
        /** As an ordered map for JSON. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("mrr", mrr);
            m.put("mean_rank", meanRank);
            m.put("hits@1", hits1);
            m.put("hits@3", hits3);
            m.put("hits@10", hits10);
            m.put("ranked_predictions", queries);
            return m;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "MRR %.4f  MR %.1f  Hits@1 %.4f  Hits@3 %.4f  Hits@10 %.4f  (%d predictions)",
                    mrr, meanRank, hits1, hits3, hits10, queries);
        }
    }

    /**
     * Evaluates {@code test} with the given embeddings.
     *
     * @param entities row-major [numEntities, dim]
     * @param relations row-major [numRelations, dim]
     * @param norm 1 or 2
     * @param known every split whose triples count as true for filtering (usually train, valid, test)
     * @param threads worker threads (1 for deterministic single-core use)
     */
    public static Metrics evaluate(float[] entities, float[] relations, int dim, int norm, Triples test,
            List<Triples> known, int threads) {
        double[] ranks = ranks(entities, relations, dim, norm, test, known, threads);
        double rr = 0;
        double sum = 0;
        int h1 = 0;
        int h3 = 0;
        int h10 = 0;
        for (double r : ranks) {
            rr += 1.0 / r;
            sum += r;
            h1 += r <= 1 ? 1 : 0;
            h3 += r <= 3 ? 1 : 0;
            h10 += r <= 10 ? 1 : 0;
        }
        int n = Math.max(1, ranks.length);
        return new Metrics(rr / n, sum / n, (double) h1 / n, (double) h3 / n, (double) h10 / n, ranks.length);
    }

    /**
     * The realistic filtered ranks: entry {@code 2i} is the tail rank of triple i, {@code 2i+1} its head rank.
     */
    public static double[] ranks(float[] entities, float[] relations, int dim, int norm, Triples test,
            List<Triples> known, int threads) {
        int numEntities = entities.length / dim;
        Map<Long, int[]> tailsOf = index(known, numEntities, true);
        Map<Long, int[]> headsOf = index(known, numEntities, false);
        int n = test.size();
        int queries = 2 * n;
        double[] ranks = new double[queries];
        int blocks = (queries + BLOCK - 1) / BLOCK;
        Runnable work = () -> IntStream.range(0, blocks).parallel().forEach(b -> {
            int from = b * BLOCK;
            int to = Math.min(queries, from + BLOCK);
            int m = to - from;
            float[] q = new float[m * dim];
            int[] truth = new int[m];
            int[][] filter = new int[m][];
            for (int k = 0; k < m; k++) {
                int qi = from + k;
                int i = qi / 2;
                int h = test.heads()[i];
                int r = test.relations()[i];
                int t = test.tails()[i];
                boolean tail = qi % 2 == 0;
                for (int j = 0; j < dim; j++) {
                    // tail query: candidate e vs h + r; head query: candidate e vs t - r
                    q[k * dim + j] = tail ? entities[h * dim + j] + relations[r * dim + j]
                            : entities[t * dim + j] - relations[r * dim + j];
                }
                truth[k] = tail ? t : h;
                filter[k] = tail ? tailsOf.get(pairKey(h, r, numEntities)) : headsOf.get(pairKey(t, r, numEntities));
            }
            float[] dist = new float[m * numEntities];
            for (int e = 0; e < numEntities; e++) {
                int eo = e * dim;
                for (int k = 0; k < m; k++) {
                    dist[k * numEntities + e] = distance(q, k * dim, entities, eo, dim, norm);
                }
            }
            for (int k = 0; k < m; k++) {
                int base = k * numEntities;
                float target = dist[base + truth[k]];
                int better = 0;
                int tied = 0;
                for (int e = 0; e < numEntities; e++) {
                    float v = dist[base + e];
                    if (v < target) {
                        better++;
                    } else if (v == target) {
                        tied++;
                    }
                }
                tied--; // the true entity itself
                if (filter[k] != null) {
                    for (int e : filter[k]) {
                        if (e == truth[k]) {
                            continue;
                        }
                        float v = dist[base + e];
                        if (v < target) {
                            better--;
                        } else if (v == target) {
                            tied--;
                        }
                    }
                }
                ranks[from + k] = 1 + better + tied / 2.0;
            }
        });
        // a parallel stream started inside a pool runs on that pool's workers
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            pool.submit(work).join();
        } finally {
            pool.shutdown();
        }
        return ranks;
    }

    private static float distance(float[] a, int ao, float[] b, int bo, int dim, int norm) {
        // four accumulators let the JIT overlap the additions
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int j = 0;
        if (norm == 1) {
            for (; j + 3 < dim; j += 4) {
                s0 += Math.abs(a[ao + j] - b[bo + j]);
                s1 += Math.abs(a[ao + j + 1] - b[bo + j + 1]);
                s2 += Math.abs(a[ao + j + 2] - b[bo + j + 2]);
                s3 += Math.abs(a[ao + j + 3] - b[bo + j + 3]);
            }
            for (; j < dim; j++) {
                s0 += Math.abs(a[ao + j] - b[bo + j]);
            }
        } else {
            for (; j + 3 < dim; j += 4) {
                float d0 = a[ao + j] - b[bo + j];
                float d1 = a[ao + j + 1] - b[bo + j + 1];
                float d2 = a[ao + j + 2] - b[bo + j + 2];
                float d3 = a[ao + j + 3] - b[bo + j + 3];
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
            }
            for (; j < dim; j++) {
                float d0 = a[ao + j] - b[bo + j];
                s0 += d0 * d0;
            }
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static long pairKey(int entity, int relation, int numEntities) {
        return (long) relation * numEntities + entity;
    }

    /** (head, relation) → known tails, or (tail, relation) → known heads. */
    private static Map<Long, int[]> index(List<Triples> known, int numEntities, boolean tails) {
        Map<Long, List<Integer>> lists = new HashMap<>();
        for (Triples s : known) {
            for (int i = 0; i < s.size(); i++) {
                int anchor = tails ? s.heads()[i] : s.tails()[i];
                int other = tails ? s.tails()[i] : s.heads()[i];
                lists.computeIfAbsent(pairKey(anchor, s.relations()[i], numEntities), k -> new ArrayList<>()).add(other);
            }
        }
        Map<Long, int[]> out = new HashMap<>(lists.size() * 2);
        for (Map.Entry<Long, List<Integer>> e : lists.entrySet()) {
            out.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).distinct().sorted().toArray());
        }
        return out;
    }
}
