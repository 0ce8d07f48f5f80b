package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.cli.InProcessCli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code infuse cache list|prune} over a cache folder the test lays out. */
class CacheCommandTest {
    @TempDir
    Path cache;

    Run run(String... args) {
        return InProcessCli.run(args);
    }

    Path activationCache(String key, int mib, Duration unusedFor) throws Exception {
        Path d = Files.createDirectories(cache.resolve("activations").resolve(key));
        Files.write(d.resolve("tap_12.bf16"), new byte[mib << 20]);
        Path m = Files.writeString(d.resolve("cache.json"),
                "{\"format\":1,\"precision\":\"bf16\",\"taps\":[0,6,11,12],\"sides\":[],\"examples\":2686,\"tokens\":9}");
        Files.setLastModifiedTime(m, FileTime.from(Instant.now().minus(unusedFor)));
        return d;
    }

    @Test
    void listShowsEachCacheWithItsSizeAndTheTotal() throws Exception {
        activationCache("0123456789abcdef0123456789abcdef", 2, Duration.ofDays(3));
        activationCache("fedcba9876543210fedcba9876543210", 1, Duration.ofDays(30));

        Run r = run("cache", "list", "--cache", cache.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).startsWith("CACHE").contains("SIZE", "LAST USED");
        assertThat(lines[1]).as("least recently used first").startsWith("fedcba9876543210fedcba9876543210 bf16")
                .contains("[0,6,11,12]", "2686", "1.0 MiB");
        assertThat(lines[2]).startsWith("0123456789abcdef0123456789abcdef").contains("2.0 MiB");
        assertThat(lines[3]).startsWith("2 caches, 3.0 MiB in " + cache.resolve("activations"));
    }

    @Test
    void pruneDeletesWhatItSaysAndADryRunNothing() throws Exception {
        Path old = activationCache("aaaa", 1, Duration.ofDays(30));
        Path recent = activationCache("bbbb", 1, Duration.ofHours(1));

        Run dry = run("cache", "prune", "--cache", cache.toString(), "--unused-for", "14d", "--dry-run");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would delete aaaa").doesNotContain("bbbb").contains("would delete 1 caches, 1.0 MiB");
        assertThat(old).isDirectory();

        Run r = run("cache", "prune", "--cache", cache.toString(), "--max-size", "1.5M");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("deleted aaaa").contains("deleted 1 caches");
        assertThat(old).doesNotExist();
        assertThat(recent).isDirectory();
    }

    @Test
    void pruneWithoutACriterionOrWithABadOneIsOneUsageLine() throws Exception {
        Path c = activationCache("aaaa", 1, Duration.ofDays(30));
        Run none = run("cache", "prune", "--cache", cache.toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).startsWith("error[usage]: prune needs --unused-for AGE, --max-size SIZE or both");

        Run age = run("cache", "prune", "--cache", cache.toString(), "--unused-for", "two weeks");
        assertThat(age.exit()).isEqualTo(2);
        assertThat(age.err()).startsWith("error[config-bad-value]: --unused-for two weeks: expected").doesNotContain("Exception");

        Run size = run("cache", "prune", "--cache", cache.toString(), "--max-size", "lots");
        assertThat(size.exit()).isEqualTo(2);
        assertThat(size.err()).startsWith("error[config-bad-value]: --max-size lots: expected");
        assertThat(c).as("nothing deleted on a bad argument").isDirectory();
    }

    @Test
    void sizesAndAgesParseInBinaryUnits() {
        assertThat(CacheCommand.bytes("20G")).isEqualTo(20L << 30);
        assertThat(CacheCommand.bytes("500MiB")).isEqualTo(500L << 20);
        assertThat(CacheCommand.bytes("0")).isZero();
        assertThat(CacheCommand.age("36h")).isEqualTo(Duration.ofHours(36));
        assertThat(CacheCommand.age("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("2h30m", "--stop-after")).isEqualTo(Duration.ofMinutes(150));
        assertThat(Durations.parse("1d 12h", "--unused-for")).isEqualTo(Duration.ofHours(36));
        assertThat(Durations.parse("45s", "--stop-after")).isEqualTo(Duration.ofSeconds(45));
        for (String bad : new String[] {"", "0m", "90", "2h30", "1.5h", "-1h", "h"}) {
            assertThatThrownBy(() -> Durations.parse(bad, "--stop-after")).as(bad).isInstanceOfSatisfying(
                    dev.infuse.spi.InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-bad-value"))
                    .hasMessageContaining("--stop-after " + bad + ": expected a positive duration");
        }
    }
}
