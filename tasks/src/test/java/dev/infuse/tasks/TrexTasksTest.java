package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.data.LamaFact;
import dev.infuse.data.RelationInstance;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.EntityMention;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.Task;
import dev.infuse.spi.TaskProvider;
import dev.infuse.tasks.builtin.BuiltinTasks;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The four T-REx evidence tasks on a small LAMA folder the test writes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrexTasksTest {
    private static final String[] CITIES = {"Paris", "London", "Berlin", "Rome", "Madrid", "Tokyo", "Moscow", "Beijing"};
    private static final String[] COUNTRIES = {"France", "Germany", "Italy", "Spain", "England", "China", "Japan", "Russia"};

    Backbone backbone;

    @TempDir
    Path tmp;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    private static String fact(String relation, String subjectId, String subject, String objectId, String object,
            String evidences) {
        return "{\"sub_uri\":\"" + subjectId + "\",\"sub_label\":\"" + subject + "\",\"obj_uri\":\"" + objectId + "\",\"obj_label\":\""
                + object + "\",\"predicate_id\":\"" + relation + "\",\"evidences\":[" + evidences + "]}\n";
    }

    private static String evidence(String subject, String object, String masked) {
        return "{\"sub_surface\":\"" + subject + "\",\"obj_surface\":\"" + object + "\",\"masked_sentence\":\"" + masked + "\"}";
    }

    /**
     * A LAMA folder: P19 (20 people born in cities; fact 3 has an evidence without its subject, fact 5
     * none), P20 (every P19 pair again, with its own sentence, and 6 more people), P17 (20 places in
     * countries, one object of two words) and P36 (one fact: too few to split).
     */
    static Path lama(Path dir) throws Exception {
        Path lama = Files.createDirectories(dir.resolve("lama/TREx"));
        Files.writeString(dir.resolve("lama/relations.jsonl"), """
                {"relation":"P19","template":"[X] was born in [Y] .","label":"place of birth","type":"N-1"}
                {"relation":"P20","template":"[X] died in [Y] .","label":"place of death","type":"N-1"}
                {"relation":"P17","template":"[X] is located in [Y] .","label":"country","type":"N-1"}
                {"relation":"P36","template":"The capital of [X] is [Y] .","label":"capital","type":"1-1"}
                """);
        StringBuilder p19 = new StringBuilder();
        StringBuilder p20 = new StringBuilder();
        StringBuilder p17 = new StringBuilder();
        for (int i = 0; i < 26; i++) {
            String person = "Person " + i;
            String city = CITIES[i % CITIES.length];
            String cityId = "Q" + (100 + i % CITIES.length);
            if (i < 20) {
                String ev = i == 5 ? "" : evidence(person, city, person + " was born in [MASK] .") + ","
                        + evidence(person, city, "In [MASK] , " + person + " grew up .");
                if (i == 3) {
                    ev += "," + evidence("Nobody", city, "A town called [MASK] .");
                }
                p19.append(fact("P19", "Q" + i, person, cityId, city, ev));
            }
            p20.append(fact("P20", "Q" + i, person, cityId, city, evidence(person, city, person + " died in [MASK] .")));
        }
        for (int i = 0; i < 20; i++) {
            String place = "Place " + i;
            String country = i == 7 ? "Zqx Land" : COUNTRIES[i % COUNTRIES.length];
            p17.append(fact("P17", "Q" + (200 + i), place, "Q" + (300 + i % COUNTRIES.length), country,
                    evidence(place, country, place + " is a town in [MASK] .")));
        }
        Files.writeString(lama.resolve("P19.jsonl"), p19);
        Files.writeString(lama.resolve("P20.jsonl"), p20);
        Files.writeString(lama.resolve("P17.jsonl"), p17);
        Files.writeString(lama.resolve("P36.jsonl"), fact("P36", "Q400", "France", "Q100", "Paris",
                evidence("France", "Paris", "The capital of France is [MASK] .")));
        return dir.resolve("lama");
    }

    private Task task(TaskProvider p, Map<String, Object> options) {
        PluginConfig c = PluginConfig.of("task", options);
        Task t = p.create(c, null);
        c.requireAllConsumed();
        return t;
    }

    private Task.Prepared prepare(TaskProvider p, Path folder, long seed, List<KnowledgeAdapter> adapters,
            Map<String, Object> options) {
        return task(p, options).prepare(new Task.Input(folder, null, backbone.tokenizer(), adapters, 64, seed, 0));
    }

    private static String pair(LamaFact f) {
        return f.subjectUri() + " " + f.objectUri();
    }

    private static String pair(RelationInstance x) {
        return x.headId() + " " + x.tailId();
    }

    @Test
    void shuffledLabelsKeepTheSentencesAndLabelCountsAndBreakThePairing() throws Exception {
        TrexTasks.Split s = TrexTasks.read(lama(tmp), TrexTasks.Config.DEFAULT);
        List<RelationInstance> gold = s.train();
        List<RelationInstance> shuffled = TrexTasks.shuffleLabels(gold, 44);
        assertThat(shuffled).hasSameSizeAs(gold);
        java.util.Map<String, Long> goldCounts = new java.util.TreeMap<>();
        java.util.Map<String, Long> shuffledCounts = new java.util.TreeMap<>();
        int moved = 0;
        for (int i = 0; i < gold.size(); i++) {
            assertThat(shuffled.get(i).tokens()).isEqualTo(gold.get(i).tokens());
            assertThat(shuffled.get(i).headId()).isEqualTo(gold.get(i).headId());
            goldCounts.merge(gold.get(i).relation(), 1L, Long::sum);
            shuffledCounts.merge(shuffled.get(i).relation(), 1L, Long::sum);
            moved += gold.get(i).relation().equals(shuffled.get(i).relation()) ? 0 : 1;
        }
        assertThat(shuffledCounts).isEqualTo(goldCounts);
        assertThat(moved).as("labels that changed").isGreaterThan(gold.size() / 3);
        assertThat(TrexTasks.shuffleLabels(gold, 44)).isEqualTo(shuffled);
        // The task option: prepares, and a bad value is one clear error.
        Task.Prepared p = prepare(new BuiltinTasks.TrexRcTask(), tmp.resolve("lama"), 1, List.of(), Map.of("labels", "shuffled"));
        assertThat(p.train().size()).isPositive();
        assertThatThrownBy(() -> prepare(new BuiltinTasks.TrexRcTask(), tmp.resolve("lama"), 1, List.of(), Map.of("labels", "random")))
                .isInstanceOf(InfuseException.class).hasMessageContaining("labels").hasMessageContaining("gold or shuffled");
    }

    @Test
    void theSplitKeepsProbeAndDevelopmentPairsOutOfTraining() throws Exception {
        TrexTasks.Split s = TrexTasks.read(lama(tmp), TrexTasks.Config.DEFAULT);
        Set<String> probe = new HashSet<>();
        s.probeFacts().forEach(f -> probe.add(pair(f)));
        Set<String> dev = new HashSet<>();
        s.devFacts().forEach(f -> dev.add(pair(f)));
        // 20% of P19 (20 facts), P20 (26) and P17 (20) by subject; P36 (1 fact) has none.
        assertThat(s.probeFacts()).hasSize(4 + 5 + 4);
        assertThat(s.probeFacts()).noneMatch(f -> f.predicateId().equals("P36"));
        assertThat(s.devFacts()).isNotEmpty();
        assertThat(s.trainFacts()).noneMatch(f -> probe.contains(pair(f)) || dev.contains(pair(f)));
        assertThat(s.devFacts()).noneMatch(f -> probe.contains(pair(f)));
        assertThat(s.train()).isNotEmpty().noneMatch(x -> probe.contains(pair(x)) || dev.contains(pair(x)));
        assertThat(s.dev()).isNotEmpty().allMatch(x -> dev.contains(pair(x)));
        // Every training and development sentence is of a training or development fact.
        Set<String> known = new HashSet<>();
        s.trainFacts().forEach(f -> known.add(f.predicateId() + " " + pair(f)));
        s.devFacts().forEach(f -> known.add(f.predicateId() + " " + pair(f)));
        List<RelationInstance> all = new ArrayList<>(s.train());
        all.addAll(s.dev());
        assertThat(all).allMatch(x -> known.contains(x.relation() + " " + pair(x)));
        // P19 and P20 share their pairs: a pair held out in one relation is held out in the other.
        assertThat(s.probeFacts().stream().filter(f -> f.predicateId().equals("P20"))).isNotEmpty();
        assertThat(s.skipped()).containsEntry("relation-too-few-facts", 1L).containsEntry("fact-without-evidence", 1L)
                .containsKey("fact-probe-pair");
        // Fact 3 of P19 has an evidence without its subject: counted when its sentences were read (not a probe pair).
        boolean read = s.trainFacts().stream().anyMatch(f -> f.predicateId().equals("P19") && f.subjectUri().equals("Q3"))
                || s.devFacts().stream().anyMatch(f -> f.predicateId().equals("P19") && f.subjectUri().equals("Q3"));
        assertThat(s.skipped().getOrDefault("subject-not-found", 0L)).isEqualTo(read ? 1L : 0L);
        // The split seed decides; the same seed gives the same split.
        assertThat(TrexTasks.read(lama(tmp.resolve("again")), TrexTasks.Config.DEFAULT).probeFacts()).isEqualTo(s.probeFacts());
        assertThat(TrexTasks.read(lama(tmp.resolve("other")), new TrexTasks.Config(0.2, 7)).probeFacts())
                .isNotEqualTo(s.probeFacts());
    }

    @Test
    void eachTaskPreparesItsSplitsIndependentlyOfTheRunSeed() throws Exception {
        Path folder = lama(tmp);
        TrexTasks.Split s = TrexTasks.read(folder, TrexTasks.Config.DEFAULT);

        Task.Prepared rc = prepare(new BuiltinTasks.TrexRcTask(), folder, 1, List.of(), Map.of());
        assertThat(rc.train().size()).isEqualTo(s.train().size());
        assertThat(rc.dev().size()).isEqualTo(s.dev().size());
        assertThat(((RelationClassification) rc.train()).labels()).containsExactly("P17", "P19", "P20", "P36");
        // The files read are regular files (hashed for provenance and checkpoints): relations.jsonl and the fact files.
        assertThat(rc.files()).hasSize(5).allMatch(Files::isRegularFile);
        assertThat(rc.files().get(0).getFileName().toString()).isEqualTo("relations.jsonl");
        assertThat(rc.train().skipped()).containsEntry("relation-too-few-facts", 1).containsEntry("fact-without-evidence", 1);
        assertThat(String.join(" ", rc.train().texts().get(0).tokens())).contains("@").contains("#");

        Task.Prepared mlm = prepare(new BuiltinTasks.TrexMentionMlmTask(), folder, 1, List.of(), Map.of());
        assertThat(mlm.train().size()).isEqualTo(3 * s.train().size());
        assertThat(mlm.dev().size()).isEqualTo(3 * s.dev().size());

        // Cloze and probe: one query per fact with a one-piece object ("Zqx Land" is not).
        long multiPiece = s.trainFacts().stream().filter(f -> f.objectLabel().contains(" ")).count();
        Task.Prepared cloze = prepare(new BuiltinTasks.TrexClozeTask(), folder, 1, List.of(), Map.of());
        assertThat(cloze.train().size()).isEqualTo(s.trainFacts().size() - (int) multiPiece);
        assertThat(cloze.dev().size() + cloze.dev().skipped().getOrDefault("multi-token-object", 0))
                .isEqualTo(s.devFacts().size());
        assertThat(cloze.train().skipped()).containsEntry("fact-probe-pair", s.skipped().get("fact-probe-pair").intValue());
        String query = String.join(" ", cloze.train().texts().get(0).tokens()).replace(" ##", "");
        assertThat(query).contains("[MASK]").contains("born in");

        Task probeTask = task(new BuiltinTasks.TrexProbeTask(), Map.of());
        assertThat(probeTask.probe()).isTrue();
        Task.Prepared probe = prepare(new BuiltinTasks.TrexProbeTask(), folder, 1, List.of(), Map.of());
        assertThat(probe.train().size()).isZero();
        assertThat(probe.dev().size() + probe.dev().skipped().getOrDefault("multi-token-object", 0))
                .isEqualTo(s.probeFacts().size());
        assertThat(probe.dev().skipped()).containsEntry("relation-too-few-facts", 1);

        // Another run seed: the same examples; another split seed: others.
        for (TaskProvider p : List.of(new BuiltinTasks.TrexRcTask(), new BuiltinTasks.TrexMentionMlmTask(),
                new BuiltinTasks.TrexClozeTask(), new BuiltinTasks.TrexProbeTask())) {
            Task.Prepared one = prepare(p, folder, 1, List.of(), Map.of());
            Task.Prepared two = prepare(p, folder, 99, List.of(), Map.of());
            assertThat(two.dev().texts()).as(p.name()).isEqualTo(one.dev().texts());
            assertThat(two.train().texts()).as(p.name()).isEqualTo(one.train().texts());
            Task.Prepared other = prepare(p, folder, 1, List.of(), Map.of("split_seed", "7", "probe_fraction", 0.3));
            assertThat(other.dev().texts()).as(p.name()).isNotEqualTo(one.dev().texts());
        }
    }

    @Test
    void clozeTestFolderAsksTheProbeFacts() throws Exception {
        Path folder = lama(tmp);
        Task.Prepared cloze = prepare(new BuiltinTasks.TrexClozeTask(), folder, 1, List.of(), Map.of());
        Task.Prepared probe = prepare(new BuiltinTasks.TrexProbeTask(), folder, 1, List.of(), Map.of());
        assertThat(cloze.read(folder).texts()).isEqualTo(probe.dev().texts());
        Set<String> trained = new HashSet<>();
        cloze.train().texts().forEach(t -> trained.add(String.join(" ", t.tokens())));
        cloze.dev().texts().forEach(t -> trained.add(String.join(" ", t.tokens())));
        assertThat(probe.dev().texts()).noneMatch(t -> trained.contains(String.join(" ", t.tokens())));
        Task.Prepared rc = prepare(new BuiltinTasks.TrexRcTask(), folder, 1, List.of(), Map.of());
        assertThatThrownBy(() -> rc.read(folder)).isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("usage")).hasMessageContaining("trex-rc");
    }

    /** Records the ids of the mentions it is shown and puts a prefix before each. */
    static final class Recorder implements KnowledgeAdapter {
        final Set<String> ids = new HashSet<>();

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public Map<String, Object> config() {
            return Map.of();
        }

        @Override
        public String mentionPrefix(EntityMention m) {
            ids.add(m.entityId());
            return m.entityId() == null ? "" : "is ";
        }
    }

    @Test
    void mentionsCarryTheirWikidataIds() throws Exception {
        Path folder = lama(tmp);
        TrexTasks.Split s = TrexTasks.read(folder, TrexTasks.Config.DEFAULT);
        Recorder mlm = new Recorder();
        Task.Prepared m = prepare(new BuiltinTasks.TrexMentionMlmTask(), folder, 1, List.of(mlm), Map.of());
        Set<String> expected = new HashSet<>();
        s.train().forEach(x -> {
            expected.add(x.headId());
            expected.add(x.tailId());
        });
        assertThat(mlm.ids).containsAll(expected);
        assertThat(m.train().skipped()).doesNotContainKey("masked-mention-unlinked");
        assertThat(m.train().size()).isEqualTo(3 * s.train().size());

        Recorder probe = new Recorder();
        prepare(new BuiltinTasks.TrexProbeTask(), folder, 1, List.of(probe), Map.of());
        Set<String> probeSubjects = new HashSet<>();
        s.probeFacts().forEach(f -> probeSubjects.add(f.subjectUri()));
        assertThat(probe.ids).containsAll(probeSubjects);
    }

    @Test
    void aFolderWithoutEvidencesIsOneClearError() throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("bare/TREx"));
        Files.writeString(tmp.resolve("bare/relations.jsonl"), "{\"relation\":\"P19\",\"template\":\"[X] was born in [Y] .\"}\n");
        StringBuilder facts = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            facts.append(fact("P19", "Q" + i, "Person " + i, "Q100", "Paris", ""));
        }
        Files.writeString(lama.resolve("P19.jsonl"), facts);
        for (TaskProvider p : List.of(new BuiltinTasks.TrexRcTask(), new BuiltinTasks.TrexMentionMlmTask(),
                new BuiltinTasks.TrexClozeTask(), new BuiltinTasks.TrexProbeTask())) {
            assertThatThrownBy(() -> prepare(p, tmp.resolve("bare"), 1, List.of(), Map.of())).as(p.name())
                    .isInstanceOf(InfuseException.class).satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("data-empty"))
                    .hasMessageContaining("bare").hasMessageContaining("no T-REx evidence sentence");
        }
        assertThatThrownBy(() -> prepare(new BuiltinTasks.TrexRcTask(), tmp.resolve("nowhere"), 1, List.of(), Map.of()))
                .isInstanceOf(InfuseException.class).satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("data-missing"))
                .hasMessageContaining("nowhere");
    }

    @Test
    void relationsTooSmallToSplitLeaveNoProbeAndSaySo() throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("small/TREx"));
        Files.writeString(tmp.resolve("small/relations.jsonl"), "{\"relation\":\"P19\",\"template\":\"[X] was born in [Y] .\"}\n"
                + "{\"relation\":\"P20\",\"template\":\"[X] died in [Y] .\"}\n");
        Files.writeString(lama.resolve("P19.jsonl"), fact("P19", "Q1", "Person 1", "Q100", "Paris",
                evidence("Person 1", "Paris", "Person 1 was born in [MASK] .")) + fact("P19", "Q2", "Person 2", "Q101", "London",
                evidence("Person 2", "London", "Person 2 was born in [MASK] .")));
        Files.writeString(lama.resolve("P20.jsonl"), fact("P20", "Q1", "Person 1", "Q100", "Paris",
                evidence("Person 1", "Paris", "Person 1 died in [MASK] .")));
        Path folder = tmp.resolve("small");
        assertThatThrownBy(() -> prepare(new BuiltinTasks.TrexProbeTask(), folder, 1, List.of(), Map.of()))
                .isInstanceOf(InfuseException.class).satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("data-empty"))
                .hasMessageContaining("no probe fact").hasMessageContaining("relation-too-few-facts=2");
        assertThatThrownBy(() -> prepare(new BuiltinTasks.TrexRcTask(), folder, 1, List.of(), Map.of()))
                .isInstanceOf(InfuseException.class).satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("data-empty"))
                .hasMessageContaining("no development fact");
    }

    @Test
    void badOptionsAndADevFileAreClearErrors() throws Exception {
        Path folder = lama(tmp);
        assertThatThrownBy(() -> prepare(new BuiltinTasks.TrexRcTask(), folder, 1, List.of(), Map.of("probe_fraction", "1.5")))
                .isInstanceOf(InfuseException.class).satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("config-bad-value"))
                .hasMessageContaining("probe_fraction").hasMessageContaining("trex-rc");
        assertThatThrownBy(() -> prepare(new BuiltinTasks.TrexProbeTask(), folder, 1, List.of(), Map.of("split_seed", "x")))
                .isInstanceOf(InfuseException.class).satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("config-bad-value"))
                .hasMessageContaining("split_seed");
        assertThatThrownBy(() -> task(new BuiltinTasks.TrexClozeTask(), Map.of()).prepare(new Task.Input(folder, folder,
                backbone.tokenizer(), List.of(), 64, 1, 0))).isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("usage")).hasMessageContaining("--dev");
    }

    @Test
    void theRunnerTrainsAndProbesFromADataFolder() throws Exception {
        lama(tmp.resolve("data"));
        var training = new dev.infuse.api.TrainingConfig(1, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        try (dev.infuse.api.Infuse infuse = dev.infuse.api.Infuse.builder().pluginsDirectory(tmp.resolve("plugins"))
                .cacheDirectory(tmp.resolve("cache")).build()) {
            var rc = TaskRunner.run(infuse, backbone, RunSpec.builder("trex-rc").data(tmp.resolve("data")).adapters(List.of())
                    .training(training).maxLength(48).headDropout(0f).out(tmp.resolve("rc")).build());
            assertThat(rc.metrics()).containsKeys("f1", "accuracy");
            assertThat(rc.skippedTrain()).containsEntry("relation-too-few-facts", 1);
            var probe = TaskRunner.run(infuse, backbone, RunSpec.builder("trex-probe").data(tmp.resolve("data"))
                    .taskOption("split_seed", "7").training(training).maxLength(48).out(tmp.resolve("probe")).build());
            TrexTasks.Split s = TrexTasks.read(tmp.resolve("data/lama"), new TrexTasks.Config(0.2, 7));
            assertThat(probe.metrics().get("facts") + probe.skippedDev().getOrDefault("multi-token-object", 0))
                    .isEqualTo((double) s.probeFacts().size());
            assertThat(probe.skippedDev()).containsEntry("relation-too-few-facts", 1);
            assertThat(tmp.resolve("probe/outcomes.json")).isRegularFile();
            // Cloze queries train an adapter through the masked-LM head (add fusion, the default there).
            Map<String, Object> small = Map.of("adapter_size", 16, "heads", 2, "intermediate_size", 32, "adapter_layers", 1);
            var cloze = TaskRunner.run(infuse, backbone, RunSpec.builder("trex-cloze").data(tmp.resolve("data"))
                    .adapters(List.of(new RunSpec.AdapterUse("factual", null, RunSpec.AdapterMode.TRAIN, small))).training(training)
                    .maxLength(48).cache(false).out(tmp.resolve("cloze")).build());
            assertThat(cloze.trainableParameters()).isPositive();
            assertThat(cloze.report().epochs()).hasSize(1);
            assertThat(cloze.metrics()).containsKey("p_at_1");
        }
    }
}
