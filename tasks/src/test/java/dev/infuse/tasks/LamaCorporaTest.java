package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Infuse;
import dev.infuse.api.TrainingConfig;
import dev.infuse.data.Lama;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every LAMA corpus, in the shapes of LAMA's release, written small by the test. */
class LamaCorporaTest {
    @TempDir
    Path tmp;

    private Path folder(boolean trex, boolean google, boolean conceptNet, boolean squad) throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("lama"));
        if (trex) {
            Files.createDirectories(lama.resolve("TREx"));
            Files.writeString(lama.resolve("relations.jsonl"), "{\"relation\":\"P1\",\"template\":\"[X] is near a [Y] .\"}\n");
            Files.writeString(lama.resolve("TREx/P1.jsonl"), "{\"sub_label\":\"cat\",\"obj_label\":\"house\",\"predicate_id\":\"P1\"}\n"
                    + "{\"sub_label\":\"dog\",\"obj_label\":\"paris\",\"predicate_id\":\"P1\"}\n");
        }
        if (google) {
            Files.createDirectories(lama.resolve("Google_RE"));
            Files.writeString(lama.resolve("Google_RE/place_of_birth_test.jsonl"), "{\"pred\":\"/people/person/place_of_birth\","
                    + "\"sub_label\":\"cat\",\"obj_label\":\"house\",\"masked_sentences\":[\"the cat was born in [MASK] .\"]}\n");
            Files.writeString(lama.resolve("Google_RE/place_of_death_test.jsonl"), "{\"sub_label\":\"dog\",\"obj_label\":\"house\","
                    + "\"masked_sentences\":[]}\n");
        }
        if (conceptNet) {
            Files.createDirectories(lama.resolve("ConceptNet"));
            Files.writeString(lama.resolve("ConceptNet/test.jsonl"), "{\"sub_label\":\"cat\",\"obj_label\":\"house\","
                    + "\"pred\":\"AtLocation\",\"masked_sentences\":[\"a cat is in the [MASK] .\"]}\n"
                    + "{\"sub_label\":\"dog\",\"obj_label\":\"house\",\"masked_sentences\":[\"no mask here\"]}\n");
        }
        if (squad) {
            Files.createDirectories(lama.resolve("Squad"));
            Files.writeString(lama.resolve("Squad/test.jsonl"), "{\"sub_label\":\"Squad\",\"obj_label\":\"tree\",\"id\":\"q1\","
                    + "\"masked_sentences\":[\"the dog is near a [MASK] .\"]}\n");
        }
        return lama;
    }

    @Test
    void findsEveryCorpusWithLamasTemplates() throws Exception {
        List<Lama.Corpus> all = Lama.readCorpora(folder(true, true, true, true), Lama.SINGLE_WORD);
        assertThat(all).extracting(Lama.Corpus::name).containsExactly("trex", "google-re", "conceptnet", "squad");
        var google = all.get(1).probe();
        assertThat(google.relations()).extracting(r -> r.relation() + "=" + r.template())
                .containsExactly("place_of_birth=[X] was born in [Y] .", "place_of_death=[X] died in [Y] .");
        assertThat(google.missingRelations()).containsExactly("date_of_birth");
        assertThat(all.get(2).probe().relations().get(0).template()).isNull();
        assertThat(all.get(2).probe().factCount()).isEqualTo(2);
        assertThat(all.get(0).probe().factCount()).isEqualTo(2);
    }

    @Test
    void aFolderWithOnlySomeCorporaAndOneWithNone() throws Exception {
        assertThat(Lama.readCorpora(folder(false, false, true, false), Lama.SINGLE_WORD)).extracting(Lama.Corpus::name)
                .containsExactly("conceptnet");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> Lama.readCorpora(empty, Lama.SINGLE_WORD)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("no LAMA corpus");
    }

    @Test
    void theLamaTaskProbesTheChosenCorpusWithAVocabularyRestriction() throws Exception {
        Path lama = folder(true, true, true, true);
        TrainingConfig training = new TrainingConfig(1, 8, 0, 1e-3, 0.1, 1.0, 0, 1);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            var google = TaskRunner.run(infuse, backbone, RunSpec.builder("lama").train(lama).taskOption("corpus", "google-re")
                    .training(training).maxLength(32).out(tmp.resolve("google")).build());
            // One query: the fact without a sentence is asked through its template all the same.
            assertThat(google.metrics()).containsEntry("facts", 2.0).containsKeys("p_at_1/place_of_birth", "p_at_1/place_of_death");
            var concept = TaskRunner.run(infuse, backbone, RunSpec.builder("lama").train(lama).taskOption("corpus", "conceptnet")
                    .training(training).maxLength(32).out(tmp.resolve("concept")).build());
            assertThat(concept.metrics()).containsEntry("facts", 1.0);
            assertThat(concept.skippedDev()).containsEntry("no-masked-sentence", 1);

            Path vocab = Files.writeString(tmp.resolve("common_vocab.txt"), "house\nlondon\n");
            var restricted = TaskRunner.run(infuse, backbone, RunSpec.builder("lama").train(lama).taskOption("vocab", vocab.toString())
                    .training(training).maxLength(32).out(tmp.resolve("vocab")).build());
            assertThat(restricted.metrics()).containsEntry("facts", 1.0);
            assertThat(restricted.skippedDev()).containsEntry("object-not-in-vocabulary", 1);
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            int answers = 0;
            for (String line : Files.readAllLines(tmp.resolve("vocab/predictions.jsonl"))) {
                for (var top : json.readTree(line).get("top")) {
                    assertThat(Set.of("house", "london")).contains(top.get("token").asText());
                    answers++;
                }
            }
            assertThat(answers).isPositive();
            assertThatThrownBy(() -> TaskRunner.run(infuse, backbone, RunSpec.builder("lama").train(lama)
                    .taskOption("corpus", "wikidata").training(training).maxLength(32).out(tmp.resolve("x")).build()))
                    .hasMessageContaining("corpus 'wikidata'");
        }
    }
}
