package dev.infuse.kg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized round trips of the knowledge-graph readers (seeded, see {@link RandomSeed}): random
 * names (Unicode, inner spaces, punctuation), blank lines, CRLF endings, unseen evaluation entities.
 */
@ExtendWith(RandomSeed.class)
class RandomizedReadersTest {
    @TempDir
    Path tmp;

    private static final String POOL = "abcxyzABCXYZ0189_-./:()'é中ßЖ ";

    static String name(SplittableRandom r, Set<String> taken) {
        while (true) {
            StringBuilder s = new StringBuilder();
            int n = 1 + r.nextInt(12);
            for (int i = 0; i < n; i++) {
                char c = POOL.charAt(r.nextInt(POOL.length()));
                s.append(i == 0 && c == ' ' ? 'q' : c);
            }
            String v = s.toString();
            if (taken.add(v)) {
                return v;
            }
        }
    }

    private static String line(String[] t, SplittableRandom r) {
        return String.join("\t", t) + (r.nextInt(4) == 0 ? "\r\n" : "\n") + (r.nextInt(10) == 0 ? "\n" : "");
    }

    @RepeatedTest(25)
    void labelledTriplesReadBackInOrderOfFirstAppearance(SplittableRandom r) throws IOException {
        Set<String> taken = new LinkedHashSet<>();
        List<String> ents = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(30); i < n; i++) {
            ents.add(name(r, taken));
        }
        List<String> rels = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
            rels.add(name(r, taken));
        }
        List<String> unseen = List.of(name(r, taken), name(r, taken));
        List<String[]> train = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(80); i < n; i++) {
            train.add(new String[] {ents.get(r.nextInt(ents.size())), rels.get(r.nextInt(rels.size())), ents.get(r.nextInt(ents.size()))});
        }
        // expected vocabularies: first appearance in train, head before tail
        Map<String, Integer> e = new LinkedHashMap<>();
        Map<String, Integer> rl = new LinkedHashMap<>();
        for (String[] t : train) {
            e.putIfAbsent(t[0], e.size());
            rl.putIfAbsent(t[1], rl.size());
            e.putIfAbsent(t[2], e.size());
        }
        List<List<String[]>> evals = new ArrayList<>();
        int[] expectedSkips = new int[2];
        List<List<int[]>> expectedEval = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            List<String[]> rows = new ArrayList<>();
            List<int[]> kept = new ArrayList<>();
            for (int i = 0, n = r.nextInt(20); i < n; i++) {
                String h = r.nextInt(5) == 0 ? unseen.get(r.nextInt(2)) : ents.get(r.nextInt(ents.size()));
                String rel = r.nextInt(8) == 0 ? unseen.get(r.nextInt(2)) : rels.get(r.nextInt(rels.size()));
                String t = ents.get(r.nextInt(ents.size()));
                rows.add(new String[] {h, rel, t});
                if (e.containsKey(h) && rl.containsKey(rel) && e.containsKey(t)) {
                    kept.add(new int[] {e.get(h), rl.get(rel), e.get(t)});
                } else {
                    expectedSkips[s]++;
                }
            }
            evals.add(rows);
            expectedEval.add(kept);
        }
        Path[] files = {tmp.resolve("train.tsv"), tmp.resolve("valid.tsv"), tmp.resolve("test.tsv")};
        List<List<String[]>> all = List.of(train, evals.get(0), evals.get(1));
        for (int f = 0; f < 3; f++) {
            StringBuilder sb = new StringBuilder(r.nextBoolean() ? "\n" : "");
            for (String[] t : all.get(f)) {
                sb.append(line(t, r));
            }
            Files.writeString(files[f], sb.toString(), StandardCharsets.UTF_8);
        }

        KnowledgeGraph g = r.nextBoolean() ? KnowledgeGraph.readLabelled(files[0], files[1], files[2]) : KnowledgeGraph.read(tmp);
        assertThat(g.entities().ids()).containsExactlyElementsOf(e.keySet());
        assertThat(g.relations().ids()).containsExactlyElementsOf(rl.keySet());
        assertThat(g.train().size()).isEqualTo(train.size());
        for (int i = 0; i < train.size(); i++) {
            assertThat(new int[] {g.train().heads()[i], g.train().relations()[i], g.train().tails()[i]})
                    .containsExactly(e.get(train.get(i)[0]), rl.get(train.get(i)[1]), e.get(train.get(i)[2]));
        }
        List<Triples> got = List.of(g.valid(), g.test());
        for (int s = 0; s < 2; s++) {
            assertThat(got.get(s).size()).isEqualTo(expectedEval.get(s).size());
            for (int i = 0; i < got.get(s).size(); i++) {
                assertThat(new int[] {got.get(s).heads()[i], got.get(s).relations()[i], got.get(s).tails()[i]})
                        .containsExactly(expectedEval.get(s).get(i));
            }
        }
        assertThat(g.skippedValid()).isEqualTo(expectedSkips[0]);
        assertThat(g.skippedTest()).isEqualTo(expectedSkips[1]);
    }

    @RepeatedTest(25)
    void entityEmbeddingsRoundTripBitForBitInBothFormats(SplittableRandom r) {
        Set<String> taken = new LinkedHashSet<>();
        int n = 1 + r.nextInt(40);
        int dim = 1 + r.nextInt(9);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(name(r, taken));
        }
        float[] v = new float[ids.size() * dim];
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, -1e-30f, 1e30f, 0.1f, 1f / 3};
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(6) == 0 ? specials[r.nextInt(specials.length)]
                    : (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(13) - 6));
        }
        EntityEmbeddings e = new EntityEmbeddings(ids, dim, v);
        Path text = tmp.resolve("e" + r.nextInt(1000) + ".txt");
        e.writeText(text);
        EntityEmbeddings back = EntityEmbeddings.readText(text, r.nextBoolean() ? 0 : dim);
        assertThat(back.ids()).containsExactlyElementsOf(ids);
        assertThat(back.dimension()).isEqualTo(dim);
        assertBits(back.vectors(), v);
        Path st = tmp.resolve("e.safetensors");
        e.writeSafeTensors(st);
        EntityEmbeddings back2 = EntityEmbeddings.readSafeTensors(st, 0);
        assertThat(back2.ids()).containsExactlyElementsOf(ids);
        assertBits(back2.vectors(), v);
    }

    private static void assertBits(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("value %d: %s vs %s", i, actual[i], expected[i])
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }
}
