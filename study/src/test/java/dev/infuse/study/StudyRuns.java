package dev.infuse.study;

import dev.infuse.api.Infuse;
import java.nio.file.Files;
import java.nio.file.Path;

/** A study file run on the tiny random BERT in a temporary folder, for test classes that read its outputs. */
final class StudyRuns {
    private StudyRuns() {}

    /** A runtime with its plugins and caches under {@code tmp}. */
    static Infuse infuse(Path tmp) {
        return Infuse.builder().pluginsDirectory(tmp.resolve("plugins")).cacheDirectory(tmp.resolve("cache")).build();
    }

    /** Writes the test data ({@link StudyTwinTest#writeData}) and the study file {@code tmp/<fileName>}, and reads it. */
    static Study read(Path tmp, String fileName, String yaml) throws Exception {
        StudyTwinTest.writeData(tmp.resolve("data"));
        return StudyFile.read(Files.writeString(tmp.resolve(fileName), yaml), null);
    }

    /** Runs (or resumes) the study into {@code out}, one cell at a time. */
    static StudyResults run(Path tmp, Study study, Path out) throws Exception {
        try (Infuse infuse = infuse(tmp); CellExecutor executor = new LocalCellExecutor(1)) {
            return StudyRunner.run(infuse, study, out, executor);
        }
    }
}
