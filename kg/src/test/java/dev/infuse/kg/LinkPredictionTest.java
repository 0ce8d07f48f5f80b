package dev.infuse.kg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinkPredictionTest {
    /**
     * Four entities on a line (1-d embeddings 0, 1, 2, 3), one relation r = +1. For the test triple
     * (0, r, 2): h + r = 1, distances to entities are 1, 0, 1, 2 → entity 1 is better, entity 0 ties
     * with the true tail 2. Head query (?, r, 2): t - r = 1, distances 1, 0, 1, 2 to entities
     * 0..3; true head 0 ties with entity 2, entity 1 is better.
     */
    private static final float[] E = {0f, 1f, 2f, 3f};
    private static final float[] R = {1f};
    private static final Triples TEST = new Triples(new int[] {0}, new int[] {0}, new int[] {2});

    @Test
    void unfilteredRealisticRanks() {
        double[] ranks = LinkPrediction.ranks(E, R, 1, 1, TEST, List.of(), 1);
        // tail: 1 better + 1 tie → 1 + 1 + 0.5; head: same shape
        assertThat(ranks).containsExactly(2.5, 2.5);
    }

    @Test
    void filteringRemovesOtherTrueTriples() {
        // (0, r, 1) is a known true triple: candidate 1 is filtered from the tail query
        // (2, r, 2)? no; (1, r, 2) is known: candidate 1 is filtered from the head query
        Triples known = new Triples(new int[] {0, 1}, new int[] {0, 0}, new int[] {1, 2});
        double[] ranks = LinkPrediction.ranks(E, R, 1, 1, TEST, List.of(known, TEST), 1);
        assertThat(ranks).containsExactly(1.5, 1.5);
        LinkPrediction.Metrics m = LinkPrediction.evaluate(E, R, 1, 2, TEST, List.of(known, TEST), 2);
        assertThat(m.mrr()).isCloseTo(1 / 1.5, within(1e-9));
        assertThat(m.hits1()).isZero();
        assertThat(m.hits3()).isEqualTo(1.0);
        assertThat(m.meanRank()).isEqualTo(1.5);
        assertThat(m.queries()).isEqualTo(2);
    }

    @Test
    void perfectEmbeddingsRankFirstAndL2MatchesL1OnALine() {
        Triples t = new Triples(new int[] {0, 1}, new int[] {0, 0}, new int[] {1, 2});
        for (int norm : new int[] {1, 2}) {
            LinkPrediction.Metrics m = LinkPrediction.evaluate(E, R, 1, norm, t, List.of(t), 1);
            assertThat(m.mrr()).isEqualTo(1.0);
            assertThat(m.hits1()).isEqualTo(1.0);
        }
    }

    @Test
    void manyQueriesAcrossBlocksAndThreads() {
        // 100 entities on a line, 70 test triples i → i+1: more queries than one block, several threads
        float[] e = new float[100];
        for (int i = 0; i < 100; i++) {
            e[i] = i;
        }
        int[] h = new int[70];
        int[] r = new int[70];
        int[] t = new int[70];
        for (int i = 0; i < 70; i++) {
            h[i] = i;
            t[i] = i + 1;
        }
        Triples tr = new Triples(h, r, t);
        assertThat(LinkPrediction.evaluate(e, new float[] {1f}, 1, 1, tr, List.of(), 2).mrr()).isEqualTo(1.0);
        // a wrong relation vector (+2) puts exactly one entity (i+2, or i-1 for heads) ahead and one tied
        double[] ranks = LinkPrediction.ranks(e, new float[] {2f}, 1, 1, tr, List.of(), 2);
        assertThat(ranks[2 * 10]).isEqualTo(2.5); // tail of (10, r, 11): 12 better, 10 ties
    }
}
