package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Study files: structure, defaults, references between methods, and errors that point at the line. */
class StudyFileTest {
    @TempDir
    Path tmp;

    private Study parse(String yaml) throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        return StudyFile.parse(tmp.resolve("study.yaml"), yaml, null);
    }

    private InfuseException error(String yaml) {
        try {
            parse(yaml);
        } catch (InfuseException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no error for:\n" + yaml);
    }

    @Test
    void readsAFullStudyWithDefaultsAndReferences() throws Exception {
        Study s = parse("""
                name: demo
                backbone: {name: bert-random, config: {layers: 2}}
                data: data
                seeds: [1, 2]
                budgets:
                  default: {epochs: 2, batch_size: 8, lr: 1e-3}
                  semeval: {epochs: 4}
                tasks: [semeval, {name: ud, metric: uas}]
                methods:
                  - name: factual
                    adapters:
                      - adapter: factual
                        config: {adapter_size: 16}
                        pretrain: {task: fewrel, epochs: 1}
                  - name: factual-control
                    adapters:
                      - {mode: control, from: factual}
                  - name: both
                    fusion: attention
                    adapters:
                      - {from: factual}
                      - {mode: train, adapter: linguistic}
                """);
        assertThat(s.name()).isEqualTo("demo");
        assertThat(s.backbone().config()).containsEntry("layers", 2);
        assertThat(s.dataDir()).isEqualTo(tmp.resolve("data"));
        assertThat(s.seeds()).containsExactly(1L, 2L);
        assertThat(s.methods()).extracting(Study.Method::name).containsExactly("baseline", "factual", "factual-control", "both");
        assertThat(s.methods().get(0).adapters()).isEmpty();
        Study.TaskEntry semeval = s.tasks().get(0);
        assertThat(semeval.budget().epochs()).isEqualTo(4);
        assertThat(semeval.budget().batchSize()).isEqualTo(8);
        assertThat(semeval.budget().learningRate()).isEqualTo(1e-3);
        assertThat(semeval.metric()).isEqualTo("f1");
        assertThat(s.tasks().get(1).budget().epochs()).isEqualTo(2);
        assertThat(s.tasks().get(1).metric()).isEqualTo("uas");

        Study.Pretraining pre = s.method("factual").adapters().get(0).pretraining();
        assertThat(pre.id()).isEqualTo("factual/factual");
        // Printed as before, so that earlier studies' pretraining and cell recipes stay the same.
        assertThat(pre.toString()).startsWith("Pretraining[id=factual/factual, adapter=factual, config={adapter_size=16}, "
                + "task=fewrel, train=null, dev=null, budget=Budget[").endsWith(", seed=42]");
        assertThat(pre.task()).isEqualTo("fewrel");
        assertThat(pre.budget().epochs()).isEqualTo(1);
        assertThat(pre.budget().batchSize()).isEqualTo(8);
        // The control copies the pretraining's shape without needing the pretraining itself.
        Study.AdapterEntry control = s.method("factual-control").adapters().get(0);
        assertThat(control.mode()).isEqualTo(Study.Mode.CONTROL);
        assertThat(control.pretraining()).isNull();
        assertThat(control.config()).containsEntry("adapter_size", 16);
        // 'both' shares the same pretraining step: it runs once.
        assertThat(s.method("both").adapters().get(0).pretraining()).isSameAs(pre);
        assertThat(s.method("both").fusion()).isEqualTo("attention");
        assertThat(s.pretrainings()).containsExactly(pre);
    }

    @Test
    void theBaselineMayHaveItsOwnBudget() throws Exception {
        // A head-only baseline beside in-layer methods: the head wants more epochs than the in-layer plug-ins.
        Study s = parse("""
                data: data
                budgets:
                  default: {epochs: 5, lr: 1e-3}
                tasks: [semeval]
                methods:
                  - name: baseline
                    budget: {epochs: 20, lr: 2e-3}
                  - name: lora
                    downstream: {layer_plugins: [{name: lora}]}
                    budget: {lr: 5e-4}
                """);
        Study.TaskEntry semeval = s.tasks().get(0);
        assertThat(s.methods().get(0).name()).isEqualTo("baseline");
        assertThat(s.method("baseline").budget(semeval).epochs()).isEqualTo(20);
        assertThat(s.method("baseline").budget(semeval).learningRate()).isEqualTo(2e-3);
        assertThat(s.method("lora").budget(semeval).epochs()).isEqualTo(5);
        assertThat(s.method("lora").budget(semeval).learningRate()).isEqualTo(5e-4);
    }

    @Test
    void unknownTopLevelKeyNamesLineAndClosestKey() {
        InfuseException e = error("""
                data: data
                tasks: [semeval]
                method:
                  - name: x
                """);
        assertThat(e.code()).isEqualTo("config-unknown-key");
        assertThat(e.getMessage()).startsWith(tmp.resolve("study.yaml") + ":3:1:").contains("'method'")
                .contains("did you mean 'methods'?");
        assertThat(e.exitCode()).isEqualTo(2);
    }

    @Test
    void unknownTaskSuggestsClosest() {
        InfuseException e = error("""
                data: data
                tasks:
                  - semeval
                  - open-entiy
                """);
        assertThat(e.code()).isEqualTo("config-unknown-task");
        assertThat(e.getMessage()).contains("study.yaml:4:5:").contains("'open-entiy'").contains("did you mean 'open-entity'?");
    }

    @Test
    void evaluateEveryIsReadPerTaskAndLeavesTheRecipesOfBudgetsWithoutItUnchanged() throws Exception {
        Study s = parse("""
                data: data
                budgets:
                  semeval: {evaluate_every: 5}
                tasks:
                  - semeval
                  - open-entity
                """);
        assertThat(s.tasks().get(0).budget().evaluateEvery()).isEqualTo(5);
        assertThat(s.tasks().get(1).budget().evaluateEvery()).isEqualTo(1);
        assertThat(StepWork.training(s.tasks().get(0).budget(), 3).evaluateEvery()).isEqualTo(5);
        // A cell's recipe holds the budget's text: unchanged from before the key existed when it is not set.
        assertThat(s.tasks().get(1).budget().toString()).isEqualTo("Budget[epochs=3, batchSize=32, learningRate=1.0E-4, "
                + "maxLength=128, warmup=0.1, clip=1.0, patience=0, headDropout=0.1, maxTrain=0]");
        assertThat(s.tasks().get(0).budget().toString()).endsWith("maxTrain=0, evaluateEvery=5]");
        InfuseException e = error("""
                data: data
                budgets:
                  default: {evaluate_every: 0}
                tasks:
                  - semeval
                """);
        assertThat(e.code()).isEqualTo("config-bad-value");
        assertThat(e.getMessage()).contains("study.yaml:3:").contains("evaluate_every");
    }

    @Test
    void markersAndMaxTrainAreReadAndABadMarkerNamesItsLine() throws Exception {
        Study s = parse("""
                data: data
                budgets:
                  semeval: {max_train: 300}
                tasks:
                  - {name: semeval, markers: authors}
                  - open-entity
                """);
        assertThat(s.tasks().get(0).markers()).isEqualTo("authors");
        assertThat(s.tasks().get(0).budget().maxTrain()).isEqualTo(300);
        assertThat(s.tasks().get(1).markers()).isNull();
        assertThat(s.tasks().get(1).budget().maxTrain()).isZero();
        InfuseException e = error("""
                data: data
                tasks:
                  - {name: semeval, markers: paper}
                """);
        assertThat(e.code()).isEqualTo("config-bad-value");
        assertThat(e.getMessage()).contains("study.yaml:3:").contains("paper").contains("authors");
    }

    @Test
    void taskFilesAndTestFilesAreReadAndPlainEntriesKeepTheirRecipe() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("pairs.yaml"), "name: my-pairs\nshape: classification\ntrain: pairs.jsonl\n"
                + "fields: {text: s, label: y}\n");
        Study s = parse("""
                data: data
                tasks:
                  - pairs.yaml
                  - {name: semeval, test: semeval-test.txt}
                  - open-entity
                """);
        Study.TaskEntry file = s.tasks().get(0);
        assertThat(file.name()).isEqualTo("my-pairs");
        assertThat(file.file()).isEqualTo(tmp.resolve("pairs.yaml").normalize());
        assertThat(file.ref()).isEqualTo(file.file().toString());
        assertThat(file.metric()).isEqualTo("f1");
        assertThat(s.tasks().get(1).test()).isEqualTo(tmp.resolve("semeval-test.txt").normalize());
        // An entry without test or file prints as before, so earlier studies' cells are reused.
        assertThat(s.tasks().get(2).toString()).doesNotContain("test=").doesNotContain("file=").endsWith(", markers=null]");
        assertThat(s.tasks().get(1).toString()).contains("test=");
        // A task file whose data lies next to it needs no data folder; a plugin task without files does.
        Files.writeString(tmp.resolve("pairs.jsonl"), "{}\n");
        Study own = parse("""
                tasks:
                  - pairs.yaml
                """);
        assertThat(own.tasks().get(0).name()).isEqualTo("my-pairs");
        assertThat(error("""
                tasks:
                  - pairs.yaml
                  - semeval
                """).getMessage()).contains("task 'semeval'").doesNotContain("my-pairs");
    }

    @Test
    void aTaskListedTwiceUnderNewNamesKeepsItsOptionsAndBudgetsByEitherName() throws Exception {
        Files.writeString(tmp.resolve("pairs.yaml"), "name: my-pairs\nshape: classification\ntrain: pairs.jsonl\n"
                + "fields: {text: s, label: y}\n");
        Study s = parse("""
                data: data
                budgets:
                  fewrel: {epochs: 7}
                  fewrel-50: {epochs: 3}
                  pairs-b: {epochs: 2}
                tasks:
                  - {name: fewrel, as: fewrel-10, options: {per_relation: 10}}
                  - {name: fewrel, as: fewrel-50, options: {per_relation: 50}}
                  - fewrel
                  - {name: pairs.yaml, as: pairs-b}
                """);
        assertThat(s.tasks()).extracting(Study.TaskEntry::name).containsExactly("fewrel-10", "fewrel-50", "fewrel", "pairs-b");
        assertThat(s.tasks()).extracting(Study.TaskEntry::ref).startsWith("fewrel", "fewrel", "fewrel");
        assertThat(s.tasks().get(3).ref()).isEqualTo(tmp.resolve("pairs.yaml").normalize().toString());
        assertThat(s.tasks().get(0).options()).containsEntry("per_relation", 10);
        assertThat(s.tasks().get(1).options()).containsEntry("per_relation", 50);
        assertThat(s.tasks()).extracting(t -> t.budget().epochs()).containsExactly(7, 3, 7, 2);
        // Renamed entries are distinct cells: their recipes name the task they run.
        assertThat(s.tasks().get(0).toString()).contains("name=fewrel-10").contains("task=fewrel");
        assertThat(s.tasks().get(2).toString()).doesNotContain("task=");

        assertThat(error("""
                data: data
                tasks: [{name: fewrel, as: semeval}]
                """).getMessage()).contains(":2:").contains("another built-in task's name");
        assertThat(error("""
                data: data
                tasks: [{name: fewrel, as: "a/b"}]
                """).getMessage()).contains("letters, digits");
        assertThat(error("""
                data: data
                tasks: [{name: fewrel, as: x}, {name: semeval, as: x}]
                """).getMessage()).contains("task 'x' is listed twice");
        assertThat(error("""
                data: data
                budgets: {fewrel-5: {epochs: 2}}
                tasks: [{name: fewrel, as: fewrel-10}]
                """).getMessage()).contains("fewrel-5");
    }

    @Test
    void unknownMethodReferenceSuggestsClosest() {
        InfuseException e = error("""
                data: data
                tasks: [semeval]
                methods:
                  - name: factual
                    adapters: [{adapter: factual, pretrain: {task: fewrel}}]
                  - name: control
                    adapters:
                      - mode: control
                        from: factul
                """);
        assertThat(e.code()).isEqualTo("config-unknown-method");
        assertThat(e.getMessage()).contains("study.yaml:9:15:").contains("did you mean 'factual'?");
    }

    @Test
    void unknownAdapterKeyAndModeArePositioned() {
        InfuseException key = error("""
                data: data
                tasks: [semeval]
                methods:
                  - name: m
                    adapters:
                      - adapter: factual
                        mode: train
                        confg: {adapter_size: 4}
                """);
        assertThat(key.code()).isEqualTo("config-unknown-key");
        assertThat(key.getMessage()).contains("study.yaml:8:9:").contains("did you mean 'config'?");

        InfuseException mode = error("""
                data: data
                tasks: [semeval]
                methods:
                  - name: m
                    adapters: [{adapter: factual, mode: pretrianed, artifact: x}]
                """);
        assertThat(mode.code()).isEqualTo("config-bad-value");
        assertThat(mode.getMessage()).contains("study.yaml:5:").contains("did you mean 'pretrained'?");
    }

    @Test
    void badValuesAreNamed() {
        assertThat(error("data: data\ntasks: [semeval]\nseeds: [1, 1]\n").getMessage()).contains(":3:").contains("seed 1 is listed twice");
        assertThat(error("data: data\ntasks: [semeval]\nbudgets: {default: {epochs: zero}}\n").getMessage())
                .contains(":3:").contains("epochs must be an integer");
        assertThat(error("data: data\ntasks: [semeval]\nbudgets: {semevl: {epochs: 2}}\n").getMessage())
                .contains("did you mean 'semeval'?");
        assertThat(error("data: data\ntasks: [semeval]\nmethods: [{name: baseline, adapters: [{adapter: factual, mode: train}]}]\n")
                .getMessage()).contains("reserved");
        assertThat(error("data: data\ntasks: [semeval]\nmethods: [{name: a}, {name: a}]\n").getMessage())
                .contains("defined twice");
        assertThat(error("data: data\ntasks: [semeval]\nmethods: [{name: a, adapters: [{adapter: factual}]}]\n").getMessage())
                .contains("needs a 'mode'");
        assertThat(error("data: data\ntasks: [semeval\n").code()).isEqualTo("config-syntax");
    }

    @Test
    void missingDataFolderIsAClearError() {
        InfuseException e = error("data: nowhere\ntasks: [semeval]\n");
        assertThat(e.code()).isEqualTo("data-missing");
        assertThat(e.getMessage()).contains("study.yaml:1:7:").contains(tmp.resolve("nowhere").toString()).contains("does not exist");

        InfuseException none = error("tasks: [semeval]\n");
        assertThat(none.code()).isEqualTo("data-missing");
        assertThat(none.getMessage()).contains("--data DIR");

        InfuseException override = assertThatThrownByReturning(() -> StudyFile.parse(tmp.resolve("study.yaml"),
                "data: data\ntasks: [semeval]\n", tmp.resolve("elsewhere")));
        assertThat(override.getMessage()).contains("--data").contains("elsewhere");
    }

    @Test
    void theBenchmarkExampleIsValid() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("examples/studies/benchmark.yaml"))) {
            root = root.getParent();
            assertThat(root).as("examples/studies/benchmark.yaml above the working directory").isNotNull();
        }
        Files.createDirectories(tmp.resolve("data"));
        Study s = StudyFile.read(root.resolve("examples/studies/benchmark.yaml"), tmp.resolve("data"));
        assertThat(s.tasks()).extracting(Study.TaskEntry::name).containsExactly("semeval", "open-entity", "ud");
        assertThat(s.methods()).extracting(Study.Method::name).containsExactly("baseline", "factual", "linguistic", "both",
                "factual-control", "linguistic-control", "both-control");
        assertThat(s.pretrainings()).extracting(Study.Pretraining::task).containsExactly("fewrel", "ud");
        assertThat(s.method("both").pretrainings()).hasSize(2);
        assertThat(s.method("both-control").pretrainings()).isEmpty();
        assertThat(s.tasks().get(1).budget().epochs()).isEqualTo(5);
        assertThat(s.pretrainings().get(0).budget().epochs()).isEqualTo(2);
        assertThat(s.seeds()).hasSize(3);
    }

    @Test
    void missingStudyFile() {
        assertThatThrownBy(() -> StudyFile.read(tmp.resolve("none.yaml"), null)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("none.yaml").extracting(e -> ((InfuseException) e).code()).isEqualTo("data-missing");
    }

    private static InfuseException assertThatThrownByReturning(Runnable r) {
        try {
            r.run();
        } catch (InfuseException e) {
            return e;
        }
        throw new AssertionError("no error");
    }
}
