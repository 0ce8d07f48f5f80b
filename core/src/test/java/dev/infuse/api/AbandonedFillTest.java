package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An interrupted activation-cache fill leaves partial files behind; the next fill removes them, not a live one's. */
class AbandonedFillTest {
    @TempDir
    Path root;

    private Path partialFill(String name, Instant lastWrite) throws Exception {
        Path d = Files.createDirectories(root.resolve(name));
        Path f = Files.write(d.resolve("tap_0.bf16"), new byte[4096]);
        Files.setLastModifiedTime(f, FileTime.from(lastWrite));
        Files.setLastModifiedTime(d, FileTime.from(lastWrite));
        return d;
    }

    @Test
    void onlyFillsThatStoppedWritingLongAgoAreRemoved() throws Exception {
        Instant now = Instant.now();
        Path abandoned = partialFill(".aaaa.tmp-1", now.minus(Duration.ofHours(2)));
        Path live = partialFill(".bbbb.tmp-2", now.minus(Duration.ofMinutes(1)));
        Path cache = Files.createDirectories(root.resolve("cccc"));
        Files.setLastModifiedTime(cache, FileTime.from(now.minus(Duration.ofDays(3))));
        Path other = Files.createDirectories(root.resolve(".dddd"));
        Files.setLastModifiedTime(other, FileTime.from(now.minus(Duration.ofDays(3))));

        ActivationCache.removeAbandonedFills(root, ActivationCache.STALE_FILL);

        assertThat(abandoned).doesNotExist();
        assertThat(live).as("a fill still writing").isDirectory();
        assertThat(cache).as("a complete cache, however old").isDirectory();
        assertThat(other).as("not a fill's temporary folder").isDirectory();
    }

    @Test
    void aMissingRootIsNotAnError() {
        ActivationCache.removeAbandonedFills(root.resolve("none"), ActivationCache.STALE_FILL);
        assertThat(root.resolve("none")).doesNotExist();
    }
}
