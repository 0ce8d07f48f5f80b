/**
 * Readers for the data formats Infuse's tasks use (FewRel, T-REx-style JSON lines, CoNLL-U,
 * SemEval-2010 Task 8, TACRED, Open Entity, LAMA, WordNet entity descriptions), their official metrics,
 * seeded splits, and the WordNet 3.1 nouns embedded from Maven Central as a lexicon for tasks and
 * knowledge sources.
 */
module dev.infuse.data {
    requires transitive dev.infuse.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.csv;
    requires extjwnl;
    requires extjwnl.data.wn31;

    exports dev.infuse.data;
}
