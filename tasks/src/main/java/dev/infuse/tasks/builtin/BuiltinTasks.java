package dev.infuse.tasks.builtin;

import dev.infuse.data.ConllU;
import dev.infuse.data.EntityTypingExample;
import dev.infuse.data.FewRel;
import dev.infuse.data.LamaFact;
import dev.infuse.data.LinkedSentence;
import dev.infuse.data.OpenEntity;
import dev.infuse.data.RelationInstance;
import dev.infuse.data.SemEval2010;
import dev.infuse.data.SemEvalExample;
import dev.infuse.data.Splits;
import dev.infuse.data.Tacred;
import dev.infuse.data.TacredExample;
import dev.infuse.data.TrexRc;
import dev.infuse.data.WordNetLexicon;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.Task;
import dev.infuse.tasks.DependencyHeads;
import dev.infuse.tasks.EntityInfill;
import dev.infuse.tasks.EntityTyping;
import dev.infuse.tasks.LamaProbeTask;
import dev.infuse.tasks.MaskedMentions;
import dev.infuse.tasks.PreparedData;
import dev.infuse.tasks.RelationClassification;
import dev.infuse.tasks.RelationClassification.Markers;
import dev.infuse.tasks.RelationClassification.Scoring;
import dev.infuse.tasks.TaskDataset;
import dev.infuse.tasks.TrexTasks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Infuse's built-in tasks, one provider each (see {@code docs/TASKS.md}). Where a data set has no
 * development split here, 10% of its training file is held out by {@link Splits#trainDev} with the
 * run's seed. Built-in (embedded) tasks build their data from WordNet 3.1 on the class path.
 */
public final class BuiltinTasks {
    private BuiltinTasks() {}

    private static final ItemMetric MACRO_F1 = RelationClassification.metric(Scoring.ACCURACY);
    private static final ItemMetric ACCURACY = ItemMetric.of("accuracy", ItemMetric.Kind.RATIO);
    private static final ItemMetric P_AT_1 = ItemMetric.of("p_at_1", ItemMetric.Kind.MACRO_RATIO);

    /** FewRel relation classification (factual adapter pretraining). */
    public static final class FewRelTask extends BuiltinTask {
        public FewRelTask() {
            super("fewrel", "relation classification on FewRel (16 Wikidata relations; factual adapter pretraining)",
                    Task.DataSource.files("fewrel/val_wiki.json", null), MACRO_F1, false, true,
                    List.of(new dev.infuse.spi.ParameterSpec("per_relation", "int", "0", "few-shot training: at most this many "
                            + "training sentences per relation, a sample seeded by the data seed, taken after the development "
                            + "split and before --max-train (0: all)")),
                    (in, o) -> {
                        int n = perRelation("fewrel", o.get("per_relation"));
                        return relations("fewrel", in, o.markers(), p -> FewRel.read(p).records(),
                                xs -> n > 0 ? PreparedData.perLabel(xs, RelationInstance::relation, n, in.seed()) : xs,
                                Scoring.ACCURACY, false);
                    });
        }
    }

    /** T-REx-style relation classification. */
    public static final class TrexTask extends BuiltinTask {
        public TrexTask() {
            super("trex", "relation classification on T-REx-style JSON lines (factual adapter pretraining)",
                    Task.DataSource.files(null, null), MACRO_F1, false, true,
                    (in, m) -> relations("trex", in, m, p -> TrexRc.read(p).records(), Scoring.ACCURACY, false));
        }
    }

    /** TACRED. */
    public static final class TacredTask extends BuiltinTask {
        public TacredTask() {
            super("tacred", "TACRED relation classification (micro-F1 without no_relation)",
                    Task.DataSource.files("tacred/sample_yuhaozhang/train.json", "tacred/sample_yuhaozhang/dev.json"),
                    RelationClassification.metric(Scoring.TACRED), false, true,
                    (in, m) -> relations("tacred", in, m, p -> Tacred.read(p).records().stream()
                            .map(TacredExample::toRelationInstance).toList(), Scoring.TACRED, true));
        }
    }

    /** SemEval-2010 Task 8. */
    public static final class SemEvalTask extends BuiltinTask {
        public SemEvalTask() {
            super("semeval", "SemEval-2010 Task 8 relation classification (official macro-F1, 9 types with direction)",
                    Task.DataSource.files("semeval2010_task8/SemEval2010_task8_training/TRAIN_FILE.TXT", null),
                    RelationClassification.metric(Scoring.SEMEVAL), false, true, BuiltinTasks::semEval);
        }
    }

    /** Open Entity typing. */
    public static final class OpenEntityTask extends BuiltinTask {
        public OpenEntityTask() {
            super("open-entity", "Open Entity typing, 9 general types (micro P/R/F1)",
                    Task.DataSource.files("open_entity/crowd/train.json", "open_entity/crowd/dev.json"),
                    ItemMetric.of("f1", ItemMetric.Kind.MICRO_F1), false, true, BuiltinTasks::openEntity);
        }
    }

    /** Masked mention modelling on FewRel-format sentences. */
    public static final class MentionMlmTask extends BuiltinTask {
        public MentionMlmTask() {
            super("mention-mlm", "masked mention modelling on FewRel-format sentences with linked entities (map-tuning's "
                    + "general objective)", Task.DataSource.files("fewrel/val_wiki.json", null), ACCURACY, false, false,
                    BuiltinTasks::mentionMlm);
        }
    }

    /** Dependency heads on CoNLL-U. */
    public static final class UdTask extends BuiltinTask {
        public UdTask() {
            super("ud", "dependency-head prediction on CoNLL-U gold trees (UAS; linguistic adapter pretraining)",
                    Task.DataSource.files("ud_english_ewt/en_ewt-ud-train.conllu", "ud_english_ewt/en_ewt-ud-dev.conllu"),
                    ItemMetric.of("uas", ItemMetric.Kind.RATIO), false, false, BuiltinTasks::ud);
        }
    }

    /** The LAMA probe: one corpus of a LAMA folder, with LAMA's common vocabulary as an option. */
    public static final class LamaTask extends BuiltinTask {
        public LamaTask() {
            super("lama", "LAMA knowledge probe: P@1 of single-piece objects through the frozen masked-LM head (nothing "
                    + "trained); option corpus: trex, google-re, conceptnet or squad", Task.DataSource.files("lama", null), P_AT_1,
                    true, false, List.of(
                            new dev.infuse.spi.ParameterSpec("corpus", "string", "trex", "the LAMA corpus probed: trex "
                                    + "(relations.jsonl + TREx/), google-re (Google_RE/, LAMA's templates), conceptnet or squad "
                                    + "(masked sentences, no template)"),
                            new dev.infuse.spi.ParameterSpec("vocab", "string", "", "LAMA's common-vocabulary file: objects "
                                    + "outside it are skipped and answers ranked among its word pieces only (empty: none)")),
                    (in, o) -> {
                        java.util.Set<String> vocab = o.get("vocab").isEmpty() ? null : dev.infuse.data.Lama.readVocabulary(
                                Path.of(o.get("vocab")));
                        Function<Path, TaskDataset> read = p -> lamaCorpus(p, o.get("corpus"), in, vocab);
                        return new PreparedData("lama", LamaProbeTask.empty(in.tokenizer()), read.apply(in.train()),
                                List.of(in.train()), read);
                    });
        }
    }

    /** One corpus of a LAMA folder, featurised. */
    static LamaProbeTask lamaCorpus(Path folder, String corpus, Task.Input in, java.util.Set<String> vocab) {
        if (!List.of("trex", "google-re", "conceptnet", "squad").contains(corpus)) {
            throw new dev.infuse.spi.InfuseException("config-bad-value", "task 'lama': corpus '" + corpus
                    + "': expected trex, google-re, conceptnet or squad");
        }
        List<dev.infuse.data.Lama.Corpus> all = dev.infuse.data.Lama.readCorpora(folder, dev.infuse.data.Lama.SINGLE_WORD);
        for (dev.infuse.data.Lama.Corpus c : all) {
            if (c.name().equals(corpus)) {
                return LamaProbeTask.of(c.probe(), folder + " (" + corpus + ")", in.tokenizer(), in.adapters(), in.maxTrain(),
                        vocab);
            }
        }
        throw new dev.infuse.spi.InfuseException("data-missing", folder + ": no LAMA corpus '" + corpus + "' (found: "
                + all.stream().map(dev.infuse.data.Lama.Corpus::name).toList() + "); corpora: trex, google-re, conceptnet, squad");
    }

    /** The options of the T-REx evidence tasks: the probe split, independent of the run's seed. */
    private static List<dev.infuse.spi.ParameterSpec> trexOptions() {
        return List.of(
                new dev.infuse.spi.ParameterSpec("probe_fraction", "float", String.valueOf(TrexTasks.DEFAULT_PROBE_FRACTION),
                        "fraction of each relation's facts (grouped by subject) held out as probe facts, in (0, 1)"),
                new dev.infuse.spi.ParameterSpec("split_seed", "int", String.valueOf(TrexTasks.DEFAULT_SPLIT_SEED),
                        "seed of the probe split (the development split uses split_seed + 1); not the run's --seed, so "
                                + "every seed and knowledge-ablated twin shares one split"));
    }

    private static List<dev.infuse.spi.ParameterSpec> trexRcOptions() {
        List<dev.infuse.spi.ParameterSpec> all = new java.util.ArrayList<>(trexOptions());
        all.add(new dev.infuse.spi.ParameterSpec("labels", "string", "gold", "gold, or shuffled: the training sentences' relation "
                + "labels permuted among them by a permutation fixed by split_seed (the knowledge-ablated twin of factual "
                + "pretraining; development labels stay gold)"));
        return List.copyOf(all);
    }

    private static boolean shuffledLabels(String task, BuiltinTask.Options o) {
        String v = o.get("labels");
        if (!v.equals("gold") && !v.equals("shuffled")) {
            throw new dev.infuse.spi.InfuseException("config-bad-value", "task '" + task + "': option labels '" + v
                    + "': expected gold or shuffled");
        }
        return v.equals("shuffled");
    }

    private static TrexTasks.Config trexConfig(String task, BuiltinTask.Options o) {
        return TrexTasks.Config.parse(task, o.get("probe_fraction"), o.get("split_seed"));
    }

    /** T-REx evidence relation classification (K-Adapter's T-REx-rc pretraining). */
    public static final class TrexRcTask extends BuiltinTask {
        public TrexRcTask() {
            super("trex-rc", "relation classification on the T-REx evidence sentences of a LAMA folder's training facts "
                    + "(factual adapter pretraining; probe facts held out)", Task.DataSource.files("lama", null), MACRO_F1, false,
                    true, trexRcOptions(), (in, o) -> TrexTasks.relationClassification("trex-rc", in, o.markers(),
                            trexConfig("trex-rc", o), shuffledLabels("trex-rc", o)));
        }
    }

    /** Linked masked-mention modelling on the T-REx evidence sentences (map-tuning's general training). */
    public static final class TrexMentionMlmTask extends BuiltinTask {
        public TrexMentionMlmTask() {
            super("trex-mention-mlm", "masked mention modelling on the linked T-REx evidence sentences of a LAMA folder's "
                    + "training facts (map-tuning's general objective; probe facts held out)", Task.DataSource.files("lama", null),
                    ACCURACY, false, false, trexOptions(), (in, o) -> TrexTasks.mentionMlm("trex-mention-mlm", in,
                            trexConfig("trex-mention-mlm", o)));
        }
    }

    /** LAMA-style cloze queries on the training facts, trained through the masked-LM head. */
    public static final class TrexClozeTask extends BuiltinTask {
        public TrexClozeTask() {
            super("trex-cloze", "LAMA-style cloze queries on a LAMA folder's T-REx training facts, trained through the "
                    + "masked-LM head (task-specific map-tuning); --test DIR asks the probe facts", Task.DataSource.files("lama",
                            null), P_AT_1, false, false, trexOptions(), (in, o) -> TrexTasks.cloze("trex-cloze", in,
                                    trexConfig("trex-cloze", o)));
        }
    }

    /** The probe on the held-out T-REx probe facts. */
    public static final class TrexProbeTask extends BuiltinTask {
        public TrexProbeTask() {
            super("trex-probe", "LAMA probe on the held-out probe facts of a LAMA folder's T-REx split (P@1 through the frozen "
                    + "masked-LM head; nothing trained)", Task.DataSource.files("lama", null), P_AT_1, true, false, trexOptions(),
                    (in, o) -> TrexTasks.probe("trex-probe", in, trexConfig("trex-probe", o)));
        }
    }

    /** Cosmos QA multiple choice on the released validation split, split 90/10 by context. */
    public static final class CosmosQaTask extends BuiltinTask {
        public CosmosQaTask() {
            super("cosmosqa", "Cosmos QA multiple-choice reading comprehension (4 answers, accuracy); the release's validation "
                    + "split, 10% of its contexts held out as dev by the seeded rule", Task.DataSource.files("cosmosqa/valid.csv", null),
                    ItemMetric.of("accuracy", ItemMetric.Kind.RATIO), false, false, (in, m) -> {
                        // Grouped by context: questions about one paragraph never straddle train and dev.
                        return PreparedData.fromRecords("cosmosqa", in, p -> dev.infuse.data.CosmosQa.read(p).records(),
                                dev.infuse.data.MultipleChoiceExample::context,
                                (split, xs) -> dev.infuse.tasks.MultipleChoice.of(xs, in.tokenizer(), in.adapters(), 4, in.maxLength()));
                    });
        }
    }

    /** KILM-style description infilling. */
    public static final class EntityInfillTask extends BuiltinTask {
        public EntityInfillTask() {
            super("entity-infill", "KILM-style description infilling of WordNet entities through the frozen MLM head "
                    + "(held-out synsets by WordNetSplit; default: embedded WordNet 3.1 nouns, --train: WN18RR entity2text.txt)",
                    Task.DataSource.embeddedOrFiles(), ItemMetric.of("wordpiece_accuracy", ItemMetric.Kind.RATIO), false,
                    false, List.of(new dev.infuse.spi.ParameterSpec("probed_descriptions", "string", "none", "none (held-out "
                            + "synsets never train; a sample of them is scored), or the knowledge-ablated twins measured on "
                            + "wn-hypernym: with (the probe's entities' descriptions train too) and without; both score a seeded "
                            + "sample of training synsets kept out of training")),
                    (in, o) -> EntityInfill.prepare("entity-infill", in.train(), in.dev(), in.tokenizer(), in.adapters(),
                            in.maxLength(), in.seed(), in.maxTrain(), EntityInfill.Twin.parse("entity-infill",
                                    o.get("probed_descriptions"))));
        }
    }

    /** WordNet hypernym probe. */
    public static final class WnHypernymTask extends BuiltinTask {
        public WnHypernymTask() {
            super("wn-hypernym", "WordNet 3.1 hypernym probe on held-out synsets, '[X] is a kind of [Y] .' (P@1 through the "
                    + "frozen masked-LM head; nothing trained)", Task.DataSource.embedded(), P_AT_1, true, false,
                    (in, m) -> new PreparedData("wn-hypernym", LamaProbeTask.empty(in.tokenizer()),
                            LamaProbeTask.of(WordNetLexicon.load().hypernymProbe(), in.tokenizer(), in.adapters(), in.maxTrain()),
                            List.of(), null));
        }
    }

    /** WordNet hypernym cloze on training synsets (task-specific map-tuning for the hypernym probe). */
    public static final class WnClozeTask extends BuiltinTask {
        public WnClozeTask() {
            super("wn-cloze", "WordNet 3.1 hypernym cloze on training synsets, '[X] is a kind of [Y] .', trained through the "
                    + "masked-LM head (task-specific map-tuning for wn-hypernym, whose subjects it never asks)",
                    Task.DataSource.embedded(), P_AT_1, false, false, (in, m) -> {
                        WordNetLexicon.Split<LamaFact> data = WordNetLexicon.load().hypernymCloze();
                        var pair = PreparedData.split(data.train(), data.dev(), in.seed(), LamaFact::subjectUri, in.maxTrain());
                        return new PreparedData("wn-cloze",
                                LamaProbeTask.of(WordNetLexicon.asProbe(pair.train()), "WordNet hypernym cloze (training synsets)",
                                        in.tokenizer(), in.adapters(), 0, null),
                                LamaProbeTask.of(WordNetLexicon.asProbe(pair.dev()), "WordNet hypernym cloze (development synsets)",
                                        in.tokenizer(), in.adapters(), 0, null), List.of(), null);
                    });
        }
    }

    /** WordNet lexical relations of noun pairs. */
    public static final class WnRelationTask extends BuiltinTask {
        public WnRelationTask() {
            super("wn-relation", "lexical relation of a WordNet 3.1 noun pair (8 classes; dev heads are held-out synsets; "
                    + "accuracy, macro-F1)", Task.DataSource.embedded(), MACRO_F1, false, true,
                    (in, m) -> wordNetRelations("wn-relation", in, m, WordNetLexicon.load().wordPairs(), WordNetLexicon.PAIR_CLASSES));
        }
    }

    /** WordNet facts (factual adapter pretraining). */
    public static final class WnFactsTask extends BuiltinTask {
        public WnFactsTask() {
            super("wn-facts", "relation classification over WordNet 3.1 knowledge-graph facts of training synsets (factual "
                    + "adapter pretraining)", Task.DataSource.embedded(), MACRO_F1, false, true,
                    List.of(new dev.infuse.spi.ParameterSpec("labels", "string", "gold", "gold, or shuffled: the training "
                            + "facts' relation labels permuted among them by a fixed permutation (the knowledge-ablated twin of "
                            + "factual pretraining; development labels stay gold)")), (in, o) -> {
                        WordNetLexicon lexicon = WordNetLexicon.load();
                        WordNetLexicon.Split<RelationInstance> data = lexicon.facts();
                        List<RelationInstance> all = new ArrayList<>(data.train());
                        all.addAll(data.dev());
                        List<String> labels = RelationClassification.labelsOf(all);
                        if (shuffledLabels("wn-facts", o)) {
                            // Fixed by the lexicon's seed, not the run's: every seed of a study shares one twin.
                            data = new WordNetLexicon.Split<>(TrexTasks.shuffleLabels(data.train(), lexicon.config().seed() + 2),
                                    data.dev());
                        }
                        return wordNetRelations("wn-facts", in, o.markers(), data, labels);
                    });
        }
    }

    /** Masked mention modelling on WordNet usage examples. */
    public static final class WnMentionMlmTask extends BuiltinTask {
        public WnMentionMlmTask() {
            super("wn-mention-mlm", "masked mention modelling on WordNet 3.1 usage examples of training synsets (map-tuning's "
                    + "general objective)", Task.DataSource.embedded(), ACCURACY, false, false, (in, m) -> {
                        WordNetLexicon.Split<LinkedSentence> data = WordNetLexicon.load().usageMentions();
                        var pair = PreparedData.split(data.train(), data.dev(), in.seed(), LinkedSentence::id, in.maxTrain());
                        return new PreparedData("wn-mention-mlm",
                                MaskedMentions.ofLinked(pair.train(), in.tokenizer(), in.adapters(), in.maxLength()),
                                MaskedMentions.ofLinked(pair.dev(), in.tokenizer(), in.adapters(), in.maxLength()), List.of(), null);
                    });
        }
    }

    private static int perRelation(String task, String value) {
        if (value == null) {
            return 0;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new dev.infuse.spi.InfuseException("config-bad-value", "task '" + task + "': option per_relation '" + value
                + "': expected a whole number of training sentences per relation, 0 for all (e.g. 10)");
    }

    private static Task.Prepared relations(String task, Task.Input in, Markers markers,
            Function<Path, List<RelationInstance>> read, Scoring scoring, boolean devLabelsToo) {
        return relations(task, in, markers, read, java.util.function.UnaryOperator.identity(), scoring, devLabelsToo);
    }

    /** As above, with {@code sample} choosing the training records after the development split (few-shot). */
    private static Task.Prepared relations(String task, Task.Input in, Markers markers,
            Function<Path, List<RelationInstance>> read, java.util.function.UnaryOperator<List<RelationInstance>> sample,
            Scoring scoring, boolean devLabelsToo) {
        return PreparedData.fromRecords(task, in, read, RelationInstance::id, sample, (split, xs) -> RelationClassification
                .fromInstances(xs, in.tokenizer(), in.adapters(), labels(split, devLabelsToo), in.maxLength(), markers)
                .scoredBy(scoring));
    }

    /** The training split's labels; with {@code devLabelsToo} (TACRED) also unseen dev labels and no_relation. */
    private static List<String> labels(Splits.Split<RelationInstance> split, boolean devLabelsToo) {
        List<String> labels = new ArrayList<>(RelationClassification.labelsOf(split.train()));
        if (devLabelsToo) {
            for (String l : RelationClassification.labelsOf(split.dev())) {
                if (!labels.contains(l)) {
                    // Unseen in training: kept so it is scored as a miss rather than failing the run.
                    labels.add(l);
                }
            }
            if (!labels.contains(Tacred.NO_RELATION)) {
                labels.add(0, Tacred.NO_RELATION);
            }
        }
        return labels;
    }

    private static Task.Prepared semEval(Task.Input in, Markers markers) {
        return PreparedData.fromRecords("semeval", in, p -> SemEval2010.read(p).records(), SemEvalExample::id,
                (split, xs) -> RelationClassification.fromSemEval(xs, in.tokenizer(), in.adapters(), in.maxLength(), markers)
                        .scoredBy(Scoring.SEMEVAL));
    }

    private static Task.Prepared openEntity(Task.Input in, Markers markers) {
        return PreparedData.fromRecords("open-entity", in, p -> OpenEntity.read(p).records(), EntityTypingExample::id,
                (split, xs) -> EntityTyping.of(xs, in.tokenizer(), in.adapters(), OpenEntity.GENERAL_TYPES, in.maxLength(), markers));
    }

    private static Task.Prepared mentionMlm(Task.Input in, Markers markers) {
        return PreparedData.fromRecords("mention-mlm", in, p -> FewRel.read(p).records(), RelationInstance::id,
                (split, xs) -> MaskedMentions.of(xs, in.tokenizer(), in.adapters(), in.maxLength()));
    }

    private static Task.Prepared ud(Task.Input in, Markers markers) {
        var pair = PreparedData.split(ConllU.read(in.train()).records(), in.dev() == null ? null : ConllU.read(in.dev()).records(), in.seed(),
                null, in.maxTrain());
        DependencyHeads dev = DependencyHeads.of(pair.dev(), in.tokenizer(), in.maxLength());
        if (in.dev() != null) {
            dev.readFrom(in.dev());
        }
        return new PreparedData("ud", DependencyHeads.of(pair.train(), in.tokenizer(), in.maxLength()), dev, files(in),
                p -> DependencyHeads.of(ConllU.read(p).records(), in.tokenizer(), in.maxLength()).readFrom(p));
    }

    private static Task.Prepared wordNetRelations(String task, Task.Input in, Markers markers,
            WordNetLexicon.Split<RelationInstance> data, List<String> labels) {
        var pair = PreparedData.split(data.train(), data.dev(), in.seed(), RelationInstance::id, in.maxTrain());
        Function<List<RelationInstance>, TaskDataset> featurise = xs -> RelationClassification.fromInstances(xs,
                in.tokenizer(), in.adapters(), labels, in.maxLength(), markers);
        return new PreparedData(task, featurise.apply(pair.train()), featurise.apply(pair.dev()), List.of(), null);
    }

    private static List<Path> files(Task.Input in) {
        List<Path> files = new ArrayList<>();
        if (in.train() != null) {
            files.add(in.train());
        }
        if (in.dev() != null) {
            files.add(in.dev());
        }
        return files;
    }
}
