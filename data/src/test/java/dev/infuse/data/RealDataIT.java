package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the real data sets when they are present (skipped otherwise). */
class RealDataIT {
    @TempDir
    Path tmp;

    @Test
    void tacredSample() {
        ReadResult<TacredExample> r = Tacred.read(SharedData.require("tacred/sample_yuhaozhang/dev.json"));
        assertThat(r.records()).hasSize(20);
        TacredExample first = r.records().get(0);
        assertThat(first.id()).isEqualTo("e779865fb91dc9cef1f3");
        assertThat(first.relation()).isEqualTo("no_relation");
        assertThat(first.tokens().subList(first.subject().start(), first.subject().end())).containsExactly("Edwards");
        assertThat(first.object()).isEqualTo(new Span(15, 16));
        assertThat(first.subjectType()).isEqualTo("PERSON");
        assertThat(first.objectType()).isEqualTo("TITLE");
        assertThat(Tacred.read(SharedData.require("tacred/sample_yuhaozhang/train.json")).records()).hasSize(20);
    }

    @Test
    void cosmosQaValidation() {
        ReadResult<MultipleChoiceExample> r = CosmosQa.read(SharedData.require("cosmosqa/valid.csv"));
        assertThat(r.records()).hasSize(2_985);
        MultipleChoiceExample first = r.records().get(0);
        assertThat(first.id()).startsWith("3BFF0DJK8XA7YNK4QYIGCOG1A95STE##").endsWith("##q1_a1##378G7J1SJNCDAAIN46FM2P7T6KZEW2");
        assertThat(first.question()).isEqualTo("Why is this person asking about divorce ?");
        assertThat(first.context()).startsWith("Do i need to go for a legal divorce ? I wanted to ");
        assertThat(first.choices().get(0)).startsWith("If he gets married in the church he wo n");
        assertThat(first.label()).isEqualTo(1);
        assertThat(r.records().stream().filter(e -> e.label() == 2)).hasSize(761);
    }

    @Test
    void fewRelValWikiAndNames() {
        ReadResult<RelationInstance> r = FewRel.read(SharedData.require("fewrel/val_wiki.json"));
        assertThat(r.records()).hasSize(11_200);
        assertThat(r.records().stream().map(RelationInstance::relation).distinct()).hasSize(16);
        RelationInstance first = r.records().get(0);
        assertThat(first.headTokens()).containsExactly("Cape", "Girardeau", "Bridge");
        assertThat(first.headId()).isEqualTo("Q5034838");
        assertThat(r.report().count("additional-mentions-ignored")).isEqualTo(425);
        assertThat(FewRel.read(SharedData.require("fewrel/val_semeval.json")).records()).hasSize(8_851);
        assertThat(FewRel.readRelationNames(SharedData.require("fewrel/pid2name.json"))).hasSize(744)
                .containsKey(first.relation());
    }

    @Test
    void universalDependenciesDevAndLosslessWriter() throws Exception {
        Path dev = SharedData.require("ud_english_ewt/en_ewt-ud-dev.conllu");
        ReadResult<DependencySentence> r = ConllU.read(dev);
        assertThat(r.records()).hasSize(2_001);
        assertThat(r.report().count("multiword-token-lines")).isPositive();
        assertThat(r.report().count("empty-node-lines")).isPositive();
        List<int[]> gold = r.records().stream().map(DependencySentence::heads).toList();
        assertThat(Metrics.uas(r.records(), gold, false)).isEqualTo(1.0);
        // Writing the gold heads back must reproduce the file byte for byte.
        Path out = tmp.resolve("dev.conllu");
        ConllU.writeWithHeads(dev, out, gold);
        assertThat(Files.mismatch(dev, out)).isEqualTo(-1L);
    }

    @Test
    void semEvalTraining() {
        ReadResult<SemEvalExample> r = SemEval2010.read(
                SharedData.require("semeval2010_task8/SemEval2010_task8_training/TRAIN_FILE.TXT"));
        assertThat(r.records()).hasSize(8_000);
        SemEvalExample first = r.records().get(0);
        assertThat(first.e1Text()).isEqualTo("configuration");
        assertThat(first.e2Text()).isEqualTo("elements");
        assertThat(first.label()).isEqualTo("Component-Whole(e2,e1)");
        assertThat(r.records().get(7_999).id()).isEqualTo("8000");
    }

    @Test
    void openEntityCrowd() {
        ReadResult<EntityTypingExample> dev = OpenEntity.read(SharedData.require("open_entity/crowd/dev.json"));
        assertThat(dev.records()).hasSize(1_998);
        assertThat(dev.report().count("no-general-type")).isEqualTo(386);
        assertThat(dev.records().get(0).mentionTokens()).containsExactly("She");
        assertThat(dev.records().get(0).labels()).containsExactly("person");
        assertThat(OpenEntity.read(SharedData.require("open_entity/crowd/train.json")).report().count("no-general-type"))
                .isEqualTo(288);
    }

    @Test
    void lamaFolder() {
        LamaProbe probe = Lama.read(SharedData.require("lama"));
        assertThat(probe.factsFolder().getFileName().toString()).isEqualTo("TREx");
        assertThat(probe.relations()).hasSize(28);
        assertThat(probe.missingRelations()).hasSize(18);
        assertThat(probe.factCount() + probe.report().count("object-label-filtered")).isEqualTo(22_881);
        assertThat(probe.relations().get(0).relation()).isEqualTo("P19");
    }
}
