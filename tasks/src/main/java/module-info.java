/**
 * The tasks Infuse trains and evaluates on: relation classification (FewRel, T-REx-style, SemEval-2010
 * Task 8, TACRED), entity typing (Open Entity) and dependency-head prediction (CoNLL-U) —
 * featurisation with entity markers, batches, heads and official metrics.
 */
module dev.infuse.tasks {
    requires transitive dev.infuse.data;
    requires com.fasterxml.jackson.databind;

    exports dev.infuse.tasks;
}
