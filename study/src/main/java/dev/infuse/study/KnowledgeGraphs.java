package dev.infuse.study;

import dev.infuse.tasks.OutputFiles;
import dev.infuse.kg.KnowledgeGraph;
import dev.infuse.kg.LamaGraphs;
import dev.infuse.kg.TransEConfig;
import dev.infuse.kg.TransEModel;
import dev.infuse.kg.TransETrainer;
import dev.infuse.data.WordNetLexicon;
import dev.infuse.kg.LabelledTriple;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The study's knowledge-graph steps: TransE entity embeddings trained once into
 * {@code out/knowledge/<name>/} and referenced from adapter configurations as {@code kg:<name>}. A step
 * with {@code add_lama} trains on its triples plus a LAMA folder's facts (optionally without the T-REx
 * probe facts: the knowledge-ablated twin), the merged triples and declared entities kept in its folder.
 */
final class KnowledgeGraphs {
    static final String EMBEDDINGS = "entity_embeddings.safetensors";
    /** How a run names a knowledge graph step among its pretraining steps: {@code knowledge/<name>}. */
    static final String STEP_PREFIX = "knowledge/";

    private KnowledgeGraphs() {}

    static Path folder(Path out, String name) {
        return out.resolve("knowledge").resolve(name);
    }

    /** Trains one step's TransE embeddings into {@code tmp} (embeddings and {@code metrics.json}). */
    static void train(Study.KnowledgeGraphStep step, Path tmp) {
        long t0 = System.nanoTime();
        KnowledgeGraph graph;
        Map<String, Object> lama = null;
        if (step.lama() != null) {
            Study.LamaAddition l = step.lama();
            java.util.Set<String> heldOut = l.holdOutProbeFacts()
                    ? LamaGraphs.probeTriples(l.folder(), l.probeFraction(), l.splitSeed()) : java.util.Set.of();
            LamaGraphs.WithLama read;
            try {
                read = LamaGraphs.read(step.folder(), l.folder(), heldOut, tmp);
            } catch (java.io.IOException e) {
                throw new dev.infuse.spi.InfuseException("data-io", "cannot merge " + l.folder() + " into " + step.folder() + ": "
                        + e.getMessage(), e);
            }
            graph = read.graph();
            lama = new LinkedHashMap<>();
            lama.put("folder", l.source());
            lama.put("facts_added", read.merged().added());
            lama.put("probe_facts_held_out", read.merged().heldOut());
            if (l.holdOutProbeFacts()) {
                lama.put("probe_fraction", l.probeFraction());
                lama.put("split_seed", l.splitSeed());
            }
        } else {
            graph = step.folder() != null ? KnowledgeGraph.read(step.folder()) : wordNet(step.keepProbeFacts());
        }
        TransEConfig c = config(step);
        TransEModel model = new TransETrainer(c).progress(true).train(graph);
        model.entityEmbeddings().writeSafeTensors(tmp.resolve(EMBEDDINGS));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", step.source());
        if (lama != null) {
            m.put("lama", lama);
        }
        m.put("graph", graph.summary());
        m.put("config", c.toMap());
        m.put("seconds", (System.nanoTime() - t0) / 1e9);
        OutputFiles.writeJson(tmp.resolve("metrics.json"), m);
    }

    static TransEConfig config(Study.KnowledgeGraphStep step) {
        TransEConfig c = TransEConfig.defaults();
        for (Map.Entry<String, Object> e : step.transe().entrySet()) {
            double v = ((Number) e.getValue()).doubleValue();
            c = switch (e.getKey()) {
                case "dimension" -> c.withDimension((int) v);
                case "epochs" -> c.withEpochs((int) v);
                case "lr" -> c.withLearningRate(v);
                case "margin" -> c.withMargin(v);
                case "norm" -> c.withNorm((int) v);
                case "negatives" -> c.withNegatives((int) v);
                case "batch_size" -> c.withBatchSize((int) v);
                case "seed" -> c.withSeed((long) v);
                default -> throw new AssertionError(e.getKey());
            };
        }
        return c;
    }

    /**
     * The embedded WordNet 3.1 graph with the facts the WordNet tasks evaluate removed, or with the hypernym
     * probe's facts kept (all triples train). Every vocabulary synset is declared, in one order, so that the
     * two graphs of a knowledge-ablated twin index the same entities alike and one seed starts them alike.
     */
    static KnowledgeGraph wordNet(boolean keepProbeFacts) {
        WordNetLexicon lexicon = WordNetLexicon.load();
        WordNetLexicon.Graph g = keepProbeFacts ? lexicon.knowledgeGraphWithProbeFacts() : lexicon.knowledgeGraph();
        List<LabelledTriple> triples = g.triples().stream().map(t -> new LabelledTriple(t.head(), t.relation(), t.tail())).toList();
        return KnowledgeGraph.of(triples, List.of(), List.of(), List.copyOf(g.names().keySet()));
    }

    /** A copy of an adapter configuration with every {@code kg:<name>} value replaced by that step's embeddings file. */
    static Map<String, Object> resolve(Map<String, Object> config, Path out) {
        Map<String, Object> c = new LinkedHashMap<>(config);
        c.replaceAll((k, v) -> v instanceof String s && s.startsWith(Study.KG_REFERENCE)
                ? folder(out, s.substring(Study.KG_REFERENCE.length())).resolve(EMBEDDINGS).toString() : v);
        return c;
    }
}
