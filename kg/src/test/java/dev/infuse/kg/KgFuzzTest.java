package dev.infuse.kg;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Coverage-guided fuzzing of the knowledge-graph inputs (triples, entity names, embedding files):
 * whatever the bytes, a reader returns or throws {@link InfuseException}. Without {@code JAZZER_FUZZ}
 * the stored inputs run as regression tests (see docs/RELIABILITY.md).
 */
class KgFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("infuse-fuzz-kg");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scratch folder goes with the test class: fuzzing runs must not fill the temporary folder. */
    @org.junit.jupiter.api.AfterAll
    static void removeScratchFolder() throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(DIR)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void read(byte[] input, String name, Consumer<Path> reader) {
        Path file = DIR.resolve(name);
        try {
            Files.write(file, input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            reader.accept(file);
        } catch (InfuseException expected) {
            // a clear, coded rejection is the correct outcome for bad input
        }
    }

    @FuzzTest(maxDuration = "30s")
    void labelledTriples(byte[] input) {
        read(input, "train.tsv", f -> KnowledgeGraph.readLabelled(f, f, f));
    }

    @FuzzTest(maxDuration = "30s")
    void embeddingsText(byte[] input) {
        read(input, "embeddings.txt", f -> EntityEmbeddings.readText(f, 0));
    }

    @FuzzTest(maxDuration = "30s")
    void embeddingsSafeTensors(byte[] input) {
        read(input, "embeddings.safetensors", f -> EntityEmbeddings.readSafeTensors(f, 0));
    }

    @FuzzTest(maxDuration = "30s")
    void entityNames(byte[] input) {
        read(input, "names.txt", EntityNames::read);
    }
}
