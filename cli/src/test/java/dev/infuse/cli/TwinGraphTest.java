package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.data.LamaFact;
import dev.infuse.data.TrexEvidence;
import dev.infuse.tasks.TrexTasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The knowledge-ablated twin of map-tuning's graph: the same training triples and LAMA facts without
 * exactly the T-REx tasks' probe facts, and the same declared entities in the same order.
 */
class TwinGraphTest {
    @TempDir
    Path tmp;

    @Test
    void theTwinLacksExactlyTheProbeFactsAndDeclaresTheSameEntities() throws Exception {
        Path lama = Files.createDirectories(tmp.resolve("lama/TREx"));
        Files.writeString(tmp.resolve("lama/relations.jsonl"),
                "{\"relation\":\"P19\",\"template\":\"[X] was born in [Y] .\",\"label\":\"place of birth\",\"type\":\"N-1\"}\n");
        StringBuilder facts = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            String person = "Person " + i;
            String city = "City" + (i % 7);
            facts.append("{\"sub_uri\":\"Q").append(i).append("\",\"sub_label\":\"").append(person).append("\",\"obj_uri\":\"Q")
                    .append(100 + i % 7).append("\",\"obj_label\":\"").append(city).append("\",\"predicate_id\":\"P19\",\"evidences\":[")
                    .append("{\"sub_surface\":\"").append(person).append("\",\"obj_surface\":\"").append(city)
                    .append("\",\"masked_sentence\":\"").append(person).append(" was born in [MASK] .\"}]}\n");
        }
        Files.writeString(lama.resolve("P19.jsonl"), facts);
        Path train = Files.writeString(tmp.resolve("train.txt"), "Q900\tP31\tQ901\nQ0\tP27\tQ902\n");

        Path full = tmp.resolve("full.tsv");
        Path twin = tmp.resolve("twin.tsv");
        Path fullEntities = tmp.resolve("full-entities.txt");
        Path twinEntities = tmp.resolve("twin-entities.txt");
        Set<String> probe = TransECommand.probePairs(tmp.resolve("lama"), TrexTasks.DEFAULT_PROBE_FRACTION,
                TrexTasks.DEFAULT_SPLIT_SEED);
        int[] f = TransECommand.mergeLama(train, tmp.resolve("lama"), full, fullEntities, Set.of());
        int[] t = TransECommand.mergeLama(train, tmp.resolve("lama"), twin, twinEntities, probe);

        List<LamaFact> probeFacts = TrexEvidence.read(tmp.resolve("lama"), TrexTasks.DEFAULT_PROBE_FRACTION,
                TrexTasks.DEFAULT_SPLIT_SEED).probeFacts();
        assertThat(probeFacts).isNotEmpty();
        assertThat(f).containsExactly(30, 0);
        assertThat(t).containsExactly(30 - probeFacts.size(), probeFacts.size());
        Set<String> fullLines = new HashSet<>(Files.readAllLines(full));
        Set<String> twinLines = new HashSet<>(Files.readAllLines(twin));
        Set<String> missing = new HashSet<>(fullLines);
        missing.removeAll(twinLines);
        Set<String> expected = new HashSet<>();
        probeFacts.forEach(p -> expected.add(p.subjectUri() + "\tP19\t" + p.objectUri()));
        assertThat(missing).isEqualTo(expected);
        assertThat(fullLines).containsAll(twinLines);
        assertThat(Files.readAllLines(twinEntities)).isEqualTo(Files.readAllLines(fullEntities)).hasSize(30 + 7);
    }
}
