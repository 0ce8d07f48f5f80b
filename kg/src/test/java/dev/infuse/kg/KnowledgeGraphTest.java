package dev.infuse.kg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnowledgeGraphTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private static InfuseException error(Runnable r) {
        try {
            r.run();
        } catch (InfuseException e) {
            return e;
        }
        throw new AssertionError("no InfuseException");
    }

    @Test
    void readsLabelledTriplesAndSkipsUnseen() throws IOException {
        write("train.tsv", "a\tr1\tb\nb\tr2\tc\r\n\nc\tr1\ta\n");
        write("dev.tsv", "a\tr2\tc\na\tr9\tb\n");
        write("test.tsv", "x\tr1\ta\nb\tr1\tc\nc\tr1\ty\n");
        KnowledgeGraph g = KnowledgeGraph.read(dir);
        assertThat(g.entities().ids()).containsExactly("a", "b", "c");
        assertThat(g.relations().ids()).containsExactly("r1", "r2");
        assertThat(g.train().heads()).containsExactly(0, 1, 2);
        assertThat(g.train().relations()).containsExactly(0, 1, 0);
        assertThat(g.train().tails()).containsExactly(1, 2, 0);
        assertThat(g.valid().size()).isEqualTo(1);
        assertThat(g.skippedValid()).isEqualTo(1);
        assertThat(g.test().size()).isEqualTo(1);
        assertThat(g.test().heads()).containsExactly(1);
        assertThat(g.skippedTest()).isEqualTo(2);
        assertThat(g.summary()).contains("skipped 2");
    }

    @Test
    void wrongColumnCountNamesFileAndLine() throws IOException {
        Path train = write("train.txt", "a\tr\tb\na\tr\n");
        write("valid.txt", "");
        write("test.txt", "");
        InfuseException e = error(() -> KnowledgeGraph.read(dir));
        assertThat(e.code()).isEqualTo("data-format");
        assertThat(e.getMessage()).contains(train + ":2:").contains("found 2").contains("expected 3");
    }

    @Test
    void emptyColumnIsRefused() throws IOException {
        Path train = write("train.txt", "a\t\tb\n");
        write("valid.txt", "");
        write("test.txt", "");
        assertThat(error(() -> KnowledgeGraph.read(dir)).getMessage()).contains(train + ":1:").contains("column 2 is empty");
    }

    @Test
    void badLineInTestSplitIsAnErrorNotASkip() throws IOException {
        write("train.txt", "a\tr\tb\n");
        write("valid.txt", "");
        Path test = write("test.txt", "a\tr\tb\textra\n");
        assertThat(error(() -> KnowledgeGraph.read(dir)).getMessage()).contains(test + ":1:").contains("found 4");
    }

    @Test
    void missingFilesAreReported() {
        InfuseException e = error(() -> KnowledgeGraph.read(dir));
        assertThat(e.code()).isEqualTo("data-missing");
        assertThat(e.getMessage()).contains("train.tsv");
    }

    private void openKe(String train) throws IOException {
        write("entity2id.txt", "3\nx\t0\ny\t1\nz\t2\n");
        write("relation2id.txt", "2\nr\t0\ns\t1\n");
        write("train2id.txt", train);
        write("valid2id.txt", "1\n0 1 1\n");
        write("test2id.txt", "2\n1 0 0\n0 2 1\n");
    }

    @Test
    void readsOpenKeIdFilesInHeadTailRelationOrder() throws IOException {
        openKe("2\n0 1 0\n1 0 1\n");
        KnowledgeGraph g = KnowledgeGraph.read(dir);
        assertThat(g.entities().ids()).containsExactly("x", "y", "z");
        assertThat(g.relations().ids()).containsExactly("r", "s");
        assertThat(g.train().heads()).containsExactly(0, 1);
        assertThat(g.train().tails()).containsExactly(1, 0);
        assertThat(g.train().relations()).containsExactly(0, 1);
        assertThat(g.valid().size()).isEqualTo(1);
        // z (id 2) never occurs in training
        assertThat(g.test().size()).isEqualTo(1);
        assertThat(g.skippedTest()).isEqualTo(1);
    }

    @Test
    void openKeDeclaredCountMustMatch() throws IOException {
        openKe("3\n0 1 0\n1 0 1\n");
        InfuseException e = error(() -> KnowledgeGraph.read(dir));
        assertThat(e.code()).isEqualTo("data-format");
        assertThat(e.getMessage()).contains("train2id.txt").contains("declares 3").contains("2 follow");
    }

    @Test
    void openKeIdOutOfRange() throws IOException {
        openKe("1\n0 7 0\n");
        assertThat(error(() -> KnowledgeGraph.read(dir)).getMessage()).contains("train2id.txt:2:").contains("tail entity id 7");
    }

    @Test
    void openKeWrongColumnsAndNonIntegers() throws IOException {
        openKe("1\n0 1\n");
        assertThat(error(() -> KnowledgeGraph.read(dir)).getMessage()).contains("train2id.txt:2:").contains("expected 3");
        openKe("1\n0 one 1\n");
        assertThat(error(() -> KnowledgeGraph.read(dir)).getMessage()).contains("train2id.txt:2:").contains("'one' is not an integer");
        write("entity2id.txt", "2\nx\t0\ny\t0\n");
        assertThat(error(() -> KnowledgeGraph.read(dir)).getMessage()).contains("entity2id.txt:3:").contains("appears twice");
        write("entity2id.txt", "2\nx\t0\n");
        assertThat(error(() -> KnowledgeGraph.read(dir)).getMessage()).contains("entity2id.txt").contains("declares 2");
    }

    @Test
    void readsEntityNames() throws IOException {
        Path f = write("entity2text.txt", "00260881\tland reform, a redistribution\n/m/06rf7\tSchleswig-Holstein\n");
        Map<String, String> names = EntityNames.read(f);
        assertThat(names).containsEntry("00260881", "land reform, a redistribution").containsEntry("/m/06rf7", "Schleswig-Holstein");
        Path bad = write("bad.txt", "ok\tfine\nno tab here\n");
        assertThatThrownBy(() -> EntityNames.read(bad)).isInstanceOf(InfuseException.class).hasMessageContaining(bad + ":2:");
    }
    @Test
    void inMemoryTriplesAreIndexedLikeALabelledFile() throws IOException {
        var train = java.util.List.of(new LabelledTriple("a", "r", "b"), new LabelledTriple("b", "s", "c"), new LabelledTriple("a", "r", "c"));
        KnowledgeGraph g = KnowledgeGraph.of(train, java.util.List.of(new LabelledTriple("c", "r", "a"), new LabelledTriple("a", "r", "zz")),
                java.util.List.of(new LabelledTriple("b", "unseen", "a")));
        KnowledgeGraph f = KnowledgeGraph.readLabelled(write("t.tsv", "a\tr\tb\nb\ts\tc\na\tr\tc\n"),
                write("v.tsv", "c\tr\ta\na\tr\tzz\n"), write("e.tsv", "b\tunseen\ta\n"));
        assertThat(g.entities().ids()).containsExactly("a", "b", "c").isEqualTo(f.entities().ids());
        assertThat(g.relations().ids()).containsExactly("r", "s");
        assertThat(g.train().heads()).containsExactly(f.train().heads());
        assertThat(g.train().relations()).containsExactly(0, 1, 0);
        assertThat(g.train().tails()).containsExactly(1, 2, 2);
        assertThat(g.valid().size()).isEqualTo(1);
        assertThat(g.skippedValid()).isEqualTo(1);
        assertThat(g.skippedTest()).isEqualTo(1);
        assertThatThrownBy(() -> new LabelledTriple("a", " ", "b")).isInstanceOf(InfuseException.class).hasMessageContaining("empty part");
    }
}
