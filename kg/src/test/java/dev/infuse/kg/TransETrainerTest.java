package dev.infuse.kg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransETrainerTest {

    /**
     * A chain of 30 entities with "next" (i → i+1) and "skip" (i → i+2) relations (a ring cannot be
     * represented by translations: 30 equal steps would have to add up to zero).
     */
    static KnowledgeGraph chain() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            names.add("e" + i);
        }
        Vocabulary ents = Vocabulary.of(names);
        Vocabulary rels = Vocabulary.of(List.of("next", "skip"));
        int n = 29 + 28;
        int[] h = new int[n];
        int[] r = new int[n];
        int[] t = new int[n];
        for (int i = 0; i < 29; i++) {
            h[i] = i;
            r[i] = 0;
            t[i] = i + 1;
        }
        for (int i = 0; i < 28; i++) {
            h[29 + i] = i;
            r[29 + i] = 1;
            t[29 + i] = i + 2;
        }
        Triples all = new Triples(h, r, t);
        return new KnowledgeGraph(ents, rels, all, Triples.empty(), all, 0, 0);
    }

    /**
     * A chain is exactly representable only without the unit-norm constraint (on the sphere, e_i
     * itself stays a close competitor of e_i + r), so this configuration turns it off.
     */
    static TransEConfig small() {
        return TransEConfig.defaults().withDimension(32).withBatchSize(20).withNegatives(8).withMargin(2.0)
                .withLearningRate(0.02).withEpochs(300).withSeed(7).withNormalizeEntities(false);
    }

    @Test
    void learnsTheChain() {
        KnowledgeGraph g = chain();
        TransEModel m = new TransETrainer(small()).progress(false).train(g);
        // unfiltered against itself: rank the true tail among all 30 entities (filter = only the truth)
        LinkPrediction.Metrics metrics = m.evaluate(g.train(), List.of(), 1);
        assertThat(metrics.mrr()).isGreaterThan(0.8);
        assertThat(m.entityVectors()).hasSize(30 * 32);
        assertThat(m.relationVectors()).hasSize(2 * 32);
    }

    @Test
    void untrainedEmbeddingsRankBadly() {
        KnowledgeGraph g = chain();
        TransEModel m = new TransETrainer(small().withEpochs(0)).progress(false).train(g);
        assertThat(m.evaluate(g.train(), List.of(), 1).mrr()).isLessThan(0.5);
    }

    @Test
    void normalisesEntitiesToUnitLength() {
        KnowledgeGraph g = chain();
        TransEModel m = new TransETrainer(small().withEpochs(3).withNormalizeEntities(true)).progress(false).train(g);
        float[] e = m.entityVectors();
        for (int row = 0; row < 30; row++) {
            double norm = 0;
            for (int j = 0; j < 32; j++) {
                norm += e[row * 32 + j] * e[row * 32 + j];
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void l2SgdUniformVariantTrains() {
        KnowledgeGraph g = chain();
        TransEConfig c = small().withNorm(2).withOptimizer("sgd").withSampling("uniform").withMargin(1.0)
                .withLearningRate(5.0).withEpochs(200);
        TransEModel m = new TransETrainer(c).progress(false).train(g);
        assertThat(m.evaluate(g.train(), List.of(), 1).mrr()).isGreaterThan(0.5);
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) {
        KnowledgeGraph g = chain();
        TransEConfig four = small().withEpochs(4).withNormalizeEntities(true);
        TransEModel straight = new TransETrainer(four).progress(false).threads(1).train(g);

        Path ck = dir.resolve("ck");
        TransETrainer first = new TransETrainer(four.withEpochs(2)).progress(false).threads(1).checkpoints(ck, 1);
        first.train(g);
        assertThat(first.startEpoch()).isZero();
        assertThat(ck.resolve(TransETrainer.CHECKPOINT)).exists();

        List<Integer> epochs = new ArrayList<>();
        TransETrainer second = new TransETrainer(four).progress(false).threads(1).checkpoints(ck, 1)
                .onEpoch((e, loss, speed, model) -> epochs.add(e));
        TransEModel resumed = second.train(g);
        assertThat(second.startEpoch()).isEqualTo(2);
        assertThat(epochs).containsExactly(3, 4);
        assertThat(resumed.entityVectors()).containsExactly(straight.entityVectors(), org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(resumed.relationVectors()).containsExactly(straight.relationVectors(), org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void refusesACheckpointOfAnotherConfiguration(@TempDir Path dir) {
        KnowledgeGraph g = chain();
        new TransETrainer(small().withEpochs(1)).progress(false).checkpoints(dir, 1).train(g);
        assertThatThrownBy(() -> new TransETrainer(small().withEpochs(2).withMargin(3.0)).progress(false).checkpoints(dir, 1).train(g))
                .isInstanceOf(InfuseException.class)
                .hasMessageContaining("margin: checkpoint has 2.0, this run has 3.0")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("config-mismatch");
    }

    @Test
    void nonFiniteLossStopsAndKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
        KnowledgeGraph g = chain();
        // A learning rate so large that the vectors overflow float after a few epochs (L1 gradients are
        // signs: each step moves every coordinate by about the learning rate), checkpointed every epoch.
        TransEConfig huge = small().withOptimizer("sgd").withNormalizeEntities(false).withLearningRate(Float.parseFloat(
                "8e36")).withEpochs(50);
        List<byte[]> afterEpoch = new ArrayList<>();
        TransETrainer t = new TransETrainer(huge).progress(false).threads(1).checkpoints(dir, 1)
                .onEpoch((e, loss, speed, model) -> afterEpoch.add(readBytes(dir.resolve(TransETrainer.CHECKPOINT))));
        assertThatThrownBy(() -> t.train(g))
                .isInstanceOf(InfuseException.class)
                .hasMessageContaining("loss became")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("train-non-finite-loss");
        // Some epochs completed and were checkpointed before the blow-up (else this test checks nothing).
        assertThat(afterEpoch).as("epochs completed before the loss became non-finite").isNotEmpty().hasSizeLessThan(50);
        // The checkpoint is the one written after the last finished epoch, untouched, with finite values only.
        assertThat(readBytes(dir.resolve(TransETrainer.CHECKPOINT))).isEqualTo(afterEpoch.get(afterEpoch.size() - 1));
        var ck = dev.infuse.api.SafeTensors.read(dir.resolve(TransETrainer.CHECKPOINT));
        assertThat(ck.metadata()).containsEntry("epoch", Integer.toString(afterEpoch.size()));
        for (String name : List.of("entities", "relations")) {
            for (float v : ck.tensor(name).floats()) {
                assertThat(Float.isFinite(v)).as(name).isTrue();
            }
        }
    }

    private static byte[] readBytes(Path p) {
        try {
            return java.nio.file.Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
