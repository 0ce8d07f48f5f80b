package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.Artifacts;
import dev.infuse.api.Infuse;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pretraining run saves an adapter that a downstream run then loads frozen; outputs are complete. */
class TaskRunnerTest {

    @TempDir
    Path tmp;

    static String fewRel() {
        StringBuilder s = new StringBuilder("{");
        String[][] rel = {{"P1", "cat", "dog"}, {"P2", "house", "tree"}};
        for (int r = 0; r < 2; r++) {
            s.append(r > 0 ? "," : "").append('"').append(rel[r][0]).append("\":[");
            for (int i = 0; i < 30; i++) {
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
        for (int i = 1; i <= 60; i++) {
            String label = labels[i % 3];
            String w = i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "house";
            s.append(i).append("\t\"the <e1>").append(w).append("</e1> is near a <e2>tree</e2> .\"\r\n")
                    .append(label).append("\r\nComment:\r\n\r\n");
        }
        return s.toString();
    }

    @Test
    void pretrainThenUseFrozenDownstreamWithControl() throws Exception {
        Path fewrel = Files.writeString(tmp.resolve("fewrel.json"), fewRel());
        Path semeval = Files.writeString(tmp.resolve("TRAIN_FILE.TXT"), semEval());
        TrainingConfig training = new TrainingConfig(2, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        Map<String, Object> small = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            var pre = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("fewrel", fewrel, null, null,
                    List.of(new TaskRunner.AdapterUse("factual", null, TaskRunner.AdapterMode.TRAIN, small)), "concat",
                    training, 32, true, 0f, tmp.resolve("pre")));
            Path artifact = tmp.resolve("pre/adapters/factual");
            assertThat(Artifacts.readManifest(artifact).provenance().data()).hasSize(1);
            assertThat(pre.metrics()).containsKeys("accuracy", "f1");
            assertThat(tmp.resolve("pre/metrics.json")).exists();
            assertThat(tmp.resolve("pre/predictions.jsonl")).exists();

            var base = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("semeval", semeval, null, null, List.of(),
                    "concat", training, 32, true, 0f, tmp.resolve("base")));
            var withAdapter = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("semeval", semeval, null, null,
                    List.of(new TaskRunner.AdapterUse(null, artifact, TaskRunner.AdapterMode.PRETRAINED, Map.of())),
                    "concat", training, 32, true, 0f, tmp.resolve("factual")));
            var control = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("semeval", semeval, null, null,
                    List.of(new TaskRunner.AdapterUse(null, artifact, TaskRunner.AdapterMode.CONTROL, Map.of())),
                    "concat", training, 32, false, 0f, tmp.resolve("control")));
            // Frozen adapters add no trainable parameters beyond the fusion; controls have the same shape.
            assertThat(withAdapter.totalParameters()).isEqualTo(control.totalParameters());
            assertThat(withAdapter.trainableParameters()).isEqualTo(control.trainableParameters());
            assertThat(base.trainableParameters()).isLessThan(withAdapter.trainableParameters());
            for (String run : List.of("base", "factual", "control")) {
                assertThat(tmp.resolve(run + "/predictions.txt")).exists();
                assertThat(tmp.resolve(run + "/gold.txt")).exists();
                assertThat(Files.readAllLines(tmp.resolve(run + "/predictions.txt"))).hasSize(6);
            }
            assertThat(base.metrics()).containsKeys("f1", "precision", "recall", "accuracy");
        }
    }

    @Test
    void backboneDropoutChangesTrainingBypassesTheCacheAndIsRecorded() throws Exception {
        Path fewrel = Files.writeString(tmp.resolve("fewrel.json"), fewRel());
        TrainingConfig training = new TrainingConfig(1, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        Path cache = tmp.resolve("cache");
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(cache).build();
                Backbone backbone = TinyBackbones.create(Map.of("dropout", 0.5))) {
            var spec = new TaskRunner.RunSpec("fewrel", fewrel, null, null, List.of(), "concat", training, 32, true, 0f,
                    tmp.resolve("plain"));
            var plain = TaskRunner.run(infuse, backbone, spec);
            assertThat(cache.resolve("activations")).isDirectoryContaining(p -> true);
            deleteTree(cache);
            var dropped = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("fewrel", fewrel, null, null, List.of(),
                    "concat", training, 32, true, 0f, tmp.resolve("dropped")).withBackboneDropout(0.5f));
            // Same seed and data: only the dropout inside the backbone differs, so the training loss moves.
            assertThat(dropped.report().epochs().get(0).meanLoss()).isNotEqualTo(plain.report().epochs().get(0).meanLoss());
            // Cached activations would hide the dropout: the run must not have filled the cache.
            assertThat(Files.exists(cache.resolve("activations"))).isFalse();
            assertThat(Files.readString(tmp.resolve("dropped/metrics.json"))).contains("\"backbone_dropout\" : 0.5");
            assertThat(Files.readString(tmp.resolve("plain/metrics.json"))).doesNotContain("backbone_dropout");
            // The run's rate replaces the backbone's configured one: another configured rate trains identically.
            try (Backbone other = TinyBackbones.create(Map.of("dropout", 0.2))) {
                var again = TaskRunner.run(infuse, other, new TaskRunner.RunSpec("fewrel", fewrel, null, null, List.of(),
                        "concat", training, 32, true, 0f, tmp.resolve("again")).withBackboneDropout(0.5f));
                assertThat(again.report().epochs().get(0).meanLoss()).isEqualTo(dropped.report().epochs().get(0).meanLoss());
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TaskRunner.RunSpec("fewrel", null, null, null, List.of(),
                "concat", training, 32, true, 0f, tmp.resolve("x")).withBackboneDropout(1f))
                .isInstanceOf(dev.infuse.spi.InfuseException.class).hasMessageContaining("backbone dropout");
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aSavedHeadPlugsBackInFrozenAndReproducesItsScore() throws Exception {
        Path fewrel = Files.writeString(tmp.resolve("fewrel.json"), fewRel());
        TrainingConfig training = new TrainingConfig(2, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            var base = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("fewrel", fewrel, null, null, List.of(), "concat",
                    training, 32, true, 0f, tmp.resolve("base")));
            assertThat(tmp.resolve("base/head/adapter_config.json")).isRegularFile();
            var plugged = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("fewrel", fewrel, null, null, List.of(),
                    "concat", training, 32, true, 0f, tmp.resolve("plugged"), 0,
                    new TaskRunner.HeadUse(tmp.resolve("base/head"), true), null));
            // Nothing trainable: the run only evaluates, and the frozen head scores exactly as it did.
            assertThat(plugged.report().epochs()).isEmpty();
            assertThat(plugged.trainableParameters()).isZero();
            assertThat(plugged.metrics().get("accuracy")).isEqualTo(base.metrics().get("accuracy"));
            // An adapter trained against the frozen head: only the adapter (and fusion) learn.
            Map<String, Object> small = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
            var task = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("fewrel", fewrel, null, null,
                    List.of(new TaskRunner.AdapterUse("factual", null, TaskRunner.AdapterMode.TRAIN, small)), "concat",
                    training, 32, true, 0f, tmp.resolve("task"), 0, new TaskRunner.HeadUse(tmp.resolve("base/head"), true), null));
            assertThat(task.report().epochs()).hasSize(2);
            assertThat(tmp.resolve("task/adapters/factual")).isDirectory();
        }
    }

    @Test
    void aProbeTrainsNothingAndRefusesWhatCannotAnswerThroughTheMaskedLmHead() throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("lama/TREx"));
        Files.writeString(tmp.resolve("lama/relations.jsonl"),
                "{\"relation\":\"P1\",\"template\":\"[X] is near a [Y] .\",\"label\":\"near\",\"type\":\"N-1\"}\n");
        Files.writeString(lama.resolve("P1.jsonl"),
                "{\"sub_label\":\"cat\",\"obj_label\":\"house\",\"sub_uri\":\"Q1\",\"obj_uri\":\"Q2\",\"predicate_id\":\"P1\"}\n");
        TrainingConfig training = new TrainingConfig(1, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        Map<String, Object> small = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            var probe = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("lama", null, null, tmp, List.of(), null,
                    training, 32, true, 0f, tmp.resolve("probe")));
            assertThat(probe.trainableParameters()).isZero();
            assertThat(probe.metrics()).containsEntry("facts", 1.0).containsKey("p_at_1");
            assertThat(tmp.resolve("probe/predictions.jsonl")).exists();

            var train = new TaskRunner.AdapterUse("factual", null, TaskRunner.AdapterMode.TRAIN, small);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("lama",
                    null, null, tmp, List.of(train), null, training, 32, true, 0f, tmp.resolve("x"))))
                    .isInstanceOf(dev.infuse.spi.InfuseException.class).hasMessageContaining("nothing is trained")
                    .extracting(e -> ((dev.infuse.spi.InfuseException) e).code()).isEqualTo("task-not-applicable");
            var control = new TaskRunner.AdapterUse("factual", null, TaskRunner.AdapterMode.CONTROL, small);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("lama",
                    null, null, tmp, List.of(control), "concat", training, 32, true, 0f, tmp.resolve("y"))))
                    .hasMessageContaining("'concat'").hasMessageContaining("masked-LM head");
            // Under 'add' the same control side network is composed before the frozen head and answers.
            var added = TaskRunner.run(infuse, backbone, new TaskRunner.RunSpec("lama", null, null, tmp, List.of(control), "add",
                    training, 32, true, 0f, tmp.resolve("z")));
            assertThat(added.metrics()).containsKey("p_at_1");
            assertThat(added.totalParameters()).isGreaterThan(probe.totalParameters());
        }
    }
}
