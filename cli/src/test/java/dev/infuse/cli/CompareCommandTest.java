package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Outcomes;
import dev.infuse.cli.InProcessCli.Run;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code infuse compare}: the paired analysis of run folders holding outcomes.json, and its bad input. */
class CompareCommandTest {
    @TempDir
    Path tmp;

    Run run(String... args) {
        return InProcessCli.run(args);
    }

    /** A run folder whose outcomes are right on each item with probability {@code p}. */
    Path folder(String name, String task, long seed, double p, int items) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<ItemOutcome> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            list.add(ItemOutcome.correct("q" + i, rng.nextDouble() < p, null, null));
        }
        Path dir = tmp.resolve(name);
        new Outcomes(task, "dev", ItemMetric.of("p_at_1", ItemMetric.Kind.RATIO), list).write(dir.resolve(Outcomes.FILE_NAME));
        return dir;
    }

    private static void assertOneErrorLine(Run r, String code, String... names) {
        assertThat(r.exit()).as(r.err()).isEqualTo(code.startsWith("artifact") ? 4 : 2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("error[" + code + "]: ").contains(names).doesNotContain("Exception", "\tat ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void comparesTwoRunsAndWritesJson() throws IOException {
        Path a = folder("a", "lama", 1, 0.7, 400);
        Path b = folder("b", "lama", 2, 0.5, 400);
        Path json = tmp.resolve("out/compare.json");
        Run r = run("compare", a.toString(), b.toString(), "--resamples", "2000", "--json", json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("task lama (dev), metric p_at_1, 400 paired items, 1 seed pair(s)", "Δ = A − B (points)",
                "95% CI [", "paired approximate randomisation", "McNemar p", "seed variance: unmeasured");
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        double va = Outcomes.read(a.resolve(Outcomes.FILE_NAME)).value();
        double vb = Outcomes.read(b.resolve(Outcomes.FILE_NAME)).value();
        assertThat(j.path("delta").asDouble()).isCloseTo(va - vb, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(j.path("interval").get(0).asDouble()).isLessThan(j.path("delta").asDouble());
        assertThat(j.path("interval").get(1).asDouble()).isGreaterThan(j.path("delta").asDouble());
        assertThat(j.path("significant").asBoolean()).isTrue();
        assertThat(j.path("mcnemar")).hasSize(1);
        assertThat(j.path("items").asInt()).isEqualTo(400);
    }

    @Test
    void severalSeedsPerSideArePairedAndAdviseASeedCount() throws IOException {
        String a = folder("a1", "lama", 1, 0.62, 300) + "," + folder("a2", "lama", 2, 0.66, 300) + ","
                + folder("a3", "lama", 3, 0.60, 300);
        String b = folder("b1", "lama", 4, 0.60, 300) + "," + folder("b2", "lama", 5, 0.61, 300) + ","
                + folder("b3", "lama", 6, 0.59, 300);
        Path json = tmp.resolve("c.json");
        Run r = run("compare", a, b, "--resamples", "1000", "--target-mde", "5", "--json", json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("3 seed pair(s)", "seed spread (points)", "seeds needed");
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("seed_pairs").asInt()).isEqualTo(3);
        assertThat(j.path("a")).hasSize(3);
        assertThat(j.path("seed_sd").isNumber()).isTrue();
    }

    @Test
    void badInputIsOneLineNamingTheFolders() throws IOException {
        Path a = folder("a", "lama", 1, 0.7, 100);
        Path other = folder("ud", "ud", 2, 0.5, 100);
        Path fewer = folder("fewer", "lama", 3, 0.5, 90);
        Path old = Files.createDirectories(tmp.resolve("old-run"));
        assertOneErrorLine(run("compare", a.toString(), other.toString()), "data-unpaired", other.toString(), "task 'ud'");
        assertOneErrorLine(run("compare", a.toString(), fewer.toString()), "data-unpaired", fewer.toString(), "item sets differ");
        assertOneErrorLine(run("compare", a.toString(), old.toString()), "data-missing", old.toString(), "outcomes.json");
        Run both = run("compare", old + "," + a, a + "," + old);
        assertOneErrorLine(both, "data-missing", old.toString());
        assertOneErrorLine(run("compare", a.toString(), tmp.resolve("nope").toString()), "data-missing", "nope");
        assertOneErrorLine(run("compare", a + "," + a, a.toString()), "data-unpaired", "RUN_A has 2 run(s)");
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--alpha", "2"), "config-bad-value", "--alpha");
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--json", tmp.resolve("a").resolve("outcomes.json")
                .resolve("x.json").toString()), "artifact-io", "--json");
    }
}
