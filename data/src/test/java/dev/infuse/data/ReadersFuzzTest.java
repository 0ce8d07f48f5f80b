package dev.infuse.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
