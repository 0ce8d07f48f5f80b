package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The T-REx evidence corpus of the shared LAMA folder, with the figures docs/TASKS.md quotes
 * (fraction 0.2, seed 42): {@code mvn -pl data verify -Dit.test=TrexEvidenceIT}.
 */
class TrexEvidenceIT {
    @Test
    void theSharedLamaFolderGivesTheDocumentedCorpus() {
        TrexEvidence.Corpus c = TrexEvidence.read(SharedData.require("lama"), 0.2, 42);
        assertThat(c.probeFacts()).hasSize(4_591);
        assertThat(c.trainFacts()).hasSize(18_290);
        assertThat(c.train()).hasSize(83_220);
        Set<String> texts = new HashSet<>();
        c.train().forEach(x -> texts.add(String.join(" ", x.tokens())));
        assertThat(texts).hasSize(67_941);
        assertThat(c.report()).containsEntry("duplicate", 20_667L).containsEntry("probe-pair", 869L)
                .containsEntry("probe-sentence", 3_370L).containsEntry("subject-not-found", 177L);
        Set<String> probePairs = new HashSet<>();
        c.probeFacts().forEach(f -> probePairs.add(f.subjectUri() + " " + f.objectUri()));
        assertThat(c.train()).noneMatch(x -> probePairs.contains(x.headId() + " " + x.tailId()));
    }
}
