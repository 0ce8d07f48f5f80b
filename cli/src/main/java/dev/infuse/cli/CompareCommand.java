package dev.infuse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.infuse.api.Outcomes;
import dev.infuse.spi.InfuseException;
import dev.infuse.stats.Comparison;
import dev.infuse.stats.PairedStatistics;
import dev.infuse.stats.Tests;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code infuse compare RUN_A RUN_B}: the paired analysis of two systems evaluated on the same items
 * (see {@code docs/STATISTICS.md}), from the {@code outcomes.json} that {@code eval}, {@code probe} and
 * study cells write. Several runs per side (one per seed, paired in order) are given comma-separated; a study's
 * {@code cells/<method>/<task>} folder stands for its {@code seed-N} cells, and study cells on both sides pair by seed.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare two runs item by item: Δ of the task's metric with its 95%% paired-bootstrap interval, "
            + "a paired randomisation p-value, the minimum detectable effect, McNemar's exact test for accuracy-type metrics, "
            + "the items whose prediction changed and, with several seeds per side, the seeds needed for a target effect.")
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_A", description = "Output folder of an eval/probe run (or a study cell); "
            + "several, one per seed, comma-separated: A1,A2,A3; a study's cells/<method>/<task> folder stands for all its seeds.")
    String a;

    @Parameters(index = "1", paramLabel = "RUN_B", description = "The reference: as RUN_A, with the same number of runs, "
            + "paired with RUN_A's in order (study cells: by seed).")
    String b;

    @Option(names = "--resamples", paramLabel = "N", defaultValue = "10000",
            description = "Bootstrap resamples and randomisation rounds (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "16", description = "Seed of the resampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "0.05", description = "Test level; intervals cover 1 − A (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--target-mde", paramLabel = "POINTS", defaultValue = "1.0",
            description = "Effect (in points) for the seed-count advice (default: ${DEFAULT-VALUE}).")
    double targetMde;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the analysis as JSON to FILE.")
    Path json;

    @Option(names = "--items", paramLabel = "FILE", description = "Compare on these items only: FILE lists item ids "
            + "(the 'id' of outcomes.json), one per line; blank lines and lines starting with # are skipped. For a subgroup "
            + "fixed before the runs were scored, e.g. the probe facts whose answer the plug-in read.")
    Path items;

    @Option(names = "--except-items", paramLabel = "FILE", description = "Compare on every item but those FILE lists "
            + "(same format as --items): the complement of a subgroup.")
    Path exceptItems;

    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    private ItemFilter filter;

    @Override
    public Integer call() {
        if (resamples < 1 || resamples > 1_000_000) {
            throw new InfuseException("config-bad-value", "--resamples " + resamples + ": expected 1 to 1,000,000");
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new InfuseException("config-bad-value", "--alpha " + alpha + ": expected a level between 0 and 1, e.g. 0.05");
        }
        if (!(targetMde > 0 && targetMde <= 100)) {
            throw new InfuseException("config-bad-value", "--target-mde " + targetMde + ": expected points in (0, 100], e.g. 1.0");
        }
        List<Path> fa = folders(a, "RUN_A");
        List<Path> fb = folders(b, "RUN_B");
        requireSameSeeds(fa, fb);
        if (fa.size() != fb.size()) {
            throw new InfuseException("data-unpaired", "RUN_A has " + fa.size() + " run(s) (" + join(fa) + ") and RUN_B has "
                    + fb.size() + " (" + join(fb) + "); give one run per seed on each side, paired in order");
        }
        List<Path> missing = new ArrayList<>();
        for (Path f : concat(fa, fb)) {
            if (!Files.isRegularFile(f.resolve(Outcomes.FILE_NAME))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new InfuseException("data-missing", "no per-item outcomes (" + Outcomes.FILE_NAME + ") in " + join(missing)
                    + "; expected output folders of 'infuse eval' or 'infuse probe' (runs made before Infuse wrote "
                    + Outcomes.FILE_NAME + " must be run again)");
        }
        filter = ItemFilter.of(items, exceptItems);
        PairedStatistics.Arm armA = arm("A", fa, filter);
        PairedStatistics.Arm armB = arm("B", fb, filter);
        filter.requireMatches(concat(fa, fb));
        PairedStatistics.Settings settings = new PairedStatistics.Settings(resamples, seed, alpha, 0.80);
        Comparison c = PairedStatistics.analyse(List.of(new PairedStatistics.Request("A vs B", "compare", armA, armB)), settings)
                .comparisons().get(0);
        if (!c.ok()) {
            throw new InfuseException(c.errorCode(), c.error().replaceFirst("^A vs B: ", ""));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json != null) {
            writeJson(c, fa, fb, settings); // first: a file that cannot be written is the only output
        }
        // Seeds with their own dev splits are resampled over the union of their items: say so.
        boolean union = armA.runs().stream().anyMatch(r -> r.outcomes().items().size() != c.items());
        print(out, c, fa, fb, settings, union);
        if (json != null) {
            out.printf("JSON written to %s%n", json);
        }
        return 0;
    }

    /**
     * The run folders a side names: each folder given, or for a study's method-and-task folder (holding {@code seed-N}
     * cells, no outcomes of its own) its complete seeds in seed order.
     */
    private static List<Path> folders(String list, String what) {
        List<Path> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (s.isBlank()) {
                throw new InfuseException("usage", what + " '" + list + "': an empty folder name; expected DIR or DIR1,DIR2,...");
            }
            Path p = Path.of(s.trim());
            if (!Files.isDirectory(p)) {
                throw new InfuseException("data-missing", what + ": no folder " + p + "; expected an output folder of 'infuse eval' "
                        + "or 'infuse probe'");
            }
            List<Path> seeds = Files.isRegularFile(p.resolve(Outcomes.FILE_NAME)) ? List.of() : seedCells(p);
            if (seeds.isEmpty()) {
                out.add(p);
            } else {
                out.addAll(seeds);
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern SEED_CELL = java.util.regex.Pattern.compile("seed-(\\d+)");

    /** The {@code seed-N} folders of a study's method-and-task folder, by seed; empty when it has none. */
    private static List<Path> seedCells(Path dir) {
        try (var children = Files.list(dir)) {
            return children.filter(c -> Files.isDirectory(c) && SEED_CELL.matcher(c.getFileName().toString()).matches())
                    .sorted(java.util.Comparator.comparingLong(CompareCommand::seedOf)).toList();
        } catch (IOException e) {
            throw new InfuseException("data-io", "cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long seedOf(Path cell) {
        var m = SEED_CELL.matcher(cell.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Study cells on both sides pair by seed: both sides must hold the same seeds. */
    private static void requireSameSeeds(List<Path> fa, List<Path> fb) {
        List<Long> sa = fa.stream().map(CompareCommand::seedOf).toList();
        List<Long> sb = fb.stream().map(CompareCommand::seedOf).toList();
        if (!sa.contains(-1L) && !sb.contains(-1L) && !sa.equals(sb)) {
            throw new InfuseException("data-unpaired", "RUN_A holds the cells of seeds " + sa + " (" + join(fa) + ") and RUN_B of seeds "
                    + sb + " (" + join(fb) + "); study cells pair by seed: compare the seeds both sides have, e.g. A/seed-1,A/seed-2 "
                    + "B/seed-1,B/seed-2");
        }
    }

    private static List<Path> concat(List<Path> x, List<Path> y) {
        List<Path> all = new ArrayList<>(x);
        all.addAll(y);
        return all;
    }

    private static String join(List<Path> ps) {
        return String.join(", ", ps.stream().map(Path::toString).toList());
    }

    private static PairedStatistics.Arm arm(String label, List<Path> folders, ItemFilter filter) {
        List<PairedStatistics.Run> runs = new ArrayList<>();
        for (Path f : folders) {
            runs.add(new PairedStatistics.Run(f.toString(), filter.apply(Outcomes.read(f.resolve(Outcomes.FILE_NAME)))));
        }
        return new PairedStatistics.Arm(label, runs);
    }

    /**
     * The items a comparison keeps: all, those a file lists ({@code --items}) or all but those ({@code --except-items}).
     * Listed ids that are items of no run are counted and said, not an error: a subgroup list is often written for a
     * whole probe, of which a dev split holds a part.
     */
    private static final class ItemFilter {
        private final Path file;
        private final boolean only;
        private final Set<String> ids;
        private final Set<String> seen = new java.util.HashSet<>();
        private int kept;

        private ItemFilter(Path file, boolean only, Set<String> ids) {
            this.file = file;
            this.only = only;
            this.ids = ids;
        }

        static ItemFilter of(Path items, Path exceptItems) {
            if (items != null && exceptItems != null) {
                throw new InfuseException("usage", "--items " + items + " and --except-items " + exceptItems
                        + ": give one of them (a subgroup, or its complement)");
            }
            Path f = items != null ? items : exceptItems;
            return new ItemFilter(f, items != null, f == null ? Set.of() : read(f, items != null ? "--items" : "--except-items"));
        }

        private static Set<String> read(Path f, String option) {
            if (!Files.isRegularFile(f)) {
                throw new InfuseException("data-missing", option + ": no file " + f + "; expected a text file of item ids, one per line");
            }
            Set<String> ids = new java.util.LinkedHashSet<>();
            try {
                for (String line : Files.readAllLines(f, java.nio.charset.StandardCharsets.UTF_8)) {
                    String id = line.strip();
                    if (!id.isEmpty() && !id.startsWith("#")) {
                        ids.add(id);
                    }
                }
            } catch (java.nio.charset.MalformedInputException e) {
                throw new InfuseException("data-format", option + " " + f + ": not UTF-8 text; expected item ids, one per line");
            } catch (IOException e) {
                throw new InfuseException("data-io", option + " " + f + ": cannot read it (" + e.getMessage() + ")");
            }
            if (ids.isEmpty()) {
                throw new InfuseException("data-format", option + " " + f + ": lists no item id; expected item ids "
                        + "(the 'id' of outcomes.json), one per line");
            }
            return ids;
        }

        boolean active() {
            return file != null;
        }

        Outcomes apply(Outcomes o) {
            if (!active()) {
                return o;
            }
            List<dev.infuse.spi.ItemOutcome> keep = new ArrayList<>();
            for (dev.infuse.spi.ItemOutcome i : o.items()) {
                if (ids.contains(i.id())) {
                    seen.add(i.id());
                }
                if (ids.contains(i.id()) == only) {
                    keep.add(i);
                }
            }
            kept += keep.size();
            return new Outcomes(o.task(), o.split(), o.metric(), keep);
        }

        /** Every run must keep an item; an empty subgroup is one clear error. */
        void requireMatches(List<Path> folders) {
            if (active() && kept == 0) {
                throw new InfuseException("data-unpaired", (only ? "--items " : "--except-items ") + file + ": "
                        + (only ? "none of its " + ids.size() + " ids is an item of " : "it lists every item of ") + join(folders)
                        + "; expected the 'id' values of their outcomes.json");
            }
        }

        /** How the comparison's items were chosen, for the first line of the report; empty for all. */
        String describe() {
            if (!active()) {
                return "";
            }
            int unknown = ids.size() - seen.size();
            return (only ? " (only the items listed in " : " (all but the items listed in ") + file
                    + (unknown > 0 ? String.format(Locale.ROOT, "; %,d of its %,d ids are items of no run", unknown, ids.size()) : "")
                    + ")";
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file.toString());
            m.put("mode", only ? "only" : "except");
            m.put("listed", ids.size());
            m.put("listed_in_runs", seen.size());
            return m;
        }
    }

    private void print(PrintWriter out, Comparison c, List<Path> fa, List<Path> fb, PairedStatistics.Settings s,
            boolean union) {
        int conf = (int) Math.round(100 * (1 - s.alpha()));
        out.printf(Locale.ROOT, "task %s (%s), metric %s, %,d paired items%s, %d seed pair(s)%n", c.task(), c.split(), c.metric(),
                c.items(), (union ? " (the union of the seed pairs' own dev items)" : "") + filter.describe(), c.seedPairs());
        out.printf(Locale.ROOT, "  %-22s %8.2f   %s%n", "A", 100 * c.valueA(), join(fa));
        out.printf(Locale.ROOT, "  %-22s %8.2f   %s%n", "B", 100 * c.valueB(), join(fb));
        out.printf(Locale.ROOT, "  %-22s %+8.2f   %d%% CI [%+.2f, %+.2f] (paired bootstrap over items, %,d resamples)%n",
                "Δ = A − B (points)", 100 * c.delta(), conf, 100 * c.low(), 100 * c.high(), s.resamples());
        out.printf(Locale.ROOT, "  %-22s %8s   paired approximate randomisation, %,d rounds: %s at α = %s%n", "p",
                pText(c.p()), s.resamples(), c.p() < s.alpha() ? "significant" : "not significant", s.alpha());
        out.printf(Locale.ROOT, "  %-22s %8.2f   smallest Δ this dev set detects with 80%% power%n", "MDE (points)", 100 * c.mde());
        if (!c.mcnemar().isEmpty()) {
            StringBuilder per = new StringBuilder();
            for (Comparison.McNemar m : c.mcnemar()) {
                per.append(per.length() == 0 ? "" : "; ").append(m.onlyA()).append(" only A right, ").append(m.onlyB())
                        .append(" only B right");
            }
            out.printf(Locale.ROOT, "  %-22s %8s   exact, largest over seed pairs (%s)%n", "McNemar p", pText(c.mcnemarP()), per);
        }
        printChanged(out, c);
        if (c.seedVarianceMeasured()) {
            int n = c.seedsFor(targetMde / 100, s.alpha(), s.power());
            out.printf(Locale.ROOT, "  %-22s %8.2f   standard deviation of Δ across seed pairs%n", "seed spread (points)",
                    100 * c.seedSd());
            out.printf(Locale.ROOT, "  %-22s %8s   seeds per side to detect Δ = %.2f points with 80%% power%n", "seeds needed",
                    n == Tests.UNREACHABLE ? "-" : Integer.toString(n), targetMde);
            if (n == Tests.UNREACHABLE) {
                out.println("  (no seed count reaches that effect on this dev set: the item-level spread alone is larger; "
                        + "more dev items are needed)");
            }
        } else {
            out.println("  seed variance: unmeasured (one run per side); give several runs per side, e.g. A1,A2,A3 B1,B2,B3, "
                    + "to measure it");
        }
    }

    private static void printChanged(PrintWriter out, Comparison c) {
        if (c.changed().isEmpty()) {
            return;
        }
        List<Comparison.Changed> ch = c.changed();
        String perPair = ch.size() == 1 ? "" : ", per seed pair " + String.join(", ",
                ch.stream().map(x -> String.format(Locale.ROOT, "%,d", x.items())).toList());
        String right = c.changedRightKnown()
                ? "; of them only A right " + String.join(", ", ch.stream().map(x -> x.onlyARight().toString()).toList())
                        + ", only B right " + String.join(", ", ch.stream().map(x -> x.onlyBRight().toString()).toList())
                : "";
        out.printf(Locale.ROOT, "  %-22s %,8d   items A and B predict differently%s%s%n", "changed predictions", c.changedTotal(),
                perPair, right);
    }

    static String pText(double p) {
        return p < 1e-4 ? "<0.0001" : String.format(Locale.ROOT, p < 0.01 ? "%.4f" : "%.3f", p);
    }

    private void writeJson(Comparison c, List<Path> fa, List<Path> fb, PairedStatistics.Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", fa.stream().map(Path::toString).toList());
        m.put("b", fb.stream().map(Path::toString).toList());
        m.put("task", c.task());
        m.put("split", c.split());
        m.put("metric", c.metric());
        m.put("items", c.items());
        if (filter.active()) {
            m.put("item_filter", filter.json());
        }
        m.put("seed_pairs", c.seedPairs());
        m.put("value_a", c.valueA());
        m.put("value_b", c.valueB());
        m.put("delta", c.delta());
        m.put("interval", List.of(c.low(), c.high()));
        m.put("confidence", 1 - s.alpha());
        m.put("bootstrap_sd", c.sd());
        m.put("p", c.p());
        m.put("significant", c.p() < s.alpha());
        m.put("mde", c.mde());
        m.put("power", s.power());
        m.put("seed_sd", Double.isFinite(c.seedSd()) ? c.seedSd() : null);
        m.put("seeds_for_target_mde", c.seedVarianceMeasured() ? c.seedsFor(targetMde / 100, s.alpha(), s.power()) : null);
        m.put("target_mde", targetMde / 100);
        if (!c.mcnemar().isEmpty()) {
            m.put("mcnemar", c.mcnemar().stream().map(x -> Map.of("only_a", x.onlyA(), "only_b", x.onlyB(), "p", x.p())).toList());
        }
        if (!c.changed().isEmpty()) {
            m.put("changed_predictions", c.changed().stream().map(x -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("changed", x.items());
                row.put("only_a_right", x.onlyARight());
                row.put("only_b_right", x.onlyBRight());
                return row;
            }).toList());
        }
        m.put("resamples", s.resamples());
        m.put("seed", s.seed());
        m.put("method", "paired percentile bootstrap over items; paired approximate randomisation test");
        try {
            Path parent = json.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "." + json.getFileName(), ".tmp");
            try {
                Files.write(tmp, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(m));
                Files.move(tmp, json, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            String why = e instanceof java.nio.file.FileAlreadyExistsException ? e.getMessage() + " is a file, not a folder"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied on " + e.getMessage() : e.getMessage();
            throw new InfuseException("artifact-io", "--json " + json + ": cannot write it (" + why
                    + "); expected a file path in a writable folder");
        }
    }
}
