package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Artifacts;
import dev.infuse.api.Infuse;
import dev.infuse.api.TrainingConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
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
            var pre = TaskRunner.run(infuse, backbone, RunSpec.builder("fewrel").train(fewrel).adapters(List.of(new RunSpec.AdapterUse("factual", null, RunSpec.AdapterMode.TRAIN, small))).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("pre")).build());
            Path artifact = tmp.resolve("pre/adapters/factual");
            assertThat(Artifacts.readManifest(artifact).provenance().data()).hasSize(1);
            assertThat(pre.metrics()).containsKeys("accuracy", "f1");
            assertThat(tmp.resolve("pre/metrics.json")).exists();
            assertThat(tmp.resolve("pre/predictions.jsonl")).exists();

            var base = TaskRunner.run(infuse, backbone, RunSpec.builder("semeval").train(semeval).adapters(List.of()).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("base")).build());
            var withAdapter = TaskRunner.run(infuse, backbone, RunSpec.builder("semeval").train(semeval).adapters(List.of(new RunSpec.AdapterUse(null, artifact, RunSpec.AdapterMode.PRETRAINED, Map.of()))).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("factual")).build());
            var control = TaskRunner.run(infuse, backbone, RunSpec.builder("semeval").train(semeval).adapters(List.of(new RunSpec.AdapterUse(null, artifact, RunSpec.AdapterMode.CONTROL, Map.of()))).fusion("concat").training(training).maxLength(32).cache(false).headDropout(0f).out(tmp.resolve("control")).build());
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
            var spec = RunSpec.builder("fewrel").train(fewrel).adapters(List.of()).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("plain")).build();
            var plain = TaskRunner.run(infuse, backbone, spec);
            assertThat(cache.resolve("activations")).isDirectoryContaining(p -> true);
            deleteTree(cache);
            var dropped = TaskRunner.run(infuse, backbone, RunSpec.builder("fewrel").train(fewrel).adapters(List.of()).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("dropped")).backboneDropout(0.5f).build());
            // Same seed and data: only the dropout inside the backbone differs, so the training loss moves.
            assertThat(dropped.report().epochs().get(0).meanLoss()).isNotEqualTo(plain.report().epochs().get(0).meanLoss());
            // Cached activations would hide the dropout: the run must not have filled the cache.
            assertThat(Files.exists(cache.resolve("activations"))).isFalse();
            assertThat(Files.readString(tmp.resolve("dropped/metrics.json"))).contains("\"backbone_dropout\" : 0.5");
            assertThat(Files.readString(tmp.resolve("plain/metrics.json"))).doesNotContain("backbone_dropout");
            // The run's rate replaces the backbone's configured one: another configured rate trains identically.
            try (Backbone other = TinyBackbones.create(Map.of("dropout", 0.2))) {
                var again = TaskRunner.run(infuse, other, RunSpec.builder("fewrel").train(fewrel).adapters(List.of()).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("again")).backboneDropout(0.5f).build());
                assertThat(again.report().epochs().get(0).meanLoss()).isEqualTo(dropped.report().epochs().get(0).meanLoss());
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunSpec.builder("fewrel").adapters(List.of()).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("x")).backboneDropout(1f).build())
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
            var base = TaskRunner.run(infuse, backbone, RunSpec.builder("fewrel").train(fewrel).adapters(List.of()).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("base")).build());
            assertThat(tmp.resolve("base/head/adapter_config.json")).isRegularFile();
            var plugged = TaskRunner.run(infuse, backbone, RunSpec.builder("fewrel").train(fewrel).adapters(List.of()).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("plugged")).head(new RunSpec.HeadUse(tmp.resolve("base/head"), true)).build());
            // Nothing trainable: the run only evaluates, and the frozen head scores exactly as it did.
            assertThat(plugged.report().epochs()).isEmpty();
            assertThat(plugged.trainableParameters()).isZero();
            assertThat(plugged.metrics().get("accuracy")).isEqualTo(base.metrics().get("accuracy"));
            // An adapter trained against the frozen head: only the adapter (and fusion) learn.
            Map<String, Object> small = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
            var task = TaskRunner.run(infuse, backbone, RunSpec.builder("fewrel").train(fewrel).adapters(List.of(new RunSpec.AdapterUse("factual", null, RunSpec.AdapterMode.TRAIN, small))).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("task")).head(new RunSpec.HeadUse(tmp.resolve("base/head"), true)).build());
            assertThat(task.report().epochs()).hasSize(2);
            assertThat(tmp.resolve("task/adapters/factual")).isDirectory();
        }
    }

    @Test
    void aDownstreamModelWithLoraIsSavedWholeAndReloadsFrozenWithTheSameScore() throws Exception {
        Path fewrel = Files.writeString(tmp.resolve("fewrel.json"), fewRel());
        TrainingConfig training = new TrainingConfig(2, 8, 0, 1e-2, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            java.util.function.Supplier<RunSpec.Builder> base = () -> RunSpec.builder("fewrel").train(fewrel).training(training)
                    .maxLength(32).headDropout(0f);
            var lora = TaskRunner.run(infuse, backbone, base.get().out(tmp.resolve("lora"))
                    .layerPlugin(new RunSpec.LayerUse("lora", Map.of("r", 2, "sites", "all"))).build());
            var headOnly = TaskRunner.run(infuse, backbone, base.get().out(tmp.resolve("head-only")).build());
            // LoRA on 6 sites x 2 layers: 2 * (in + out) each, beside the head.
            long loraParameters = 2L * 2 * ((32 + 32) * 4 + (32 + 64) + (64 + 32));
            assertThat(lora.trainableParameters() - headOnly.trainableParameters()).isEqualTo(loraParameters);
            var artifact = Artifacts.read(tmp.resolve("lora/head"));
            assertThat(artifact.weights().keySet()).contains("layer.lora/layer_0/query/lora_a", "layer.lora/layer_1/output/lora_b");
            assertThat(artifact.manifest().config()).containsKey("downstream_model");
            assertThat(Files.readString(tmp.resolve("lora/metrics.json"))).contains("\"in_layer_plugins\"").contains("\"backbone_dropout\" : 0.1");

            var frozen = TaskRunner.run(infuse, backbone, base.get().out(tmp.resolve("frozen"))
                    .head(new RunSpec.HeadUse(tmp.resolve("lora/head"), true)).build());
            assertThat(frozen.report().epochs()).isEmpty();
            assertThat(frozen.trainableParameters()).isZero();
            assertThat(frozen.metrics().get("accuracy")).isEqualTo(lora.metrics().get("accuracy"));

            // The same downstream model on a backbone with fewer layers: refused naming the artifact.
            var lastLayer = TaskRunner.run(infuse, backbone, base.get().out(tmp.resolve("last"))
                    .layerPlugin(new RunSpec.LayerUse("lora", Map.of("layers", "1"))).build());
            assertThat(lastLayer.trainableParameters()).isPositive();
            try (Backbone shallow = TinyBackbones.create(Map.of("layers", 1))) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskRunner.run(infuse, shallow, base.get()
                        .out(tmp.resolve("shallow")).head(new RunSpec.HeadUse(tmp.resolve("last/head"), true)).build()))
                        .isInstanceOf(dev.infuse.spi.InfuseException.class).hasMessageContaining("last/head")
                        .hasMessageContaining("in-layer plug-in 'lora'").hasMessageContaining("layer 1");
            }
        }
    }

    @Test
    void theSameRunTwiceIsBitIdenticalAndAnotherSeedIsNot() throws Exception {
        // Everything a seed drives at once: dropout inside the backbone (BERT's own with an in-layer plug-in), a LoRA,
        // a trained adapter, the fusion, head dropout, shuffling. Studies rely on a rerun scoring exactly what it scored.
        Path fewrel = Files.writeString(tmp.resolve("fewrel.json"), fewRel());
        TrainingConfig training = new TrainingConfig(2, 8, 0, 1e-2, 0.1, 1.0, 0, 1);
        Map<String, Object> small = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            java.util.function.BiFunction<String, Long, RunSpec> spec = (out, seed) -> RunSpec.builder("fewrel").train(fewrel)
                    .adapters(List.of(new RunSpec.AdapterUse("factual", null, RunSpec.AdapterMode.TRAIN, small))).fusion("concat")
                    .training(training.withSeed(seed))
                    .maxLength(32).headDropout(0.1f).out(tmp.resolve(out))
                    .layerPlugin(new RunSpec.LayerUse("lora", Map.of("r", 2, "sites", "all"))).build();
            var first = TaskRunner.run(infuse, backbone, spec.apply("first", 1L));
            var again = TaskRunner.run(infuse, backbone, spec.apply("again", 1L));
            var other = TaskRunner.run(infuse, backbone, spec.apply("other", 2L));
            for (String file : List.of("head/adapter.safetensors", "adapters/factual/adapter.safetensors", "predictions.jsonl")) {
                assertThat(Files.mismatch(tmp.resolve("first/" + file), tmp.resolve("again/" + file))).as(file).isEqualTo(-1L);
            }
            assertThat(again.report().epochs().get(1).meanLoss()).isEqualTo(first.report().epochs().get(1).meanLoss());
            assertThat(Files.mismatch(tmp.resolve("first/head/adapter.safetensors"), tmp.resolve("other/head/adapter.safetensors")))
                    .isNotEqualTo(-1L);
            assertThat(other.report().epochs().get(1).meanLoss()).isNotEqualTo(first.report().epochs().get(1).meanLoss());
        }
    }

    @Test
    void theWrittenOutcomesAreTheKeptEpochsWhetherItWasTheLastEvaluatedOrAnEarlierOne() throws Exception {
        // The last epoch's evaluation is reused for outcomes.json when its weights are the ones kept; an earlier best
        // epoch's weights are evaluated again. Either way the outcomes must score exactly the kept epoch's metric.
        // 300 sentences whose words only partly tell the label: 30 development items whose scores move between epochs.
        StringBuilder noisy = new StringBuilder();
        String[] labels = {"Cause-Effect(e1,e2)", "Component-Whole(e2,e1)", "Other"};
        String[] words = {"cat", "dog", "house", "car", "river"};
        for (int i = 1; i <= 300; i++) {
            noisy.append(i).append("\t\"the <e1>").append(words[(i * 7) % 5]).append("</e1> is near a <e2>")
                    .append(words[i % 4]).append("</e2> .\"\r\n").append(labels[i % 3]).append("\r\nComment:\r\n\r\n");
        }
        Path semeval = Files.writeString(tmp.resolve("TRAIN_FILE.TXT"), noisy.toString());
        java.util.Set<Boolean> bestWasLast = new java.util.HashSet<>();
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            for (long seed = 1; seed <= 8 && bestWasLast.size() < 2; seed++) { // seed 1: one epoch, the last is the best
                Path out = tmp.resolve("kept-" + seed);
                var result = TaskRunner.run(infuse, backbone, RunSpec.builder("semeval").train(semeval).maxLength(32)
                        .training(new TrainingConfig(seed == 1 ? 1 : 4, 16, 0, 1e-2, 0.1, 1.0, 0, seed)).out(out).build());
                var report = result.report();
                double kept = report.epochs().get(report.bestEpoch() - 1).metrics().get("f1");
                assertThat(dev.infuse.api.Outcomes.read(out.resolve("outcomes.json")).value()).as("seed " + seed).isEqualTo(kept);
                assertThat(report.bestMetrics().get("f1")).isEqualTo(kept);
                double lastScore = report.epochs().get(report.epochs().size() - 1).metrics().get("f1");
                bestWasLast.add(report.bestEpoch() == report.epochs().size() || lastScore == kept); // an earlier, different best: false
            }
        }
        assertThat(bestWasLast).as("both paths exercised").containsExactlyInAnyOrder(true, false);
    }

    @Test
    void aDataSeedGivesEverySeedTheSameDevelopmentItems() throws Exception {
        Path semeval = Files.writeString(tmp.resolve("TRAIN_FILE.TXT"), semEval());
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            java.util.function.BiFunction<Long, Long, java.util.List<String>> devItems = (seed, dataSeed) -> {
                Path out = tmp.resolve("run-" + seed + "-" + dataSeed);
                TaskRunner.run(infuse, backbone, RunSpec.builder("semeval").train(semeval).maxLength(32).dataSeed(dataSeed)
                        .training(new TrainingConfig(1, 8, 0, 1e-3, 0.1, 1.0, 0, seed)).out(out).build());
                return dev.infuse.api.Outcomes.read(out.resolve("outcomes.json")).items().stream()
                        .map(dev.infuse.spi.ItemOutcome::id).sorted().toList();
            };
            assertThat(devItems.apply(1L, 42L)).isEqualTo(devItems.apply(2L, 42L));
            assertThat(devItems.apply(1L, null)).isNotEqualTo(devItems.apply(2L, null));
            assertThat(Files.readString(tmp.resolve("run-2-42/metrics.json"))).contains("\"data_seed\" : 42");
        }
    }

    @Test
    void aProbeReadsInLayerPlugInsTrainedThroughTheMaskedLmHeadOnlyFrozen() throws Exception {
        writeOneFactLama();
        TrainingConfig training = new TrainingConfig(1, 8, 0, 5e-2, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            // A LoRA trained through the masked-LM head (the cloze task), as a knowledge plug-in's pretraining would.
            TaskRunner.run(infuse, backbone, RunSpec.builder("wn-cloze").training(training).maxLength(32).maxTrain(40)
                    .out(tmp.resolve("cloze")).layerPlugin(new RunSpec.LayerUse("lora", Map.of("r", 2, "sites", "all"))).build());
            assertThat(Artifacts.read(tmp.resolve("cloze/head")).weights().keySet()).contains("layer.lora/layer_0/query/lora_b");
            java.util.function.Supplier<RunSpec.Builder> probe = () -> RunSpec.builder("lama").data(tmp).training(training).maxLength(32);

            var plain = TaskRunner.run(infuse, backbone, probe.get().out(tmp.resolve("plain")).build());
            var withLora = TaskRunner.run(infuse, backbone, probe.get().out(tmp.resolve("with-lora"))
                    .head(new RunSpec.HeadUse(tmp.resolve("cloze/head"), true)).build());
            assertThat(withLora.trainableParameters()).isZero();
            long lora = 2L * 2 * ((32 + 32) * 4 + (32 + 64) + (64 + 32));
            assertThat(withLora.totalParameters() - plain.totalParameters()).isEqualTo(lora);
            // The trained deltas act: the answers' probabilities move.
            assertThat(Files.readString(tmp.resolve("with-lora/predictions.jsonl")))
                    .isNotEqualTo(Files.readString(tmp.resolve("plain/predictions.jsonl")));

            // Not frozen, the plug-ins would train on the probe: refused.
            assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, probe.get().out(tmp.resolve("x"))
                    .head(new RunSpec.HeadUse(tmp.resolve("cloze/head"), false)).build()))
                    .isInstanceOf(InfuseException.class).hasMessageContaining("cannot be trained here")
                    .hasMessageContaining("--freeze-head");
            // A downstream model with another head cannot answer cloze queries.
            Path fewrel = Files.writeString(tmp.resolve("fewrel.json"), fewRel());
            TaskRunner.run(infuse, backbone, RunSpec.builder("fewrel").train(fewrel).training(training).maxLength(32)
                    .out(tmp.resolve("fewrel")).layerPlugin(new RunSpec.LayerUse("lora", Map.of("r", 2))).build());
            assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, probe.get().out(tmp.resolve("y"))
                    .head(new RunSpec.HeadUse(tmp.resolve("fewrel/head"), true)).build()))
                    .isInstanceOf(InfuseException.class).hasMessageContaining("fewrel/head").hasMessageContaining("masked-LM head")
                    .extracting(e -> ((InfuseException) e).code()).isEqualTo("task-not-applicable");
        }
    }

    @Test
    void aProbeTrainsNothingAndRefusesWhatCannotAnswerThroughTheMaskedLmHead() throws Exception {
        writeOneFactLama();
        TrainingConfig training = new TrainingConfig(1, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        Map<String, Object> small = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            var probe = TaskRunner.run(infuse, backbone, RunSpec.builder("lama").data(tmp).adapters(List.of()).training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("probe")).build());
            assertThat(probe.trainableParameters()).isZero();
            assertThat(probe.metrics()).containsEntry("facts", 1.0).containsKey("p_at_1");
            assertThat(tmp.resolve("probe/predictions.jsonl")).exists();

            var train = new RunSpec.AdapterUse("factual", null, RunSpec.AdapterMode.TRAIN, small);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, RunSpec.builder("lama").data(tmp).adapters(List.of(train)).training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("x")).build()))
                    .isInstanceOf(dev.infuse.spi.InfuseException.class).hasMessageContaining("nothing is trained")
                    .extracting(e -> ((dev.infuse.spi.InfuseException) e).code()).isEqualTo("task-not-applicable");
            var control = new RunSpec.AdapterUse("factual", null, RunSpec.AdapterMode.CONTROL, small);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, RunSpec.builder("lama").data(tmp).adapters(List.of(control)).fusion("concat").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("y")).build()))
                    .hasMessageContaining("'concat'").hasMessageContaining("masked-LM head");
            // Under 'add' the same control side network is composed before the frozen head and answers.
            var added = TaskRunner.run(infuse, backbone, RunSpec.builder("lama").data(tmp).adapters(List.of(control)).fusion("add").training(training).maxLength(32).cache(true).headDropout(0f).out(tmp.resolve("z")).build());
            assertThat(added.metrics()).containsKey("p_at_1");
            assertThat(added.totalParameters()).isGreaterThan(probe.totalParameters());
        }
    }

    /** A LAMA folder of one T-REx relation and one fact in {@code tmp/lama}. */
    private void writeOneFactLama() throws java.io.IOException {
        Path lama = Files.createDirectories(tmp.resolve("lama/TREx"));
        Files.writeString(tmp.resolve("lama/relations.jsonl"),
                "{\"relation\":\"P1\",\"template\":\"[X] is near a [Y] .\",\"label\":\"near\",\"type\":\"N-1\"}\n");
        Files.writeString(lama.resolve("P1.jsonl"),
                "{\"sub_label\":\"cat\",\"obj_label\":\"house\",\"sub_uri\":\"Q1\",\"obj_uri\":\"Q2\",\"predicate_id\":\"P1\"}\n");
    }
}
