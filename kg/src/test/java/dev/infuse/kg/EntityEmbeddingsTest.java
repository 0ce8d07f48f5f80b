package dev.infuse.kg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntityEmbeddingsTest {
    @TempDir
    Path dir;

    private static final EntityEmbeddings SAMPLE = new EntityEmbeddings(List.of("Q1", "/m/06rf7", "00260881"), 2,
            new float[] {0.5f, -1.25f, 3e-7f, 1e6f, 0f, -0f});

    private static InfuseException error(Runnable r) {
        try {
            r.run();
        } catch (InfuseException e) {
            return e;
        }
        throw new AssertionError("no InfuseException");
    }

    @Test
    void textRoundTrip() {
        Path f = dir.resolve("e.tsv");
        SAMPLE.writeText(f);
        EntityEmbeddings back = EntityEmbeddings.readText(f, 2);
        assertThat(back.ids()).isEqualTo(SAMPLE.ids());
        assertThat(back.vectors()).containsExactly(SAMPLE.vectors());
        assertThat(back.vector("/m/06rf7")).containsExactly(3e-7f, 1e6f);
        assertThat(back.vector("nope")).isNull();
        assertThat(EntityEmbeddings.readText(f, 0).dimension()).isEqualTo(2);
    }

    @Test
    void safeTensorsRoundTrip() {
        Path f = dir.resolve("e.safetensors");
        SAMPLE.writeSafeTensors(f);
        EntityEmbeddings back = EntityEmbeddings.readSafeTensors(f, 2);
        assertThat(back.ids()).isEqualTo(SAMPLE.ids());
        assertThat(back.vectors()).containsExactly(SAMPLE.vectors());
    }

    @Test
    void dimensionMismatchNamesFileFoundAndExpected() {
        Path t = dir.resolve("e.tsv");
        SAMPLE.writeText(t);
        InfuseException e = error(() -> EntityEmbeddings.readText(t, 128));
        assertThat(e.code()).isEqualTo("data-dimension-mismatch");
        assertThat(e.getMessage()).contains(t.toString()).contains("dimension 2").contains("expected 128");
        Path s = dir.resolve("e.safetensors");
        SAMPLE.writeSafeTensors(s);
        InfuseException e2 = error(() -> EntityEmbeddings.readSafeTensors(s, 64));
        assertThat(e2.code()).isEqualTo("data-dimension-mismatch");
        assertThat(e2.getMessage()).contains(s.toString()).contains("dimension 2").contains("expected 64");
    }

    @Test
    void badTextLines() throws IOException {
        Path f = dir.resolve("bad.tsv");
        Files.writeString(f, "a\t1 2 3\nb\t1 2\n");
        assertThat(error(() -> EntityEmbeddings.readText(f, 0)).getMessage()).contains(f + ":2:").contains("found 2 values, expected 3");
        Files.writeString(f, "a\t1 NaN\n");
        assertThat(error(() -> EntityEmbeddings.readText(f, 0)).getMessage()).contains(f + ":1:").contains("finite");
        Files.writeString(f, "a\t1 Infinity\n");
        assertThat(error(() -> EntityEmbeddings.readText(f, 0)).getMessage()).contains(f + ":1:").contains("finite");
        Files.writeString(f, "a\t1 x\n");
        assertThat(error(() -> EntityEmbeddings.readText(f, 0)).getMessage()).contains(f + ":1:").contains("'x' is not a number");
        Files.writeString(f, "a 1 2\n");
        assertThat(error(() -> EntityEmbeddings.readText(f, 0)).getMessage()).contains(f + ":1:").contains("no tab");
        Files.writeString(f, "a\t1 2\na\t3 4\n");
        assertThat(error(() -> EntityEmbeddings.readText(f, 0)).getMessage()).contains(f + ":2:").contains("appears twice");
    }

    @Test
    void refusesToWriteNonFiniteValues() {
        EntityEmbeddings nan = new EntityEmbeddings(List.of("a"), 2, new float[] {1f, Float.NaN});
        assertThat(error(() -> nan.writeText(dir.resolve("n.tsv"))).getMessage()).contains("non-finite");
        assertThat(Files.exists(dir.resolve("n.tsv"))).isFalse();
    }
}
