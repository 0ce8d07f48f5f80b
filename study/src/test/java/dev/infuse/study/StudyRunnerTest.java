package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Infuse;
import dev.infuse.testkit.FileIdentity;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small study on the tiny random BERT, run once for the class: baseline, a pretrained adapter, its
 * random control and a method whose control adapter is misconfigured, on SemEval × 2 seeds, with the
 * adapter pretrained on FewRel first. Then the outputs, a rerun and the report in a real browser.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudyRunnerTest {
    Path tmp;
    Path out;
    StudyResults first;

    static String fewRel() {
        StringBuilder s = new StringBuilder("{");
        String[][] rel = {{"P1", "cat", "dog"}, {"P2", "house", "tree"}};
        for (int r = 0; r < 2; r++) {
            s.append(r > 0 ? "," : "").append('"').append(rel[r][0]).append("\":[");
            for (int i = 0; i < 20; i++) {
                s.append(i > 0 ? "," : "").append("{\"tokens\":[\"the\",\"").append(rel[r][1]).append("\",\"is\",\"near\",\"a\",\"")
                        .append(rel[r][2]).append("\"],\"h\":[\"").append(rel[r][1]).append("\",\"Q1\",[[1]]],\"t\":[\"")
                        .append(rel[r][2]).append("\",\"Q2\",[[5]]]}");
            }
            s.append("]");
        }
        return s.append("}").toString();
    }

    static String semEval() {
        StringBuilder s = new StringBuilder();
        String[] labels = {"Cause-Effect(e1,e2)", "Component-Whole(e2,e1)", "Other"};
        for (int i = 1; i <= 40; i++) {
            String w = i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "house";
            s.append(i).append("\t\"the <e1>").append(w).append("</e1> is near a <e2>tree</e2> .\"\r\n")
                    .append(labels[i % 3]).append("\r\nComment:\r\n\r\n");
        }
        return s.toString();
    }

    static Path writeData(Path data) throws IOException {
        Files.createDirectories(data.resolve("fewrel"));
        Files.writeString(data.resolve("fewrel/val_wiki.json"), fewRel());
        Path semeval = data.resolve("semeval2010_task8/SemEval2010_task8_training");
        Files.createDirectories(semeval);
        Files.writeString(semeval.resolve("TRAIN_FILE.TXT"), semEval());
        return data;
    }

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
                    config: {adapter_size: 16, heads: 2, intermediate_size: 32, adapter_layers: 1}
                    pretrain: {task: fewrel, epochs: 1}
              - name: factual-control
                adapters:
                  - {mode: control, from: factual}
              - name: broken
                adapters:
                  - adapter: factual
                    mode: control
                    config: {adapter_sise: 16}
            """;

    Infuse infuse() {
        return Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
    }

    @BeforeAll
    void runStudy(@TempDir Path dir) throws Exception {
        tmp = dir;
        writeData(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("tiny.yaml"), STUDY);
        out = tmp.resolve("out");
        Study study = StudyFile.read(file, null);
        try (Infuse infuse = infuse(); CellExecutor executor = new LocalCellExecutor(2)) {
            first = StudyRunner.run(infuse, study, out, executor);
        }
    }

    @Test
    @Order(1)
    void runsEveryCellAndMarksTheBrokenOneFailed() {
        assertThat(first.cells()).hasSize(8);
        assertThat(first.pretrainings()).singleElement().satisfies(p -> {
            assertThat(p.status()).isEqualTo(CellOutcome.Status.COMPLETED);
            assertThat(p.cell().method()).isEqualTo("factual/factual");
        });
        assertThat(out.resolve("pretraining/factual/factual/adapters/factual/adapter_config.json")).exists();
        for (StudyResults.CellResult c : first.cells()) {
            if (c.method().equals("broken")) {
                assertThat(c.status()).isEqualTo(CellOutcome.Status.FAILED);
                assertThat(c.errorCode()).isEqualTo("config-unknown-key");
                assertThat(c.error()).contains("adapter_sise").contains("adapter_size");
                assertThat(out.resolve("cells/broken/semeval/seed-" + c.seed())).doesNotExist();
            } else {
                assertThat(c.status()).as(c.method() + " " + c.error()).isEqualTo(CellOutcome.Status.COMPLETED);
                assertThat(c.metrics()).containsKeys("f1", "accuracy");
                assertThat(c.curve()).hasSize(2);
                assertThat(out.resolve("cells/" + c.method() + "/semeval/seed-" + c.seed() + "/metrics.json")).exists();
                assertThat(out.resolve("cells/" + c.method() + "/semeval/seed-" + c.seed() + "/predictions.txt")).exists();
            }
        }
        // No temporary folders are left behind.
        try (Stream<Path> s = Files.walk(out)) {
            assertThat(s.filter(p -> p.getFileName().toString().contains(".tmp")).toList()).isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(2)
    void summarisesOverSeedsWithDeltasAndParameters() throws Exception {
        Map<String, StudyResults.Summary> byMethod = new java.util.HashMap<>();
        first.summaries().forEach(s -> byMethod.put(s.method(), s));
        assertThat(byMethod.keySet()).containsExactlyInAnyOrder("baseline", "factual", "factual-control", "broken");
        StudyResults.Summary base = byMethod.get("baseline");
        StudyResults.Summary factual = byMethod.get("factual");
        StudyResults.Summary control = byMethod.get("factual-control");
        assertThat(base.n()).isEqualTo(2);
        double[] seeds = first.cells().stream().filter(c -> c.method().equals("factual")).mapToDouble(c -> c.metrics().get("f1"))
                .toArray();
        assertThat(factual.mean()).isCloseTo((seeds[0] + seeds[1]) / 2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(factual.std()).isCloseTo(Math.abs(seeds[0] - seeds[1]) / Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(factual.delta()).isCloseTo(factual.mean() - base.mean(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(base.delta()).isZero();
        // A frozen pretrained adapter and its random control have the same shape and trainable parameters.
        assertThat(factual.trainableParameters()).isEqualTo(control.trainableParameters()).isGreaterThan(base.trainableParameters());
        assertThat(factual.totalParameters()).isEqualTo(control.totalParameters()).isGreaterThan(base.totalParameters());
        assertThat(byMethod.get("broken").n()).isZero();
        assertThat(byMethod.get("broken").failed()).isEqualTo(2);
        assertThat(first.summaries().stream().filter(StudyResults.Summary::best).count()).isGreaterThanOrEqualTo(1);
        double best = first.summaries().stream().mapToDouble(StudyResults.Summary::mean).filter(Double::isFinite).max().orElseThrow();
        assertThat(first.summaries().stream().filter(StudyResults.Summary::best).findFirst().orElseThrow().mean()).isEqualTo(best);

        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(json.path("summary")).hasSize(4);
        assertThat(json.path("cells")).hasSize(8);
        assertThat(json.path("provenance").path("backbone").path("fingerprint").asText()).startsWith("bert");
        assertThat(json.path("provenance").path("data")).hasSize(2);
        assertThat(json.path("provenance").path("data").get(0).path("sha256").asText()).hasSize(64);
        assertThat(json.path("provenance").path("config").asText()).isEqualTo(STUDY);

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv).hasSize(5);
        assertThat(csv.get(0)).startsWith("task,method,metric,mean,std");
        assertThat(Files.readAllLines(out.resolve("cells.csv"))).hasSize(9);
        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("| baseline |").contains("**").contains("## Failed cells").contains("adapter_sise")
                .contains(String.format(java.util.Locale.ROOT, "%,d", factual.trainableParameters()));
        for (String chart : List.of("scores-semeval", "curves-semeval")) {
            assertThat(Files.readString(out.resolve("charts/" + chart + ".svg"))).contains("<svg");
            BufferedImage png = ImageIO.read(out.resolve("charts/" + chart + ".png").toFile());
            assertThat(png.getWidth()).isEqualTo(Charts.WIDTH);
            assertThat(colours(png)).isGreaterThan(3);
        }
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<style>").doesNotContain("<link").doesNotContain("<script").contains("data-method=\"factual\"")
                .contains(json.path("provenance").path("data").get(0).path("sha256").asText());
    }

    @Test
    @Order(3)
    void rerunSkipsCompletedCellsAndRetriesFailedOnes() throws Exception {
        Path metrics = out.resolve("cells/factual/semeval/seed-1/metrics.json");
        FileIdentity before = FileIdentity.of(metrics);
        FileIdentity preBefore = FileIdentity.of(out.resolve("pretraining/factual/factual/metrics.json"));
        // A half-done cell (no metrics.json) is redone.
        Path half = out.resolve("cells/baseline/semeval/seed-2");
        Files.delete(half.resolve("metrics.json"));
        // Its checkpoint was written for another configuration of the study: deleted, not resumed from.
        Path stale = StepFolders.checkpointFolder(half);
        Files.createDirectories(stale.resolve("training"));
        Files.writeString(stale.resolve("recipe.txt"), "backbone of another study\n");
        Files.writeString(stale.resolve("training/checkpoint.json"), "{\"epoch\": 1, \"not\": \"this run's\"");
        StudyResults second;
        try (Infuse infuse = infuse(); CellExecutor executor = new LocalCellExecutor(1)) {
            second = StudyRunner.run(infuse, StudyFile.read(tmp.resolve("tiny.yaml"), null), out, executor);
        }
        assertThat(second.counts()).containsEntry(CellOutcome.Status.REUSED, 5L).containsEntry(CellOutcome.Status.COMPLETED, 1L)
                .containsEntry(CellOutcome.Status.FAILED, 2L);
        assertThat(second.cells().stream().filter(c -> c.method().equals("baseline") && c.seed() == 2).findFirst().orElseThrow()
                .status()).isEqualTo(CellOutcome.Status.COMPLETED);
        assertThat(second.pretrainings()).isEmpty();
        assertThat(FileIdentity.of(metrics)).isEqualTo(before);
        assertThat(FileIdentity.of(out.resolve("pretraining/factual/factual/metrics.json"))).isEqualTo(preBefore);
        assertThat(half.resolve("metrics.json")).exists();
        assertThat(stale).as("a complete cell keeps no checkpoint").doesNotExist();
        try (var left = Files.walk(out)) {
            assertThat(left.filter(f -> f.getFileName().toString().endsWith(StepFolders.CHECKPOINT)).toList()).isEmpty();
        }
        // The reused cells' scores are the same as in the first run.
        assertThat(second.summaries().stream().filter(s -> s.method().equals("factual")).findFirst().orElseThrow().mean())
                .isEqualTo(first.summaries().stream().filter(s -> s.method().equals("factual")).findFirst().orElseThrow().mean());
    }

    @Test
    @Order(4)
    void reportRendersInHeadlessChromium() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        dev.infuse.testkit.CiAssumptions.assumeOrFailInCi(Files.isExecutable(chromium), "no /usr/bin/chromium: report rendering not checked");
        Path report = out.resolve("report.html");
        String dom = runChromium(chromium, "--dump-dom", report.toUri().toString());
        assertThat(dom).contains("data-task=\"semeval\"");
        for (String m : List.of("baseline", "factual", "factual-control", "broken")) {
            assertThat(dom).contains("<tr data-method=\"" + m + "\"");
        }
        assertThat(dom.split("<svg", -1).length - 1).as("inline SVG charts").isGreaterThanOrEqualTo(2);
        assertThat(dom).contains("<rect").contains("failed-cells");

        Path shot = tmp.resolve("report.png");
        runChromium(chromium, "--screenshot=" + shot, "--window-size=1200,1600", report.toUri().toString());
        BufferedImage png = ImageIO.read(shot.toFile());
        assertThat(png).isNotNull();
        assertThat(png.getWidth()).isEqualTo(1200);
        assertThat(colours(png)).as("distinct colours in the screenshot (a blank page has 1)").isGreaterThan(20);
    }

    private String runChromium(Path chromium, String... args) throws Exception {
        Path profile = Files.createTempDirectory(tmp, "chromium-profile");
        List<String> cmd = new java.util.ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path stdout = tmp.resolve("chromium.out");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(tmp.resolve("chromium.err").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s");
        }
        assertThat(p.exitValue()).as("chromium exit code; stderr: " + Files.readString(tmp.resolve("chromium.err"))).isZero();
        return Files.readString(stdout);
    }

    static int colours(BufferedImage img) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
