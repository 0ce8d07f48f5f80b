package dev.infuse.kg;

import dev.infuse.data.Lama;
import dev.infuse.data.LamaFact;
import dev.infuse.data.LamaProbe;
import dev.infuse.data.LamaRelation;
import dev.infuse.data.TrexEvidence;
import dev.infuse.spi.InfuseException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Knowledge graphs enlarged with a LAMA folder's facts (subject id, relation id, object id): the
 * "full" graph map-tuning reads its entity embeddings from, and its knowledge-ablated twin without the
 * facts the T-REx tasks hold out as probe facts. Both declare every LAMA entity, so the two graphs
 * index the same entities in the same order. Used by {@code infuse transe --add-lama} and by studies'
 * {@code knowledge_graphs} steps with {@code add_lama}.
 */
public final class LamaGraphs {
    private LamaGraphs() {}

    /**
     * How many facts a merge added and held out.
     *
     * @param added LAMA facts written after the training triples
     * @param heldOut LAMA facts left out (probe facts)
     */
    public record Merged(int added, int heldOut) {}

    /**
     * A graph read with LAMA facts added.
     *
     * @param graph the graph
     * @param merged how many facts were added and held out
     */
    public record WithLama(KnowledgeGraph graph, Merged merged) {}

    /**
     * The probe facts' {@code subject<TAB>relation<TAB>object} keys under the T-REx tasks' split
     * ({@link TrexEvidence#read}).
     *
     * @param fraction the probe share of each relation's facts (the trex-* tasks' {@code probe_fraction})
     * @param seed the split's seed (their {@code split_seed})
     */
    public static Set<String> probeTriples(Path lama, double fraction, long seed) {
        Set<String> out = new HashSet<>();
        for (LamaFact f : TrexEvidence.read(lama, fraction, seed).probeFacts()) {
            out.add(f.subjectUri() + "\t" + f.predicateId() + "\t" + f.objectUri());
        }
        return out;
    }

    /**
     * Writes (atomically) the training triples followed by every LAMA fact not in {@code heldOut}, and
     * (if {@code entities} is not null) every LAMA subject and object id, sorted, one per line.
     *
     * @throws IllegalStateException when some held-out triple is not a LAMA fact (a bug); InfuseException: the readers' errors
     */
    public static Merged merge(Path train, Path lama, Path target, Path entities, Set<String> heldOut) throws IOException {
        LamaProbe probe = Lama.read(lama, s -> true);
        SortedSet<String> ids = new TreeSet<>();
        Path tmp = target.toAbsolutePath().resolveSibling(".train." + Long.toHexString(System.nanoTime()) + ".tmp");
        int added = 0;
        int held = 0;
        Set<String> heldSeen = new HashSet<>();
        boolean done = false;
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            // Line by line through the knowledge-graph reader: bounded lines, file:line in every error.
            KnowledgeGraph.readLabelledLines(train, line -> {
                try {
                    w.write(line);
                    w.newLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (LamaRelation r : probe.relations()) {
                for (LamaFact f : r.facts()) {
                    if (f.subjectUri() != null && f.objectUri() != null) {
                        ids.add(f.subjectUri());
                        ids.add(f.objectUri());
                        String triple = f.subjectUri() + "\t" + r.relation() + "\t" + f.objectUri();
                        if (heldOut.contains(triple)) {
                            held++;
                            heldSeen.add(triple);
                            continue;
                        }
                        w.write(triple);
                        w.newLine();
                        added++;
                    }
                }
            }
            w.flush();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        if (heldSeen.size() != heldOut.size()) {
            throw new IllegalStateException("found " + heldSeen.size() + " of the " + heldOut.size()
                    + " probe facts among the LAMA facts (relation ids differ from predicate ids?)");
        }
        if (entities != null) {
            Path etmp = entities.toAbsolutePath().resolveSibling(".entities." + Long.toHexString(System.nanoTime()) + ".tmp");
            try {
                Files.write(etmp, ids, StandardCharsets.UTF_8);
                Files.move(etmp, entities, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(etmp);
            }
        }
        return new Merged(added, held);
    }

    /**
     * Reads a labelled triples folder ({@link KnowledgeGraph#read}'s file names) with a LAMA folder's
     * facts added to its training triples, minus {@code heldOut}, every LAMA entity declared first
     * ({@link KnowledgeGraph#readLabelled(Path, Path, Path, List)}). The merged training file and the
     * entity list are written into {@code work} ({@code train-with-lama.tsv}, {@code lama-entities.txt}).
     *
     * @throws InfuseException {@code data-format} for an OpenKE id folder (no labels to join LAMA's ids
     *     with), {@code data-missing} for missing files
     */
    public static WithLama read(Path folder, Path lama, Set<String> heldOut, Path work) throws IOException {
        if (Files.isRegularFile(folder.resolve("train2id.txt"))) {
            throw new InfuseException("data-format", folder + " holds OpenKE id files; adding LAMA facts needs labelled "
                    + "triples (head<TAB>relation<TAB>tail with Wikidata ids, e.g. CoDEx)");
        }
        Path train = KnowledgeGraph.find(folder, "train.tsv", "train.txt", "train.derived.tsv");
        Path valid = KnowledgeGraph.find(folder, "dev.tsv", "valid.tsv", "valid.txt", "dev.txt");
        Path test = KnowledgeGraph.find(folder, "test.tsv", "test.txt");
        Files.createDirectories(work);
        Path merged = work.resolve("train-with-lama.tsv");
        Path entities = work.resolve("lama-entities.txt");
        Merged m = merge(train, lama, merged, entities, heldOut);
        List<String> declared = new ArrayList<>();
        KnowledgeGraph.readLabelledLines(entities, line -> declared.add(line.strip()));
        return new WithLama(KnowledgeGraph.readLabelled(merged, valid, test, declared), m);
    }
}
