package dev.infuse.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.api.Infuse;
import dev.infuse.study.CellExecutor;
import dev.infuse.study.CellExecutors;
import dev.infuse.study.CellOutcome;
import dev.infuse.study.LocalCellExecutor;
import dev.infuse.study.StudyFile;
import dev.infuse.study.StudyResults;
import dev.infuse.study.StudyRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny study (random tiny BERT; baseline and a trained factual adapter on SemEval × 2 seeds) run
 * locally and on Spark {@code local[2]}, found through {@link CellExecutors} as the CLI finds it:
 * same scores, same activation cache files; then a failing cell (retried, reported) and a resume.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkStudyTest {
    static final String STUDY = """
            name: tiny
            backbone: {name: bert-random}
            data: data
            seeds: [1, 2]
            budgets:
              default: {epochs: 2, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}
            tasks: [semeval]
            methods:
              - name: factual
                adapters:
                  - adapter: factual
                    mode: train
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32, adapter_layers: 1}
            """;

    static final String BROKEN = """
              - name: broken
                adapters:
                  - adapter: factual
                    mode: control
                    config: {adapter_sise: 16}
            """;

    Path tmp;
    Path shared;
    CellExecutor spark;

    /** SemEval-2010 Task 8 training file: 45 sentences, three labels. */
    static void writeSemEval(Path data) throws IOException {
        String[] words = {"cat", "dog", "house"};
        String[] labels = {"Other", "Cause-Effect(e1,e2)", "Component-Whole(e2,e1)"};
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= 45; i++) {
            // Every sentence distinct (its number), so that no split's texts are a subset of another's cache.
            s.append(String.format(Locale.ROOT, "%d\t\"a <e1>%s</e1> sat by the <e2>tree</e2> %d .\"\r\n%s\r\nComment:\r\n\r\n",
                    i, words[i % 3], i, labels[i % 3]));
        }
        Path dir = Files.createDirectories(data.resolve("semeval2010_task8/SemEval2010_task8_training"));
        Files.writeString(dir.resolve("TRAIN_FILE.TXT"), s.toString());
    }

    Infuse infuse(String cache) {
        return Infuse.builder().pluginsDirectory(null).cacheDirectory(tmp.resolve(cache)).build();
    }

    @BeforeAll
    void setUp(@TempDir Path dir) throws IOException {
        tmp = dir;
        writeSemEval(tmp.resolve("data"));
        Files.writeString(tmp.resolve("tiny.yaml"), STUDY);
        Files.writeString(tmp.resolve("tiny-broken.yaml"), STUDY + BROKEN);
        shared = tmp.resolve("shared");
        long t0 = System.nanoTime();
        spark = CellExecutors.open("spark", Map.of("master", "local[2]", "shared", shared.toString(), "max-failures", "2"));
        System.out.printf(Locale.ROOT, "TIMING spark-start %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    void tearDown() {
        if (spark != null) {
            spark.close();
        }
    }

    StudyResults run(String file, Path out, CellExecutor executor, String cache) {
        try (Infuse infuse = infuse(cache)) {
            return StudyRunner.run(infuse, StudyFile.read(tmp.resolve(file), null), out, executor);
        }
    }

    @Test
    @Order(1)
    void sparkRunAgreesWithLocalRun() throws IOException {
        assertThat(spark).isInstanceOf(SparkCellExecutor.class);
        assertThat(((SparkCellExecutor) spark).options().effectiveMaster()).isEqualTo("local[2,2]");

        long t0 = System.nanoTime();
        StudyResults local;
        try (LocalCellExecutor executor = new LocalCellExecutor(1)) {
            local = run("tiny.yaml", tmp.resolve("local"), executor, "local-cache");
        }
        double localSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        Path sparkOut = shared.resolve("results/tiny");
        StudyResults onSpark = run("tiny.yaml", sparkOut, spark, "driver-cache");
        double sparkSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "TIMING local %.1f s, spark local[2] %.1f s (4 cells)%n", localSeconds, sparkSeconds);

        assertThat(local.cells()).hasSize(4);
        assertThat(onSpark.cells()).hasSize(4);
        for (int i = 0; i < 4; i++) {
            StudyResults.CellResult a = local.cells().get(i);
            StudyResults.CellResult b = onSpark.cells().get(i);
            assertThat(b.method() + b.seed()).isEqualTo(a.method() + a.seed());
            assertThat(a.status()).as(a.error()).isEqualTo(CellOutcome.Status.COMPLETED);
            assertThat(b.status()).as(b.error()).isEqualTo(CellOutcome.Status.COMPLETED);
            assertThat(b.metrics()).containsKeys("f1", "accuracy");
            assertThat(b.metrics().keySet()).isEqualTo(a.metrics().keySet());
            for (String k : a.metrics().keySet()) {
                assertThat(b.metrics().get(k)).as(a.method() + "/" + a.seed() + " " + k).isCloseTo(a.metrics().get(k), within(1e-6));
            }
            assertThat(sparkOut.resolve("cells/" + b.method() + "/semeval/seed-" + b.seed() + "/predictions.txt")).exists();
        }
        for (int i = 0; i < local.summaries().size(); i++) {
            assertThat(onSpark.summaries().get(i).mean()).isCloseTo(local.summaries().get(i).mean(), within(1e-6));
        }
        assertThat(tmp.resolve("local/report.html")).isRegularFile();
        assertThat(sparkOut.resolve("report.html")).isRegularFile();
        assertThat(sparkOut.resolve("results.json")).isRegularFile();

        // The caches filled by mapPartitions (one per data set: two seeds give two dev splits) are
        // byte for byte those a local run writes, so cells find them. A data set whose texts are all in
        // another cache already is served from it (a local run's order decides which exist first): those
        // keys are compared where both runs wrote them.
        List<String> filled = ((SparkCellExecutor) spark).cacheFolders();
        assertThat(filled).hasSize(4).noneMatch(f -> f.startsWith("failed"));
        List<String> both = filled.stream().filter(k -> Files.isDirectory(tmp.resolve("local-cache/activations").resolve(k))).toList();
        assertThat(both).as("caches both runs filled").hasSizeGreaterThanOrEqualTo(2);
        for (String key : filled) {
            assertThat(shared.resolve("cache/activations").resolve(key).resolve("cache.json")).isRegularFile();
        }
        for (String key : both) {
            Path a = tmp.resolve("local-cache/activations").resolve(key);
            Path b = shared.resolve("cache/activations").resolve(key);
            try (var files = Files.list(a)) {
                for (Path f : files.toList()) {
                    assertThat(Files.mismatch(f, b.resolve(f.getFileName()))).as(key + "/" + f.getFileName()).isEqualTo(-1L);
                }
            }
        }
    }

    @Test
    @Order(2)
    void failingCellIsRetriedThenReportedAndRerunResumes() throws IOException {
        Path out = shared.resolve("results/tiny");
        StudyResults r = run("tiny-broken.yaml", out, spark, "driver-cache");
        assertThat(r.counts()).containsEntry(CellOutcome.Status.REUSED, 4L).containsEntry(CellOutcome.Status.FAILED, 2L);
        for (StudyResults.CellResult c : r.failedCells()) {
            assertThat(c.method()).isEqualTo("broken");
            assertThat(c.errorCode()).isEqualTo("config-unknown-key");
            assertThat(c.error()).contains("adapter_sise").contains("after 2 attempts on Spark");
        }
        assertThat(Files.readString(out.resolve("results.md"))).contains("adapter_sise");

        // A cell lost half-way is redone, the complete ones are kept.
        Path half = out.resolve("cells/baseline/semeval/seed-2");
        double before = r.cells().stream().filter(c -> c.method().equals("baseline") && c.seed() == 2).findFirst().orElseThrow()
                .metrics().get("f1");
        Files.delete(half.resolve("metrics.json"));
        StudyResults again = run("tiny-broken.yaml", out, spark, "driver-cache");
        assertThat(again.counts()).containsEntry(CellOutcome.Status.REUSED, 3L).containsEntry(CellOutcome.Status.COMPLETED, 1L)
                .containsEntry(CellOutcome.Status.FAILED, 2L);
        assertThat(half.resolve("metrics.json")).isRegularFile();
        assertThat(again.cells().stream().filter(c -> c.method().equals("baseline") && c.seed() == 2).findFirst().orElseThrow()
                .metrics().get("f1")).isCloseTo(before, within(1e-6));
    }
}
