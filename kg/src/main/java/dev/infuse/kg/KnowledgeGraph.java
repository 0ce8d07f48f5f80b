package dev.infuse.kg;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A knowledge graph split into train, validation and test triples over shared entity and relation
 * vocabularies.
 *
 * <p>The vocabularies come from the training split (labelled files) or from the declared id files
 * (OpenKE). A validation or test triple whose entity or relation never occurs in training has no
 * trained embedding: it is skipped and counted ({@link #skippedValid()}, {@link #skippedTest()}), as
 * the standard filtered protocol does.
 *
 * <p>Errors: a malformed line or a declared count that does not match the lines fails with
 * {@code data-format} naming {@code file:line}; a missing file with {@code data-missing}.
 */
public final class KnowledgeGraph {
    private final Vocabulary entities;
    private final Vocabulary relations;
    private final Triples train;
    private final Triples valid;
    private final Triples test;
    private final int skippedValid;
    private final int skippedTest;

    /** A graph from already indexed parts. */
    public KnowledgeGraph(Vocabulary entities, Vocabulary relations, Triples train, Triples valid, Triples test,
            int skippedValid, int skippedTest) {
        this.entities = entities;
        this.relations = relations;
        this.train = train;
        this.valid = valid;
        this.test = test;
        this.skippedValid = skippedValid;
        this.skippedTest = skippedTest;
    }

    public Vocabulary entities() {
        return entities;
    }

    public Vocabulary relations() {
        return relations;
    }

    public Triples train() {
        return train;
    }

    public Triples valid() {
        return valid;
    }

    public Triples test() {
        return test;
    }

    /** Validation triples dropped because an entity or relation does not occur in training. */
    public int skippedValid() {
        return skippedValid;
    }

    /** Test triples dropped because an entity or relation does not occur in training. */
    public int skippedTest() {
        return skippedTest;
    }

    /** One line summary: sizes and skipped counts. */
    public String summary() {
        return entities.size() + " entities, " + relations.size() + " relations; train " + train.size()
                + ", valid " + valid.size() + " (skipped " + skippedValid + " with entities/relations unseen in train), test "
                + test.size() + " (skipped " + skippedTest + ")";
    }

    /**
     * Reads a folder: OpenKE id files when {@code train2id.txt} is present, otherwise labelled triples
     * from {@code train.{tsv,txt}} (or {@code train.derived.tsv}), {@code dev|valid.{tsv,txt}} and
     * {@code test.{tsv,txt}}.
     */
    public static KnowledgeGraph read(Path folder) {
        if (Files.isRegularFile(folder.resolve("train2id.txt"))) {
            return readOpenKe(folder);
        }
        return readLabelled(find(folder, "train.tsv", "train.txt", "train.derived.tsv"),
                find(folder, "dev.tsv", "valid.tsv", "valid.txt", "dev.txt"),
                find(folder, "test.tsv", "test.txt"));
    }

    static Path find(Path folder, String... names) {
        for (String n : names) {
            Path p = folder.resolve(n);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new InfuseException("data-missing", folder + ": none of " + String.join(", ", names) + " found");
    }

    /**
     * Reads tab-separated {@code head<TAB>relation<TAB>tail} files (WN18RR, FB15k-237, CoDEx). The
     * vocabularies hold the training split's entities and relations in order of first appearance.
     */
    public static KnowledgeGraph readLabelled(Path trainFile, Path validFile, Path testFile) {
        return readLabelled(trainFile, validFile, testFile, List.of());
    }

    /**
     * As {@link #readLabelled(Path, Path, Path)}, with {@code declaredEntities} first in the entity
     * vocabulary, in their order, whether or not a training triple mentions them: two graphs read with
     * the same declared entities and training files that differ only in some of their triples (a
     * knowledge-ablated twin) then have the same entities at the same indices, so the same seed gives
     * every entity the same initial embedding.
     */
    public static KnowledgeGraph readLabelled(Path trainFile, Path validFile, Path testFile, List<String> declaredEntities) {
        Vocabulary ents = new Vocabulary();
        declaredEntities.forEach(ents::add);
        Vocabulary rels = new Vocabulary();
        IntList h = new IntList();
        IntList r = new IntList();
        IntList t = new IntList();
        forEachLine(trainFile, (line, no) -> {
            String[] f = columns(trainFile, line, no);
            h.add(ents.add(f[0]));
            r.add(rels.add(f[1]));
            t.add(ents.add(f[2]));
        });
        Triples train = h.triples(r, t);
        int[] skipped = new int[2];
        Triples valid = readEval(validFile, ents, rels, skipped, 0);
        Triples test = readEval(testFile, ents, rels, skipped, 1);
        return new KnowledgeGraph(ents, rels, train, valid, test, skipped[0], skipped[1]);
    }

    /**
     * A graph from triples in memory (e.g. derived from WordNet), indexed as {@link #readLabelled}
     * does: the vocabularies hold the training triples' entities and relations in order of first
     * appearance; validation and test triples with anything unseen in training are skipped and counted.
     */
    public static KnowledgeGraph of(List<LabelledTriple> train, List<LabelledTriple> valid, List<LabelledTriple> test) {
        return of(train, valid, test, List.of());
    }

    /**
     * As {@link #of(List, List, List)}, with {@code declaredEntities} first in the entity vocabulary, in
     * their order, as {@link #readLabelled(Path, Path, Path, List)} declares them (a knowledge-ablated twin's
     * two graphs then index the same entities alike).
     */
    public static KnowledgeGraph of(List<LabelledTriple> train, List<LabelledTriple> valid, List<LabelledTriple> test,
            List<String> declaredEntities) {
        Vocabulary ents = new Vocabulary();
        declaredEntities.forEach(ents::add);
        Vocabulary rels = new Vocabulary();
        IntList h = new IntList();
        IntList r = new IntList();
        IntList t = new IntList();
        for (LabelledTriple x : train) {
            h.add(ents.add(x.head()));
            r.add(rels.add(x.relation()));
            t.add(ents.add(x.tail()));
        }
        int[] skipped = new int[2];
        Triples v = indexEval(valid, ents, rels, skipped, 0);
        Triples te = indexEval(test, ents, rels, skipped, 1);
        return new KnowledgeGraph(ents, rels, h.triples(r, t), v, te, skipped[0], skipped[1]);
    }

    private static Triples indexEval(List<LabelledTriple> in, Vocabulary ents, Vocabulary rels, int[] skipped, int slot) {
        IntList h = new IntList();
        IntList r = new IntList();
        IntList t = new IntList();
        for (LabelledTriple x : in) {
            int hi = ents.indexOf(x.head());
            int ri = rels.indexOf(x.relation());
            int ti = ents.indexOf(x.tail());
            if (hi < 0 || ri < 0 || ti < 0) {
                skipped[slot]++;
                continue;
            }
            h.add(hi);
            r.add(ri);
            t.add(ti);
        }
        return h.triples(r, t);
    }

    private static Triples readEval(Path file, Vocabulary ents, Vocabulary rels, int[] skipped, int slot) {
        IntList h = new IntList();
        IntList r = new IntList();
        IntList t = new IntList();
        forEachLine(file, (line, no) -> {
            String[] f = columns(file, line, no);
            int hi = ents.indexOf(f[0]);
            int ri = rels.indexOf(f[1]);
            int ti = ents.indexOf(f[2]);
            if (hi < 0 || ri < 0 || ti < 0) {
                skipped[slot]++;
                return;
            }
            h.add(hi);
            r.add(ri);
            t.add(ti);
        });
        return h.triples(r, t);
    }

    private static String[] columns(Path file, String line, int no) {
        String[] f = line.split("\t", -1);
        if (f.length != 3) {
            throw new InfuseException("data-format", file + ":" + no + ": found " + f.length
                    + " tab-separated column(s), expected 3 (head<TAB>relation<TAB>tail)");
        }
        for (int i = 0; i < 3; i++) {
            if (f[i].isBlank()) {
                throw new InfuseException("data-format", file + ":" + no + ": column " + (i + 1)
                        + " is empty, expected an entity or relation id");
            }
        }
        return f;
    }

    /**
     * Reads OpenKE id files from a folder: {@code entity2id.txt} and {@code relation2id.txt}
     * ({@code name<TAB>id}) and {@code train2id.txt}, {@code valid2id.txt}, {@code test2id.txt}, whose
     * lines are {@code head tail relation} — note the order. Every file starts with its line count.
     * Indices are the declared ids, so embeddings stay aligned with other OpenKE tools.
     */
    public static KnowledgeGraph readOpenKe(Path folder) {
        Vocabulary ents = readIds(folder.resolve("entity2id.txt"));
        Vocabulary rels = readIds(folder.resolve("relation2id.txt"));
        Triples train = readIdTriples(folder.resolve("train2id.txt"), ents, rels);
        boolean[] seenE = new boolean[ents.size()];
        boolean[] seenR = new boolean[rels.size()];
        for (int i = 0; i < train.size(); i++) {
            seenE[train.heads()[i]] = true;
            seenE[train.tails()[i]] = true;
            seenR[train.relations()[i]] = true;
        }
        Triples valid = readIdTriples(folder.resolve("valid2id.txt"), ents, rels);
        Triples test = readIdTriples(folder.resolve("test2id.txt"), ents, rels);
        Triples v = keepSeen(valid, seenE, seenR);
        Triples te = keepSeen(test, seenE, seenR);
        return new KnowledgeGraph(ents, rels, train, v, te, valid.size() - v.size(), test.size() - te.size());
    }

    private static Triples keepSeen(Triples in, boolean[] seenE, boolean[] seenR) {
        IntList h = new IntList();
        IntList r = new IntList();
        IntList t = new IntList();
        for (int i = 0; i < in.size(); i++) {
            if (seenE[in.heads()[i]] && seenE[in.tails()[i]] && seenR[in.relations()[i]]) {
                h.add(in.heads()[i]);
                r.add(in.relations()[i]);
                t.add(in.tails()[i]);
            }
        }
        return h.triples(r, t);
    }

    private static Vocabulary readIds(Path file) {
        List<String> names = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        int[] declared = {-1};
        forEachLine(file, (line, no) -> {
            if (declared[0] < 0) {
                declared[0] = count(file, line, no);
                names.addAll(java.util.Collections.nCopies(declared[0], null));
                return;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 2) {
                throw new InfuseException("data-format", file + ":" + no + ": found " + f.length
                        + " tab-separated column(s), expected 2 (name<TAB>id)");
            }
            int id = integer(file, no, f[1], "id");
            if (id < 0 || id >= declared[0]) {
                throw new InfuseException("data-format", file + ":" + no + ": id " + id
                        + " out of range, expected 0.." + (declared[0] - 1) + " (the declared count is " + declared[0] + ")");
            }
            if (!seen.add(id)) {
                throw new InfuseException("data-format", file + ":" + no + ": id " + id + " appears twice, expected unique ids");
            }
            names.set(id, f[0]);
        });
        checkDeclared(file, declared[0], seen.size());
        try {
            return Vocabulary.of(names);
        } catch (IllegalArgumentException e) {
            throw new InfuseException("data-format", file + ": " + e.getMessage() + ", expected unique names");
        }
    }

    private static Triples readIdTriples(Path file, Vocabulary ents, Vocabulary rels) {
        IntList h = new IntList();
        IntList r = new IntList();
        IntList t = new IntList();
        int[] declared = {-1};
        forEachLine(file, (line, no) -> {
            if (declared[0] < 0) {
                declared[0] = count(file, line, no);
                return;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length != 3) {
                throw new InfuseException("data-format", file + ":" + no + ": found " + f.length
                        + " column(s), expected 3 (head tail relation)");
            }
            h.add(checkIndex(file, no, integer(file, no, f[0], "head"), ents.size(), "head entity"));
            t.add(checkIndex(file, no, integer(file, no, f[1], "tail"), ents.size(), "tail entity"));
            r.add(checkIndex(file, no, integer(file, no, f[2], "relation"), rels.size(), "relation"));
        });
        checkDeclared(file, declared[0], h.size());
        return h.triples(r, t);
    }

    private static void checkDeclared(Path file, int declared, int found) {
        if (declared < 0) {
            throw new InfuseException("data-format", file + ": empty, expected a first line with the count");
        }
        if (declared != found) {
            throw new InfuseException("data-format", file + ": the first line declares " + declared
                    + " entries but " + found + " follow, expected equal");
        }
    }

    private static int checkIndex(Path file, int no, int v, int size, String what) {
        if (v < 0 || v >= size) {
            throw new InfuseException("data-format", file + ":" + no + ": " + what + " id " + v
                    + " out of range, expected 0.." + (size - 1));
        }
        return v;
    }

    private static int count(Path file, String line, int no) {
        int n = integer(file, no, line.trim(), "count");
        if (n < 0) {
            throw new InfuseException("data-format", file + ":" + no + ": negative count " + n + ", expected >= 0");
        }
        return n;
    }

    private static int integer(Path file, int no, String s, String field) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new InfuseException("data-format", file + ":" + no + ": " + field + " '" + s + "' is not an integer");
        }
    }

    /**
     * Passes every non-blank line of a knowledge-graph text file to {@code each}, with the readers'
     * bound on line length.
     *
     * @throws InfuseException {@code data-format} (file:line) for an over-long line or bad UTF-8,
     *     {@code data-missing}, {@code data-io}
     */
    public static void readLabelledLines(Path file, java.util.function.Consumer<String> each) {
        forEachLine(file, (line, no) -> each.accept(line));
    }

    /** A visitor over non-blank lines with their 1-based numbers. */
    @FunctionalInterface
    interface LineVisitor {
        void line(String line, int number);
    }

    /**
     * Calls {@code v} for every non-blank line, stripping a trailing CR. Lines are bounded
     * ({@link BoundedLines#MAX_LINE_BYTES}) and strictly UTF-8: an over-long line or a malformed byte
     * is a {@code data-format} error naming the file and line.
     */
    static void forEachLine(Path file, LineVisitor v) {
        try (BoundedLines in = new BoundedLines(file)) {
            String line;
            while ((line = in.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                v.line(line, (int) in.lineNumber());
            }
        }
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }

        Triples triples(IntList r, IntList t) {
            return new Triples(toArray(), r.toArray(), t.toArray());
        }
    }
}
