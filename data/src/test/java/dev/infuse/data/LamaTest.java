package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static dev.infuse.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LamaTest {
    @TempDir
    Path dir;

    private static final String RELATIONS = String.join("\n",
            "{\"relation\": \"P19\", \"template\": \"[X] was born in [Y] .\", \"label\": \"place of birth\", \"type\": \"N-1\"}",
            "{\"relation\": \"P20\", \"template\": \"[X] died in [Y] .\"}",
            "{\"relation\": \"P36\", \"template\": \"The capital of [X] is [Y] .\", \"label\": \"capital\", \"type\": \"1-1\"}",
            "");
    private static final String P19 = String.join("\n",
            "{\"sub_uri\": \"Q1\", \"sub_label\": \"Allan Peiper\", \"predicate_id\": \"P19\", \"obj_uri\": \"Q2\", "
                    + "\"obj_label\": \"Alexandra\", \"evidences\": [{\"masked_sentence\": \"born in [MASK], Australia\"}, "
                    + "{\"masked_sentence\": \"Peiper of [MASK]\"}]}",
            "{\"sub_label\": \"Someone\", \"obj_label\": \"New York\"}",
            "{\"sub_label\": \"Other\", \"obj_label\": \"Paris\", \"masked_sentences\": [\"[MASK] is nice\"]}",
            "");

    @BeforeEach
    void layout() {
        write(dir, "relations.jsonl", RELATIONS);
        write(dir, "TREx/P19.jsonl", P19);
        write(dir, "TREx/P36_test.jsonl", "{\"sub_label\": \"France\", \"obj_label\": \"Paris\"}\n");
        write(dir, "Squad/test.jsonl", "{\"masked_sentences\": [\"x [MASK]\"], \"obj_label\": \"gold\", \"sub_label\": \"Squad\"}\n");
        write(dir, "Other/P20.jsonl", "{\"sub_label\": \"A\", \"obj_label\": \"B\"}\n");
    }

    @Test
    void findsTheFactsFolderAndReadsTemplatesAndFacts() {
        LamaProbe probe = Lama.read(dir);
        assertThat(probe.factsFolder()).isEqualTo(dir.resolve("TREx"));
        assertThat(probe.relations()).extracting(LamaRelation::relation).containsExactly("P19", "P36");
        assertThat(probe.missingRelations()).containsExactly("P20");
        assertThat(probe.report().count("relation-file-missing")).isEqualTo(1);
        assertThat(probe.report().count("object-label-filtered")).isEqualTo(1);
        LamaRelation p19 = probe.relations().get(0);
        assertThat(p19.template()).isEqualTo("[X] was born in [Y] .");
        assertThat(p19.label()).isEqualTo("place of birth");
        assertThat(p19.type()).isEqualTo("N-1");
        assertThat(p19.cloze("Allan Peiper", "[MASK]")).isEqualTo("Allan Peiper was born in [MASK] .");
        assertThat(p19.facts()).hasSize(2);
        LamaFact f = p19.facts().get(0);
        assertThat(f).isEqualTo(new LamaFact("Allan Peiper", "Alexandra", "Q1", "Q2", "P19",
                java.util.List.of("born in [MASK], Australia", "Peiper of [MASK]")));
        assertThat(p19.facts().get(1).maskedSentences()).containsExactly("[MASK] is nice");
        assertThat(p19.facts().get(1).predicateId()).isEqualTo("P19");
        assertThat(probe.relations().get(1).facts()).extracting(LamaFact::subjectLabel).containsExactly("France");
        assertThat(probe.factCount()).isEqualTo(3);
    }

    @Test
    void objectFilterDecidesWhatIsSkipped() {
        LamaProbe probe = Lama.read(dir, Set.of("Paris")::contains);
        assertThat(probe.factCount()).isEqualTo(2);
        assertThat(probe.report().count("object-label-filtered")).isEqualTo(2);
    }

    @Test
    void explicitSubfolder() {
        LamaProbe probe = Lama.read(dir, "Other", Lama.SINGLE_WORD);
        assertThat(probe.relations()).extracting(LamaRelation::relation).containsExactly("P20");
        assertThat(probe.missingRelations()).containsExactly("P19", "P36");
        fails("data-missing", () -> Lama.read(dir, "Nope", Lama.SINGLE_WORD));
    }

    @Test
    void noFactsFolderIsAnError() {
        Path empty = dir.resolve("bare");
        write(empty, "relations.jsonl", RELATIONS);
        write(empty, "Squad/test.jsonl", "{}\n");
        assertThat(fails("data-format", () -> Lama.read(empty)).getMessage()).contains("no sub-folder");
    }

    @Test
    void missingOrEmptyRelationsFile() {
        Path bare = dir.resolve("bare");
        fails("data-missing", () -> Lama.read(bare));
        write(bare, "relations.jsonl", "");
        fails("data-empty", () -> Lama.read(bare));
    }

    @Test
    void badTemplateAndDuplicateRelation() {
        write(dir, "relations.jsonl", RELATIONS.replace("[X] died in [Y] .", "[X] died in somewhere ."));
        assertThat(fails("data-format", () -> Lama.read(dir)).getMessage())
                .contains("relations.jsonl:2:").contains("field 'template'");
        write(dir, "relations.jsonl", RELATIONS.replace("\"P36\"", "\"P19\""));
        assertThat(fails("data-format", () -> Lama.read(dir)).getMessage()).contains("relations.jsonl:3:").contains("twice");
    }

    @Test
    void badFactLineNamesFileAndLine() {
        write(dir, "TREx/P19.jsonl", P19.replace("\"obj_label\": \"New York\"", "\"obj_label\": 3"));
        assertThat(fails("data-format", () -> Lama.read(dir)).getMessage())
                .contains("P19.jsonl:2:").contains("field 'obj_label'");
        write(dir, "TREx/P19.jsonl", P19.replace("\"predicate_id\": \"P19\"", "\"predicate_id\": \"P20\""));
        assertThat(fails("data-format", () -> Lama.read(dir)).getMessage()).contains("P19.jsonl:1:").contains("predicate_id");
        TestFiles.writeBytes(dir, "TREx/P19.jsonl", TestFiles.withLatin1(P19, "Someone"));
        assertThat(fails("data-format", () -> Lama.read(dir)).getMessage()).contains("P19.jsonl:2: malformed UTF-8");
        write(dir, "TREx/P19.jsonl", P19.substring(0, 60));
        assertThat(fails("data-format", () -> Lama.read(dir)).getMessage()).contains("P19.jsonl:1: malformed JSON");
    }
}
