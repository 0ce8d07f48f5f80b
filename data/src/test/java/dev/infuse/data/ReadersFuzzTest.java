package dev.infuse.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Coverage-guided fuzzing of every data reader: whatever the bytes, a reader returns records or
 * throws {@link InfuseException}; any other exception (or a hang) is a bug. Without
 * {@code JAZZER_FUZZ} the inputs under {@code src/test/resources/.../ReadersFuzzTestInputs/} run as
 * regression tests; see docs/RELIABILITY.md for fuzzing runs.
 */
class ReadersFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("infuse-fuzz-data");
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

    /** Writes the input to a file named {@code name} and reads it; only InfuseException is an expected outcome. */
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
    void fewRel(byte[] input) {
        read(input, "fewrel.json", FewRel::read);
    }

    @FuzzTest(maxDuration = "30s")
    void fewRelNames(byte[] input) {
        read(input, "pid2name.json", FewRel::readRelationNames);
    }

    @FuzzTest(maxDuration = "30s")
    void trexRc(byte[] input) {
        read(input, "trex.jsonl", TrexRc::read);
    }

    @FuzzTest(maxDuration = "30s")
    void tacred(byte[] input) {
        read(input, "tacred.json", Tacred::read);
    }

    @FuzzTest(maxDuration = "30s")
    void openEntity(byte[] input) {
        read(input, "open-entity.json", OpenEntity::read);
    }

    /** A task file's table: every column kind, every field access a task file makes. */
    private static void table(byte[] input, String name, Tables.Format format) {
        Map<String, Tables.Kind> columns = new java.util.LinkedHashMap<>();
        columns.put("tokens", Tables.Kind.LIST);
        columns.put("start", Tables.Kind.INTEGER);
        columns.put("label", Tables.Kind.TEXT);
        read(input, name, f -> Tables.read(f, format, columns, r -> List.of(r.strings("tokens"), r.integer("start"),
                r.scalar("label"))));
    }

    @FuzzTest(maxDuration = "30s")
    void tsvTable(byte[] input) {
        table(input, "table.tsv", Tables.Format.TSV);
    }

    @FuzzTest(maxDuration = "30s")
    void csvTable(byte[] input) {
        table(input, "table.csv", Tables.Format.CSV);
    }

    @FuzzTest(maxDuration = "30s")
    void cosmosQa(byte[] input) {
        read(input, "valid.csv", CosmosQa::read);
    }

    @FuzzTest(maxDuration = "30s")
    void conllU(byte[] input) {
        read(input, "ud.conllu", ConllU::read);
    }

    @FuzzTest(maxDuration = "30s")
    void semEval(byte[] input) {
        read(input, "TRAIN_FILE.TXT", SemEval2010::read);
    }

    @FuzzTest(maxDuration = "30s")
    void semEvalAnswers(byte[] input) {
        read(input, "answers.txt", SemEval2010::readAnswers);
    }

    @FuzzTest(maxDuration = "30s")
    void lamaRelations(byte[] input) {
        read(input, Lama.RELATIONS_FILE, Lama::readRelations);
    }

    @FuzzTest(maxDuration = "30s")
    void lamaFacts(byte[] input) {
        Path folder = DIR.resolve("lama");
        try {
            Files.createDirectories(folder.resolve("facts"));
            Files.writeString(folder.resolve(Lama.RELATIONS_FILE),
                    "{\"relation\": \"P19\", \"template\": \"[X] was born in [Y] .\"}\n");
            Files.write(folder.resolve("facts/P19.jsonl"), input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Lama.read(folder, "facts", Lama.SINGLE_WORD);
        } catch (InfuseException expected) {
            // a clear, coded rejection
        }
    }
}
