package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.api.Infuse;
import dev.infuse.api.Outcomes;
import dev.infuse.api.TrainingConfig;
import dev.infuse.data.Metrics;
import dev.infuse.data.SemEval2010;
import dev.infuse.data.Tacred;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-item outcomes recompute each task's own metric exactly: on random predictions against the
 * official scorers' implementations, and on real runs against the run's {@code metrics.json}.
 */
class ItemOutcomesTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    @TempDir
    Path tmp;

    private static double sum(RelationClassification.Scoring scoring, List<String> gold, List<String> predicted) {
        List<ItemOutcome> items = new ArrayList<>();
        for (int i = 0; i < gold.size(); i++) {
            items.add(new ItemOutcome("i" + i, RelationClassification.counts(scoring, gold.get(i), predicted.get(i)), null, null));
        }
        return new Outcomes("t", "dev", RelationClassification.metric(scoring), items).value();
    }

    @Test
    void relationCountsReproduceTheOfficialScorersOnRandomPredictions() {
        Random r = new Random(SEED);
        List<String> semLabels = new ArrayList<>(SemEval2010.LABELS);
        List<String> tacLabels = List.of(Tacred.NO_RELATION, "per:title", "org:founded", "per:age");
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(60);
            List<String> g = new ArrayList<>();
            List<String> p = new ArrayList<>();
            Map<String, String> gm = new LinkedHashMap<>();
            Map<String, String> pm = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                // Mostly right, often the wrong direction of the right type: the scorer's corner case.
                String gold = semLabels.get(r.nextInt(semLabels.size()));
                String pred = r.nextInt(3) == 0 ? gold : semLabels.get(r.nextInt(semLabels.size()));
                g.add(gold);
                p.add(pred);
                gm.put("s" + i, gold);
                pm.put("s" + i, pred);
            }
            if (g.stream().allMatch(SemEval2010.OTHER::equals)) {
                continue;
            }
            String why = "seed " + SEED + " (rerun with -Dtests.seed=" + SEED + "), trial " + trial;
            assertThat(sum(RelationClassification.Scoring.SEMEVAL, g, p)).as(why)
                    .isCloseTo(Metrics.semEval2010(gm, pm).macroF1(), within(1e-12));
            assertThat(sum(RelationClassification.Scoring.ACCURACY, g, p)).as(why).isCloseTo(Metrics.macroF1(g, p), within(1e-12));
            List<String> tg = new ArrayList<>();
            List<String> tp = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                tg.add(tacLabels.get(r.nextInt(tacLabels.size())));
                tp.add(r.nextBoolean() ? tg.get(i) : tacLabels.get(r.nextInt(tacLabels.size())));
            }
            assertThat(sum(RelationClassification.Scoring.TACRED, tg, tp)).as(why)
                    .isCloseTo(Metrics.microExcluding(tg, tp, Tacred.NO_RELATION).f1(), within(1e-12));
        }
    }

    @Test
    void everyRunWritesOutcomesThatRecomputeItsPrimaryMetricAndScoresATestFileOnce() throws Exception {
        Path semeval = Files.writeString(tmp.resolve("TRAIN_FILE.TXT"), TaskRunnerTest.semEval());
        TrainingConfig training = new TrainingConfig(2, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                var backbone = TinyBackbones.create()) {
            var result = TaskRunner.run(infuse, backbone, RunSpec.builder("semeval").train(semeval).test(semeval).training(training)
                    .maxLength(32).headDropout(0f).out(tmp.resolve("run")).build());
            Outcomes dev = Outcomes.read(tmp.resolve("run").resolve(Outcomes.FILE_NAME));
            assertThat(dev.task()).isEqualTo("semeval");
            assertThat(dev.metric().kind()).isEqualTo(ItemMetric.Kind.MACRO_F1_GOLD);
            assertThat(dev.value()).isCloseTo(result.metrics().get("f1"), within(1e-12));
            Outcomes test = Outcomes.read(tmp.resolve("run/test-outcomes.json"));
            assertThat(test.split()).isEqualTo("test");
            assertThat(test.items()).hasSize(60);
            assertThat(tmp.resolve("run/test-predictions.txt")).exists();
            String metrics = Files.readString(tmp.resolve("run/metrics.json"));
            assertThat(metrics).contains("\"test_metrics\"", "\"primary_metric\" : \"f1\"");
        }
    }

    private static String conllu(int sentences, int longEvery, java.util.SplittableRandom r) {
        String[] words = {"the", "cat", "dog", "saw", "a", "house", "is", "big", "old", "new"};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            int n = longEvery > 0 && i % longEvery == 0 ? 40 : 3 + r.nextInt(6);
            s.append("# sent_id = s").append(i).append('\n');
            for (int w = 1; w <= n; w++) {
                s.append(w).append('\t').append(words[r.nextInt(words.length)]).append("\t_\tX\t_\t_\t").append(w - 1)
                        .append('\t').append(w == 1 ? "root" : "dep").append("\t_\t_\n");
            }
            s.append('\n');
        }
        return s.toString();
    }

    @Test
    void dependencyPredictionsAreWellFormedTreesWithTheArgmaxUasBeside() throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        Path train = Files.writeString(tmp.resolve("train.conllu"), conllu(60, 0, r));
        Path dev = Files.writeString(tmp.resolve("dev.conllu"), conllu(20, 7, r));
        TrainingConfig training = new TrainingConfig(1, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                var backbone = TinyBackbones.create()) {
            var result = TaskRunner.run(infuse, backbone, RunSpec.builder("ud").train(train).dev(dev).training(training)
                    .maxLength(24).headDropout(0f).out(tmp.resolve("ud")).build());
            assertThat(result.metrics()).containsKeys("uas", "uas_argmax");
            assertThat(result.skippedDev()).containsKey("too-long");
            assertThat(Outcomes.read(tmp.resolve("ud").resolve(Outcomes.FILE_NAME)).value())
                    .isCloseTo(result.metrics().get("uas"), within(1e-12));
            // The UD validator's tree rules on the written file: heads in range, one root, no cycle.
            List<int[]> trees = new ArrayList<>();
            List<Integer> current = new ArrayList<>();
            for (String line : Files.readAllLines(tmp.resolve("ud/predictions.conllu"))) {
                if (line.isBlank()) {
                    trees.add(current.stream().mapToInt(Integer::intValue).toArray());
                    current = new ArrayList<>();
                } else if (!line.startsWith("#")) {
                    current.add(Integer.parseInt(line.split("\t")[6]));
                }
            }
            assertThat(trees).hasSize(20);
            for (int[] heads : trees) {
                assertThat(java.util.Arrays.stream(heads).allMatch(h -> h >= 0 && h <= heads.length)).isTrue();
                assertThat(java.util.Arrays.stream(heads).filter(h -> h == 0).count()).isEqualTo(1);
                assertThat(acyclic(heads)).isTrue();
            }
        }
    }

    private static boolean acyclic(int[] heads) {
        for (int d = 1; d <= heads.length; d++) {
            int x = d;
            for (int steps = 0; x != 0; steps++) {
                if (steps > heads.length || heads[x - 1] == x) {
                    return false;
                }
                x = heads[x - 1];
            }
        }
        return true;
    }
}
