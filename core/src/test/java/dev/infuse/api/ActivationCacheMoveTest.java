package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renaming a filled activation cache into place when another fill of the same cache finished first. */
class ActivationCacheMoveTest {
    @TempDir
    Path root;

    private Path filled(String name, String marker) throws Exception {
        Path d = Files.createDirectories(root.resolve(name));
        Files.writeString(d.resolve("tap_12.bf16"), marker);
        Files.writeString(d.resolve("cache.json"), "{}");
        return d;
    }

    @Test
    void movesAFilledCacheIntoPlace() throws Exception {
        Path tmp = filled(".key.tmp-1", "ours");
        ActivationCache.moveIntoPlace(tmp, root.resolve("key"));
        assertThat(root.resolve("key/tap_12.bf16")).hasContent("ours");
        assertThat(tmp).doesNotExist();
    }

    @Test
    void keepsTheCacheAnotherFillFinishedFirstAndDropsOurs() throws Exception {
        Path theirs = filled("key", "theirs");
        Path tmp = filled(".key.tmp-2", "ours");
        ActivationCache.moveIntoPlace(tmp, theirs); // the rename fails with "Directory not empty" on Linux
        assertThat(theirs.resolve("tap_12.bf16")).hasContent("theirs");
        assertThat(tmp).doesNotExist();
    }

    @Test
    void anOccupiedTargetThatIsNoCompleteCacheIsAnError() throws Exception {
        Path target = Files.createDirectories(root.resolve("key"));
        Files.writeString(target.resolve("stray"), "x");
        Path tmp = filled(".key.tmp-3", "ours");
        assertThatThrownBy(() -> ActivationCache.moveIntoPlace(tmp, target)).isInstanceOf(FileSystemException.class);
        assertThat(tmp).doesNotExist();
    }
}
