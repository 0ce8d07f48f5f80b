/**
 * The tasks Infuse trains and evaluates on, as {@link dev.infuse.spi.TaskProvider} plugins: relation
 * classification (FewRel, T-REx-style, SemEval-2010 Task 8, TACRED), entity typing (Open Entity),
 * dependency heads (CoNLL-U), masked mention modelling, description infilling, the LAMA and WordNet
 * probes, the T-REx evidence tasks (relation classification, masked mentions, cloze, probe), and
 * declarative task files — featurisation with entity markers, heads, official metrics with
 * per-item outcomes — and {@code TaskRunner}, one experiment cell.
 */
module dev.infuse.tasks {
    requires transitive dev.infuse.data;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires me.tongfei.progressbar;

    exports dev.infuse.tasks;

    provides dev.infuse.spi.TaskProvider with
            dev.infuse.tasks.builtin.BuiltinTasks.FewRelTask,
            dev.infuse.tasks.builtin.BuiltinTasks.TrexTask,
            dev.infuse.tasks.builtin.BuiltinTasks.TacredTask,
            dev.infuse.tasks.builtin.BuiltinTasks.SemEvalTask,
            dev.infuse.tasks.builtin.BuiltinTasks.OpenEntityTask,
            dev.infuse.tasks.builtin.BuiltinTasks.MentionMlmTask,
            dev.infuse.tasks.builtin.BuiltinTasks.UdTask,
            dev.infuse.tasks.builtin.BuiltinTasks.LamaTask,
            dev.infuse.tasks.builtin.BuiltinTasks.EntityInfillTask,
            dev.infuse.tasks.builtin.BuiltinTasks.WnHypernymTask,
            dev.infuse.tasks.builtin.BuiltinTasks.WnClozeTask,
            dev.infuse.tasks.builtin.BuiltinTasks.WnRelationTask,
            dev.infuse.tasks.builtin.BuiltinTasks.WnFactsTask,
            dev.infuse.tasks.builtin.BuiltinTasks.WnMentionMlmTask,
            dev.infuse.tasks.builtin.BuiltinTasks.CosmosQaTask,
            dev.infuse.tasks.builtin.BuiltinTasks.TrexRcTask,
            dev.infuse.tasks.builtin.BuiltinTasks.TrexMentionMlmTask,
            dev.infuse.tasks.builtin.BuiltinTasks.TrexClozeTask,
            dev.infuse.tasks.builtin.BuiltinTasks.TrexProbeTask;
}
