package dev.infuse.kg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every knowledge-graph reader (labelled triples, OpenKE ids, text embeddings, entity names) refuses
 * a line longer than the data readers' bound with {@code data-format} naming the file and line,
 * instead of buffering it whole (before: an unbounded {@code BufferedReader.readLine}, which ends a
 * newline-free multi-gigabyte file or {@code /dev/zero} in an OutOfMemoryError).
 */
class BoundedLinesTest {
    @TempDir
    Path tmp;

    /** A file whose second line is one byte longer than the bound. */
    Path withHugeSecondLine(String name, String first) throws IOException {
        Path f = tmp.resolve(name);
        try (OutputStream o = Files.newOutputStream(f)) {
            o.write((first + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] block = new byte[1 << 16];
            java.util.Arrays.fill(block, (byte) 'x');
            for (int n = 0; n <= BoundedLines.MAX_LINE_BYTES; n += block.length) {
                o.write(block);
            }
        }
        return f;
    }

    static void refusedAtLine2(Runnable read, Path file) {
        assertThatThrownBy(read::run).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("data-format");
            assertThat(e.getMessage()).contains(file + ":2:", "longer than " + BoundedLines.MAX_LINE_BYTES);
        });
    }

    @Test
    void labelledTriplesWithAnOverlongLine() throws IOException {
        Path train = withHugeSecondLine("train.tsv", "Q1\tP1\tQ2");
        Path ok = Files.writeString(tmp.resolve("valid.tsv"), "Q1\tP1\tQ2\n");
        refusedAtLine2(() -> KnowledgeGraph.readLabelled(train, ok, ok), train);
    }

    @Test
    void textEmbeddingsAndEntityNamesWithAnOverlongLine() throws IOException {
        Path emb = withHugeSecondLine("emb.txt", "Q1\t0.1 0.2");
        refusedAtLine2(() -> EntityEmbeddings.readText(emb, 0), emb);
        Path names = withHugeSecondLine("names.tsv", "Q1\tcat");
        refusedAtLine2(() -> EntityNames.read(names), names);
    }

    @Test
    void openKeIdsWithAnOverlongLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("openke"));
        Files.writeString(dir.resolve("entity2id.txt"), "2\nQ1\t0\nQ2\t1\n");
        Files.writeString(dir.resolve("relation2id.txt"), "1\nP1\t0\n");
        Files.writeString(dir.resolve("valid2id.txt"), "1\n0 1 0\n");
        Files.writeString(dir.resolve("test2id.txt"), "1\n0 1 0\n");
        Files.move(withHugeSecondLine("train2id.txt", "1"), dir.resolve("train2id.txt"));
        refusedAtLine2(() -> KnowledgeGraph.readOpenKe(dir), dir.resolve("train2id.txt"));
    }

    @Test
    void malformedUtf8IsADataFormatErrorOnItsLine() throws IOException {
        Path f = tmp.resolve("names.tsv");
        Files.write(f, new byte[] {'Q', '1', '\t', 'a', '\n', 'Q', '2', '\t', (byte) 0xE9, '\n'});
        assertThatThrownBy(() -> EntityNames.read(f)).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("data-format");
            assertThat(e.getMessage()).contains(f + ":2:", "UTF-8");
        });
    }

    @Test
    void linesAreStillReadWithCrlfAndABom() throws IOException {
        Path f = Files.write(tmp.resolve("names.tsv"), "\uFEFFQ1\tcat\r\n\r\nQ2\tdog\n".getBytes(StandardCharsets.UTF_8));
        assertThat(EntityNames.read(f)).containsEntry("Q1", "cat").containsEntry("Q2", "dog").hasSize(2);
    }
}
