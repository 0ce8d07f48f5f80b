package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing and pruning the activation caches under a root: by last use, by total size, never a live fill. */
class ActivationCachesTest {
    @TempDir
    Path root;

    final Instant now = Instant.now();

    /** A complete cache of {@code kib} KiB of tap data, last used {@code ago} ago. */
    private Path cache(String key, int kib, Duration ago, String sides) throws Exception {
        Path d = Files.createDirectories(root.resolve(key));
        Files.write(d.resolve("tap_12.bf16"), new byte[kib * 1024]);
        Path manifest = Files.writeString(d.resolve("cache.json"), "{\"format\":1,\"precision\":\"bf16\",\"storage\":\"bf16\","
                + "\"taps\":[0,6,11,12],\"sides\":[" + sides + "],\"examples\":7,\"tokens\":99}");
        Files.setLastModifiedTime(manifest, FileTime.from(now.minus(ago)));
        return d;
    }

    private Path fill(String name, Duration ago) throws Exception {
        Path d = Files.createDirectories(root.resolve(name));
        Path f = Files.write(d.resolve("tap_0.bf16"), new byte[2048]);
        Files.setLastModifiedTime(f, FileTime.from(now.minus(ago)));
        Files.setLastModifiedTime(d, FileTime.from(now.minus(ago)));
        return d;
    }

    @Test
    void listsEveryCacheAndFillLeastRecentlyUsedFirst() throws Exception {
        cache("aaaa", 4, Duration.ofDays(1), "");
        cache("bbbb", 8, Duration.ofDays(9), "\"factual\",\"linguistic\"");
        fill(".cccc.tmp-1", Duration.ofMinutes(2));
        Files.createDirectories(root.resolve("not-a-cache"));

        List<ActivationCaches.Entry> l = ActivationCaches.list(root);

        assertThat(l).extracting(e -> e.folder().getFileName().toString()).containsExactly("bbbb", "aaaa", ".cccc.tmp-1");
        ActivationCaches.Entry b = l.get(0);
        assertThat(b.complete()).isTrue();
        assertThat(b.precision()).isEqualTo("bf16");
        assertThat(b.taps()).containsExactly(0, 6, 11, 12);
        assertThat(b.sides()).containsExactly("factual", "linguistic");
        assertThat(b.examples()).isEqualTo(7);
        assertThat(b.bytes()).isEqualTo(8 * 1024 + Files.size(root.resolve("bbbb/cache.json")));
        assertThat(l.get(2).complete()).isFalse();
        assertThat(ActivationCaches.list(root.resolve("absent"))).isEmpty();
    }

    @Test
    void pruneByAgeDeletesOnlyCachesUnusedThatLongAndInterruptedFills() throws Exception {
        Path old = cache("aaaa", 4, Duration.ofDays(20), "");
        Path recent = cache("bbbb", 4, Duration.ofDays(2), "");
        Path live = fill(".cccc.tmp-1", Duration.ofMinutes(2));
        Path interrupted = fill(".dddd.tmp-2", Duration.ofHours(3));
        Path halfPruned = fill("0123456789abcdef0123456789abcdef", Duration.ofHours(3)); // a prune stopped after cache.json

        List<ActivationCaches.Entry> dry = ActivationCaches.prune(root, Duration.ofDays(14), -1, true);
        assertThat(dry).extracting(ActivationCaches.Entry::folder).containsExactlyInAnyOrder(old, interrupted, halfPruned);
        assertThat(old).as("a dry run deletes nothing").isDirectory();
        assertThat(interrupted).isDirectory();

        List<ActivationCaches.Entry> gone = ActivationCaches.prune(root, Duration.ofDays(14), -1, false);
        assertThat(gone).extracting(ActivationCaches.Entry::folder).containsExactlyInAnyOrder(old, interrupted, halfPruned);
        assertThat(old).doesNotExist();
        assertThat(halfPruned).doesNotExist();
        assertThat(interrupted).doesNotExist();
        assertThat(recent).isDirectory();
        assertThat(live).as("a fill still writing").isDirectory();
    }

    @Test
    void aFillTheDiskCannotHoldIsRefusedBeforeItStartsNamingSizeAndFreeSpace() {
        // 1,000 texts of 100 pieces at 4 taps of 768 in bf16: 614.4 MB of taps.
        long needed = 1000L * 100 * 768 * 2 * 4 + 1001L * 24;
        ActivationCache.requireSpace(root, 1000, 100_000, 4, 768, ActivationCache.Storage.BF16, p -> needed + (1L << 30));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ActivationCache.requireSpace(root, 1000, 100_000, 4, 768,
                ActivationCache.Storage.BF16, p -> needed + (1L << 30) - 1))
                .isInstanceOf(dev.infuse.spi.InfuseException.class)
                .hasMessageContaining("activation cache under " + root).hasMessageContaining("1,000 texts needs 0.57 GiB")
                .hasMessageContaining("infuse cache prune").hasMessageContaining("--no-cache")
                .extracting(e -> ((dev.infuse.spi.InfuseException) e).exitCode()).isEqualTo(4);
    }

    @Test
    void pruneBySizeDeletesTheLeastRecentlyUsedUntilTheRestFit() throws Exception {
        Path a = cache("aaaa", 100, Duration.ofDays(3), "");
        Path b = cache("bbbb", 100, Duration.ofDays(1), "");
        Path c = cache("cccc", 100, Duration.ofDays(5), "");
        Path live = fill(".dddd.tmp-1", Duration.ofMinutes(1));

        // ~300 KiB of caches plus a live fill; 150 KiB allowed: the oldest (c) goes, then a.
        List<ActivationCaches.Entry> gone = ActivationCaches.prune(root, null, 150 * 1024, false);

        assertThat(gone).extracting(ActivationCaches.Entry::folder).containsExactly(c, a);
        assertThat(b).isDirectory();
        assertThat(live).isDirectory();
        assertThat(ActivationCaches.prune(root, null, 0, false)).extracting(ActivationCaches.Entry::folder)
                .as("a size of 0 deletes every complete cache, never a live fill").containsExactly(b);
        assertThat(live).isDirectory();
    }
}
