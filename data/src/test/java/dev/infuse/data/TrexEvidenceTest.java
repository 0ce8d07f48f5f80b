package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrexEvidenceTest {
    @TempDir
    Path tmp;

    private static String fact(String rel, int i, String extraEvidence) {
        return "{\"sub_uri\":\"Q" + i + "\",\"sub_label\":\"Person " + i + "\",\"obj_uri\":\"Q" + (1000 + i) + "\",\"obj_label\":\"Town"
                + i + "\",\"predicate_id\":\"" + rel + "\",\"evidences\":[{\"sub_surface\":\"Person " + i + "\",\"obj_surface\":\"Town"
                + i + ", Land\",\"masked_sentence\":\"Person " + i + " (born in [MASK]) was a cyclist.\"},"
                + "{\"sub_surface\":\"Person " + i + "\",\"obj_surface\":\"Town" + i + ", Land\",\"masked_sentence\":\"Person " + i
                + " (born in [MASK]) was a cyclist.\"}" + extraEvidence + "]}\n";
    }

    private Path folder() throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("lama/TREx"));
        Files.writeString(tmp.resolve("lama/relations.jsonl"), "{\"relation\":\"P19\",\"template\":\"[X] was born in [Y] .\"}\n"
                + "{\"relation\":\"P20\",\"template\":\"[X] died in [Y] .\"}\n");
        StringBuilder p19 = new StringBuilder();
        StringBuilder p20 = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            // Fact 3 has an evidence whose subject is nowhere in the sentence.
            p19.append(fact("P19", i, i == 3 ? ",{\"sub_surface\":\"Nobody\",\"obj_surface\":\"Town3\",\"masked_sentence\":"
                    + "\"A town called [MASK] .\"}" : ""));
            // P20 repeats every P19 subject-object pair with its own sentence.
            p20.append("{\"sub_uri\":\"Q" + i + "\",\"sub_label\":\"Person " + i + "\",\"obj_uri\":\"Q" + (1000 + i)
                    + "\",\"obj_label\":\"Town" + i + "\",\"predicate_id\":\"P20\",\"evidences\":[{\"masked_sentence\":\"Person " + i
                    + " died in [MASK] .\"}]}\n");
        }
        Files.writeString(lama.resolve("P19.jsonl"), p19);
        Files.writeString(lama.resolve("P20.jsonl"), p20);
        return tmp.resolve("lama");
    }

    @Test
    void linksSentencesAndKeepsEveryProbePairOutOfTraining() throws Exception {
        TrexEvidence.Corpus c = TrexEvidence.read(folder(), 0.2, 7);
        assertThat(c.probeFacts()).hasSize(8); // 20% of each relation's 20 facts
        Set<String> probePairs = new HashSet<>();
        c.probeFacts().forEach(f -> probePairs.add(f.subjectUri() + "-" + f.objectUri()));
        for (RelationInstance x : c.train()) {
            assertThat(probePairs).doesNotContain(x.headId() + "-" + x.tailId());
            assertThat(String.join(" ", x.headTokens())).startsWith("Person");
            assertThat(x.tailTokens()).startsWith("Town" + x.headId().substring(1));
        }
        RelationInstance first = c.train().stream().filter(x -> x.relation().equals("P19")).findFirst().orElseThrow();
        assertThat(first.tokens()).containsSubsequence("(", "born", "in");
        assertThat(first.tailTokens()).containsExactly(first.tailTokens().get(0), ",", "Land");
        // Duplicated evidences are kept once; the evidence without its subject is counted.
        assertThat(c.report()).containsKey("duplicate");
        long p19Train = c.train().stream().filter(x -> x.relation().equals("P19")).count();
        assertThat(p19Train).isEqualTo(c.trainFacts().stream().filter(f -> f.predicateId().equals("P19"))
                .filter(f -> !probePairs.contains(f.subjectUri() + "-" + f.objectUri())).count());
        if (c.trainFacts().stream().anyMatch(f -> f.subjectUri().equals("Q3") && f.predicateId().equals("P19"))
                && !probePairs.contains("Q3-Q1003")) {
            assertThat(c.report()).containsKey("subject-not-found");
        }
        // The same seed gives the same split; another seed another.
        assertThat(TrexEvidence.read(folder(), 0.2, 7).probeFacts()).isEqualTo(c.probeFacts());
        assertThat(TrexEvidence.read(folder(), 0.2, 8).probeFacts()).isNotEqualTo(c.probeFacts());
    }

    @Test
    void badFractionsAndFoldersWithoutEvidenceAreClearErrors() throws Exception {
        assertThatThrownBy(() -> TrexEvidence.read(folder(), 1.0, 1)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("probe fraction");
        Path lama = Files.createDirectories(tmp.resolve("bare/TREx"));
        Files.writeString(tmp.resolve("bare/relations.jsonl"), "{\"relation\":\"P19\",\"template\":\"[X] was born in [Y] .\"}\n");
        Files.writeString(lama.resolve("P19.jsonl"), "{\"sub_label\":\"a\",\"obj_label\":\"b\"}\n{\"sub_label\":\"c\",\"obj_label\":\"d\"}\n");
        assertThatThrownBy(() -> TrexEvidence.read(tmp.resolve("bare"), 0.5, 1)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("no T-REx evidence sentence");
    }

    @Test
    void aRelationTooSmallToSplitHasNoProbeFactsAndIsCounted() throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("small/TREx"));
        Files.writeString(tmp.resolve("small/relations.jsonl"), "{\"relation\":\"P19\",\"template\":\"[X] was born in [Y] .\"}\n"
                + "{\"relation\":\"P20\",\"template\":\"[X] died in [Y] .\"}\n");
        // P19: two facts, 20% of which rounds to none; P20: one subject, which would take every fact to the probe.
        Files.writeString(lama.resolve("P19.jsonl"), fact("P19", 1, "") + fact("P19", 2, ""));
        StringBuilder p20 = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            p20.append("{\"sub_uri\":\"Q1\",\"sub_label\":\"Person 1\",\"obj_uri\":\"Q" + (2000 + i) + "\",\"obj_label\":\"Town"
                    + i + "\",\"evidences\":[{\"masked_sentence\":\"Person 1 died in [MASK] .\"}]}\n");
        }
        Files.writeString(lama.resolve("P20.jsonl"), p20);
        TrexEvidence.Corpus c = TrexEvidence.read(tmp.resolve("small"), 0.2, 1);
        assertThat(c.probeFacts()).isEmpty();
        assertThat(c.trainFacts()).hasSize(7);
        assertThat(c.report()).containsEntry("relation-too-few-facts", 2L);
    }

    @Test
    void wordsSplitPunctuation() {
        assertThat(TrexEvidence.words("Alexandra, Victoria (1960).")).isEqualTo(List.of("Alexandra", ",", "Victoria", "(", "1960",
                ")", "."));
    }
}
