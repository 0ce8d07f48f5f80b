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
        return folder(name, task, seed, p, items, 0);
    }

    /** The same on the items q{@code first} … (another seed's dev split). */
    Path folder(String name, String task, long seed, double p, int items, int first) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<ItemOutcome> list = new ArrayList<>();
        for (int i = first; i < first + items; i++) {
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
    void seedsWithTheirOwnDevItemsArePairedWithinEachSeed() throws IOException {
        // Each seed its own dev split (overlapping): paired within a seed, resampled over the union of the items.
        String a = folder("sa1", "semeval", 1, 0.8, 300, 0) + "," + folder("sa2", "semeval", 2, 0.8, 300, 250);
        String b = folder("sb1", "semeval", 3, 0.6, 300, 0) + "," + folder("sb2", "semeval", 4, 0.6, 300, 250);
        Run r = run("compare", a, b, "--resamples", "1000");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("550 paired items (the union of the seed pairs' own dev items), 2 seed pair(s)",
                "significant at α = 0.05");
        // Within a seed the two runs must still have scored the same items.
        assertOneErrorLine(run("compare", a, folder("sb1", "semeval", 3, 0.6, 300, 0) + "," + folder("sb3", "semeval", 4, 0.6,
                300, 100)), "data-unpaired", "sb3", "sa2", "item sets differ");
    }

    @Test
    void aStudysMethodAndTaskFolderStandsForItsSeedsPairedBySeed() throws IOException {
        // cells/<method>/<task>/seed-N as a study writes them; seed 10 after seed 2 (numeric order), a running cell's
        // hidden checkpoint beside them.
        for (long seed : new long[] {1, 2, 10}) {
            folder("cells/m/lama/seed-" + seed, "lama", seed, 0.65, 300);
            folder("cells/twin/lama/seed-" + seed, "lama", 100 + seed, 0.60, 300);
        }
        Files.createDirectories(tmp.resolve("cells/m/lama/.seed-11.checkpoint"));
        Path a = tmp.resolve("cells/m/lama");
        Path b = tmp.resolve("cells/twin/lama");
        Path json = tmp.resolve("by-seed.json");
        Run r = run("compare", a.toString(), b.toString(), "--resamples", "500", "--json", json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("3 seed pair(s)");
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("a").toString()).isEqualTo(new ObjectMapper().writeValueAsString(
                List.of(a.resolve("seed-1").toString(), a.resolve("seed-2").toString(), a.resolve("seed-10").toString())));
        Run listed = run("compare", a.resolve("seed-1") + "," + a.resolve("seed-2") + "," + a.resolve("seed-10"),
                b.resolve("seed-1") + "," + b.resolve("seed-2") + "," + b.resolve("seed-10"), "--resamples", "500");
        assertThat(listed.out()).as("the same as listing the seeds").isEqualTo(r.out().replace("JSON written to " + json + "\n", ""));

        folder("cells/short/lama/seed-1", "lama", 7, 0.6, 300);
        folder("cells/short/lama/seed-3", "lama", 8, 0.6, 300);
        folder("cells/short/lama/seed-10", "lama", 9, 0.6, 300);
        assertOneErrorLine(run("compare", a.toString(), tmp.resolve("cells/short/lama").toString()), "data-unpaired",
                "seeds [1, 2, 10]", "seeds [1, 3, 10]", "pair by seed");
    }

    /** A run of labelled predictions (gold "g" on every item): item q{@code i} predicted {@code predicted[i]}. */
    Path labelled(String name, String... predicted) {
        List<ItemOutcome> list = new ArrayList<>();
        for (int i = 0; i < predicted.length; i++) {
            list.add(ItemOutcome.correct("q" + i, predicted[i].equals("g"), predicted[i], "g"));
        }
        Path dir = tmp.resolve(name);
        new Outcomes("fewrel", "dev", ItemMetric.of("accuracy", ItemMetric.Kind.RATIO), list).write(dir.resolve(Outcomes.FILE_NAME));
        return dir;
    }

    @Test
    void countsTheItemsWhosePredictionChangedPerSeedPair() throws IOException {
        // Seed pair 1: A differs from B on q0 (only B right), q7 (only A right) and q8 (both wrong); seed pair 2 on q1 only.
        String a = labelled("c-a1", "w1", "g", "g", "g", "g", "g", "g", "g", "w2", "w") + ","
                + labelled("c-a2", "g", "w", "g", "g");
        String b = labelled("c-b1", "g", "g", "g", "g", "g", "g", "g", "w", "w", "w") + ","
                + labelled("c-b2", "g", "g", "g", "g");
        Path json = tmp.resolve("changed.json");
        Run r = run("compare", a, b, "--resamples", "200", "--json", json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("changed predictions           4   items A and B predict differently, per seed pair 3, 1; "
                + "of them only A right 1, 0, only B right 1, 1");
        JsonNode j = new ObjectMapper().readTree(json.toFile()).path("changed_predictions");
        assertThat(j).hasSize(2);
        assertThat(j.get(0).path("changed").asLong()).isEqualTo(3);
        assertThat(j.get(0).path("only_a_right").asLong()).isEqualTo(1);
        assertThat(j.get(0).path("only_b_right").asLong()).isEqualTo(1);
        assertThat(j.get(1).path("changed").asLong()).isEqualTo(1);
        assertThat(j.get(1).path("only_b_right").asLong()).isEqualTo(1);

        // Multi-label predictions (lists, read back from JSON) compare by value; without 'correct' counts only the changes.
        List<ItemOutcome> ma = List.of(typed("t0", List.of("person", "artist")), typed("t1", List.of("place")));
        List<ItemOutcome> mb = List.of(typed("t0", List.of("person", "artist")), typed("t1", List.of("organization")));
        ItemMetric micro = ItemMetric.of("f1", ItemMetric.Kind.MICRO_F1);
        new Outcomes("open-entity", "dev", micro, ma).write(tmp.resolve("m-a").resolve(Outcomes.FILE_NAME));
        new Outcomes("open-entity", "dev", micro, mb).write(tmp.resolve("m-b").resolve(Outcomes.FILE_NAME));
        Run m = run("compare", tmp.resolve("m-a").toString(), tmp.resolve("m-b").toString(), "--resamples", "100");
        assertThat(m.exit()).as(m.err()).isZero();
        assertThat(m.out()).contains("changed predictions           1   items A and B predict differently\n");

        // Runs that recorded no predictions: no such line.
        Run none = run("compare", folder("n-a", "lama", 1, 0.7, 50).toString(), folder("n-b", "lama", 2, 0.5, 50).toString(),
                "--resamples", "100");
        assertThat(none.out()).doesNotContain("changed predictions");
    }

    private static ItemOutcome typed(String id, List<String> predicted) {
        return new ItemOutcome(id, java.util.Map.of("tp", 1.0, "pred", (double) predicted.size(), "gold", 2.0), predicted,
                List.of("person", "artist"));
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

    @Test
    void itemsAndExceptItemsCompareOnASubgroupAndItsComplement() throws IOException {
        Path a = folder("a", "lama", 1, 0.7, 400);
        Path b = folder("b", "lama", 2, 0.5, 400);
        // The subgroup: the even items, listed with a comment, a blank line, and two ids of no run.
        List<String> lines = new ArrayList<>(List.of("# even items", ""));
        for (int i = 0; i < 400; i += 2) {
            lines.add("q" + i);
        }
        lines.addAll(List.of("q9000", "q9001"));
        Path list = Files.write(tmp.resolve("even.txt"), lines);
        Path jOnly = tmp.resolve("only.json");
        Path jExcept = tmp.resolve("except.json");
        Run only = run("compare", a.toString(), b.toString(), "--resamples", "500", "--items", list.toString(),
                "--json", jOnly.toString());
        assertThat(only.exit()).as(only.err()).isZero();
        assertThat(only.out()).contains("200 paired items (only the items listed in " + list
                + "; 2 of its 202 ids are items of no run)");
        Run except = run("compare", a.toString(), b.toString(), "--resamples", "500", "--except-items", list.toString(),
                "--json", jExcept.toString());
        assertThat(except.exit()).as(except.err()).isZero();
        assertThat(except.out()).contains("200 paired items (all but the items listed in " + list);
        // Each side's value is the metric over exactly the kept items.
        Outcomes oa = Outcomes.read(a.resolve(Outcomes.FILE_NAME));
        Outcomes ob = Outcomes.read(b.resolve(Outcomes.FILE_NAME));
        for (boolean even : new boolean[] {true, false}) {
            JsonNode j = new ObjectMapper().readTree((even ? jOnly : jExcept).toFile());
            double va = subset(oa, even).value();
            double vb = subset(ob, even).value();
            assertThat(j.path("value_a").asDouble()).isCloseTo(va, org.assertj.core.api.Assertions.within(1e-12));
            assertThat(j.path("delta").asDouble()).isCloseTo(va - vb, org.assertj.core.api.Assertions.within(1e-12));
            assertThat(j.path("items").asInt()).isEqualTo(200);
            assertThat(j.path("item_filter").path("mode").asText()).isEqualTo(even ? "only" : "except");
            assertThat(j.path("item_filter").path("listed").asInt()).isEqualTo(202);
            assertThat(j.path("item_filter").path("listed_in_runs").asInt()).isEqualTo(200);
        }
    }

    private static Outcomes subset(Outcomes o, boolean even) {
        return new Outcomes(o.task(), o.split(), o.metric(), o.items().stream()
                .filter(i -> (Integer.parseInt(i.id().substring(1)) % 2 == 0) == even).toList());
    }

    @Test
    void badItemListsAreOneLineNamingTheFile() throws IOException {
        Path a = folder("a", "lama", 1, 0.7, 100);
        Path none = Files.write(tmp.resolve("none.txt"), List.of("x1", "x2"));
        Path empty = Files.write(tmp.resolve("empty.txt"), List.of("# nothing", ""));
        Path all = Files.write(tmp.resolve("all.txt"), java.util.stream.IntStream.range(0, 100).mapToObj(i -> "q" + i).toList());
        Path binary = Files.write(tmp.resolve("binary.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x41});
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--items", none.toString()), "data-unpaired",
                none.toString(), "none of its 2 ids");
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--items", empty.toString()), "data-format",
                empty.toString(), "lists no item id");
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--except-items", all.toString()), "data-unpaired",
                all.toString(), "lists every item");
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--items", tmp.resolve("missing.txt").toString()),
                "data-missing", "missing.txt");
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--items", binary.toString()), "data-format",
                binary.toString(), "UTF-8");
        assertOneErrorLine(run("compare", a.toString(), a.toString(), "--items", none.toString(), "--except-items",
                none.toString()), "usage", "--items", "--except-items");
    }
}
