package dev.infuse.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a lost attempt leaves behind is removed once the cell's job has ended; nothing else is. */
class SparkLeftoversTest {
    @TempDir
    Path tmp;

    @Test
    void theTemporaryFoldersOfLostAttemptsGoAndEverythingElseStays() throws Exception {
        Path cells = Files.createDirectories(tmp.resolve("cells/factual/semeval"));
        Path done = Files.createDirectories(cells.resolve("seed-1"));
        Files.writeString(done.resolve("metrics.json"), "{}");
        Path lost = Files.createDirectories(cells.resolve("seed-1.tmp-0a1b/head"));
        Files.writeString(lost.resolve("weights.bin"), "half");
        Path other = Files.createDirectories(cells.resolve("seed-10.tmp-2c3d"));
        Path running = Files.createDirectories(cells.resolve("seed-2.tmp-4e5f"));

        SparkCellExecutor.removeUnfinished(done);

        assertThat(cells.resolve("seed-1.tmp-0a1b")).doesNotExist();
        assertThat(done.resolve("metrics.json")).isRegularFile();
        assertThat(other).isDirectory();
        assertThat(running).isDirectory();
        // A cell whose folder (and parent) was never made is no error.
        SparkCellExecutor.removeUnfinished(tmp.resolve("cells/none/semeval/seed-1"));
    }
}
