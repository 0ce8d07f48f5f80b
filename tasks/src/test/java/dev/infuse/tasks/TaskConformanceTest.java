package dev.infuse.tasks;

import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import dev.infuse.spi.Task;
import dev.infuse.spi.TaskProvider;
import dev.infuse.tasks.builtin.BuiltinTasks;
import dev.infuse.testkit.TaskProviderConformance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/** The task conformance suite over built-in tasks and declarative task files of each shape. */
class TaskConformanceTest {

    @Nested
    class SemEval extends TaskProviderConformance {
        @Override
        protected TaskProvider provider() {
            return new BuiltinTasks.SemEvalTask();
        }

        @Override
        protected Map<String, Object> options() {
            return Map.of("markers", "authors");
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            return Files.writeString(dir.resolve("TRAIN_FILE.TXT"), TaskRunnerTest.semEval());
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            return Files.writeString(dir.resolve("BAD_FILE.TXT"), "1\t\"no markers here\"\r\nOther\r\nComment:\r\n\r\n");
        }
    }

    @Nested
    class FewRel extends TaskProviderConformance {
        @Override
        protected TaskProvider provider() {
            return new BuiltinTasks.FewRelTask();
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            return Files.writeString(dir.resolve("fewrel.json"), TaskRunnerTest.fewRel());
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            return Files.writeString(dir.resolve("bad-fewrel.json"), "{\"P1\": [{\"tokens\": [\"a\"], \"h\": 3}]}");
        }
    }

    @Nested
    class CosmosQa extends TaskProviderConformance {
        @Override
        protected TaskProvider provider() {
            return new BuiltinTasks.CosmosQaTask();
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder("id,context,question,answer0,answer1,answer2,answer3,label\n");
            for (int i = 0; i < 30; i++) {
                // Contexts repeat: two questions per paragraph, quoted, one spanning two lines.
                s.append("q").append(i).append(",\"the city of london is big,\nand old ").append(i / 2)
                        .append("\",what is it ?,a city,a house,paris,none of the above,").append(i % 4).append('\n');
            }
            return Files.writeString(dir.resolve("valid.csv"), s);
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            return Files.writeString(dir.resolve("bad.csv"), "id,context,question,answer0,answer1,answer2,answer3,label\n"
                    + "q1,c,q,a,b,c,d,7\n");
        }
    }

    /** The T-REx evidence tasks: a LAMA folder as their data, a malformed fact line as the bad file. */
    abstract static class Trex extends TaskProviderConformance {
        @Override
        protected Path writeData(Path dir) throws Exception {
            return TrexTasksTest.lama(dir);
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            Path facts = Files.createDirectories(dir.resolve("bad-lama/TREx"));
            Files.writeString(dir.resolve("bad-lama/relations.jsonl"), "{\"relation\":\"P19\",\"template\":\"[X] was born in [Y] .\"}\n");
            Files.writeString(facts.resolve("P19.jsonl"), "{\"sub_label\": \"a\", \"obj_label\": \n");
            return dir.resolve("bad-lama");
        }
    }

    @Nested
    class TrexRc extends Trex {
        @Override
        protected TaskProvider provider() {
            return new BuiltinTasks.TrexRcTask();
        }

        @Override
        protected Map<String, Object> options() {
            return Map.of("markers", "authors", "split_seed", 3);
        }
    }

    @Nested
    class TrexMentionMlm extends Trex {
        @Override
        protected TaskProvider provider() {
            return new BuiltinTasks.TrexMentionMlmTask();
        }
    }

    @Nested
    class TrexCloze extends Trex {
        @Override
        protected TaskProvider provider() {
            return new BuiltinTasks.TrexClozeTask();
        }

        @Override
        protected Map<String, Object> options() {
            return Map.of("probe_fraction", 0.25);
        }
    }

    @Nested
    class TrexProbe extends Trex {
        @Override
        protected TaskProvider provider() {
            return new BuiltinTasks.TrexProbeTask();
        }
    }

    /** A task file as a provider, so that the suite runs on declarative tasks too. */
    abstract static class Declarative extends TaskProviderConformance {
        @org.junit.jupiter.api.io.TempDir
        Path home;
        Path file;

        abstract String yaml();

        @Override
        protected TaskProvider provider() {
            return new TaskProvider() {
                @Override
                public String name() {
                    return create(PluginConfig.empty("t"), null).name();
                }

                private Path file() {
                    try {
                        return file != null ? file : Files.writeString(home.resolve("task.yaml"), yaml());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }

                @Override
                public String version() {
                    return "1";
                }

                @Override
                public String requestedSpiVersion() {
                    return Spi.VERSION;
                }

                @Override
                public List<ParameterSpec> parameters() {
                    return List.of();
                }

                @Override
                public Task create(PluginConfig options, PluginContext context) {
                    // A task file takes the markers option only; anything else is refused like a plugin's unknown key.
                    options.getString("markers", null);
                    return Tasks.builtIn().create(file().toString(), Map.of());
                }
            };
        }
    }

    @Nested
    class DeclarativeRelation extends Declarative {
        @Override
        String yaml() {
            return """
                    name: my-relations
                    shape: relation
                    train: rel.jsonl
                    spans: inclusive
                    fields: {tokens: token, subject: [subj_start, subj_end], object: [obj_start, obj_end], label: relation}
                    metric: accuracy
                    """;
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder();
            String[][] rel = {{"born-in", "ada", "london"}, {"works-for", "bob", "acme"}};
            for (int i = 0; i < 40; i++) {
                String[] r = rel[i % 2];
                s.append("{\"token\":[\"").append(r[1]).append("\",\"was\",\"near\",\"").append(r[2])
                        .append("\",\".\"],\"subj_start\":0,\"subj_end\":0,\"obj_start\":3,\"obj_end\":3,\"relation\":\"").append(r[0])
                        .append("\"}\n");
            }
            Path data = Files.writeString(dir.resolve("rel.jsonl"), s);
            file = Files.writeString(dir.resolve("my-relations.yaml"), yaml());
            return data;
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            file = Files.writeString(dir.resolve("my-relations.yaml"), yaml());
            return Files.writeString(dir.resolve("bad.jsonl"), "{\"token\":[\"a\",\"b\"],\"subj_start\":0,\"subj_end\":7,"
                    + "\"obj_start\":1,\"obj_end\":1,\"relation\":\"x\"}\n");
        }
    }

    /** A TSV table: tokens as whitespace-separated words, spans as index columns, a literal quote in a cell. */
    @Nested
    class DeclarativeRelationTsv extends Declarative {
        @Override
        String yaml() {
            return """
                    name: my-relations-tsv
                    shape: relation
                    format: tsv
                    train: rel.tsv
                    fields: {tokens: sentence, subject: [s0, s1], object: [o0, o1], label: relation}
                    """;
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder("relation\ts0\ts1\to0\to1\tsentence\n");
            String[][] rel = {{"born-in", "ada", "london"}, {"works-for", "bob", "acme"}};
            for (int i = 0; i < 40; i++) {
                String[] r = rel[i % 2];
                s.append(r[0]).append("\t0\t1\t3\t4\t").append(r[1]).append(" was near \"").append(r[2]).append(" .\n");
            }
            Path data = Files.writeString(dir.resolve("rel.tsv"), s);
            file = Files.writeString(dir.resolve("my-relations-tsv.yaml"), yaml());
            return data;
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            file = Files.writeString(dir.resolve("my-relations-tsv.yaml"), yaml());
            return Files.writeString(dir.resolve("bad.tsv"), "relation\ts0\ts1\to0\to1\tsentence\nx\t0\tone\t1\t2\ta b\n");
        }
    }

    /** A CSV table: quoted cells holding commas, one answer per column. */
    @Nested
    class DeclarativeMultipleChoiceCsv extends Declarative {
        @Override
        String yaml() {
            return """
                    name: my-choices-csv
                    shape: multiple-choice
                    format: csv
                    train: mc.csv
                    fields: {context: passage, question: q, choices: [a0, a1, a2], label: answer}
                    """;
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder("passage,q,a0,a1,a2,answer\n");
            for (int i = 0; i < 30; i++) {
                s.append("\"the city of london, is old\",what is it ?,a city,\"a house, or two\",paris,").append(i % 3).append('\n');
            }
            Path data = Files.writeString(dir.resolve("mc.csv"), s);
            file = Files.writeString(dir.resolve("my-choices-csv.yaml"), yaml());
            return data;
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            file = Files.writeString(dir.resolve("my-choices-csv.yaml"), yaml());
            return Files.writeString(dir.resolve("bad.csv"), "passage,q,a0,a1,answer\nc,q,a,b,1\n");
        }
    }

    @Nested
    class DeclarativePairClassification extends Declarative {
        @Override
        String yaml() {
            return """
                    name: my-pairs
                    shape: classification
                    train: pairs.jsonl
                    fields: {id: id, text: premise, text_pair: hypothesis, label: gold}
                    """;
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                s.append("{\"id\":\"p").append(i).append("\",\"premise\":\"a dog runs\",\"hypothesis\":\"")
                        .append(i % 2 == 0 ? "an animal moves" : "nothing moves").append("\",\"gold\":")
                        .append(i % 2).append("}\n");
            }
            Path data = Files.writeString(dir.resolve("pairs.jsonl"), s);
            file = Files.writeString(dir.resolve("my-pairs.yaml"), yaml());
            return data;
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            file = Files.writeString(dir.resolve("my-pairs.yaml"), yaml());
            return Files.writeString(dir.resolve("bad.jsonl"), "{\"id\":\"x\",\"premise\":\"a\",\"hypothesis\":\"b\"}\n");
        }
    }

    @Nested
    class DeclarativeEntityTyping extends Declarative {
        @Override
        String yaml() {
            return """
                    name: my-types
                    shape: entity-typing
                    train: types.jsonl
                    types: [person, place]
                    fields: {tokens: words, mention: [start, end], labels: types}
                    """;
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                s.append("{\"words\":[\"we\",\"met\",\"").append(i % 2 == 0 ? "ada" : "paris")
                        .append("\",\"today\"],\"start\":2,\"end\":3,\"types\":[\"").append(i % 2 == 0 ? "person" : "place")
                        .append("\"]}\n");
            }
            Path data = Files.writeString(dir.resolve("types.jsonl"), s);
            file = Files.writeString(dir.resolve("my-types.yaml"), yaml());
            return data;
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            file = Files.writeString(dir.resolve("my-types.yaml"), yaml());
            return Files.writeString(dir.resolve("bad.jsonl"), "{\"words\":[\"a\"],\"start\":0,\"end\":1,\"types\":[\"animal\"]}\n");
        }
    }

    @Nested
    class DeclarativeMultipleChoice extends Declarative {
        @Override
        String yaml() {
            return """
                    name: my-choices
                    shape: multiple-choice
                    train: mc.jsonl
                    fields: {id: qid, context: passage, question: q, choices: options, label: answer}
                    """;
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                s.append("{\"qid\":\"m").append(i).append("\",\"passage\":\"the city of london is old\",\"q\":\"what is it ?\",")
                        .append("\"options\":[\"a city\",\"a house\",\"paris\"],\"answer\":").append(i % 3).append("}\n");
            }
            Path data = Files.writeString(dir.resolve("mc.jsonl"), s);
            file = Files.writeString(dir.resolve("my-choices.yaml"), yaml());
            return data;
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            file = Files.writeString(dir.resolve("my-choices.yaml"), yaml());
            return Files.writeString(dir.resolve("bad.jsonl"), "{\"qid\":\"x\",\"q\":\"a\",\"options\":[\"a\",\"b\"],\"answer\":5}\n");
        }
    }

    @Nested
    class DeclarativeCloze extends Declarative {
        @Override
        String yaml() {
            return """
                    name: my-cloze
                    shape: cloze
                    train: cloze.jsonl
                    fields: {text: sentence, answer: obj, group: rel}
                    """;
        }

        @Override
        protected Path writeData(Path dir) throws Exception {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                s.append("{\"sentence\":\"the capital is [MASK] .\",\"obj\":\"").append(i % 2 == 0 ? "london" : "paris")
                        .append("\",\"rel\":\"r").append(i % 3).append("\"}\n");
            }
            Path data = Files.writeString(dir.resolve("cloze.jsonl"), s);
            file = Files.writeString(dir.resolve("my-cloze.yaml"), yaml());
            return data;
        }

        @Override
        protected Path writeBadData(Path dir) throws Exception {
            file = Files.writeString(dir.resolve("my-cloze.yaml"), yaml());
            return Files.writeString(dir.resolve("bad.jsonl"), "{\"sentence\":\"no mask\",\"obj\":\"london\"}\n");
        }
    }
}
