package dev.infuse.stats;

import dev.infuse.api.Outcomes;
import dev.infuse.spi.ItemOutcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Paired comparisons of systems evaluated on the same items (per seed pair), from their per-item outcomes.
 *
 * <ul>
 *   <li><b>Interval</b>: paired bootstrap over items. Each replicate draws n items with replacement,
 *       once, and every run (every system, every seed) is scored on that same draw: the counts of the
 *       drawn items are summed and the task's own metric is recomputed from the sums (macro-F1, UAS,
 *       P@1…, exactly, not approximated). The replicate's difference is the mean over seed pairs of
 *       {@code metric(A_s) − metric(B_s)}; the 95% interval is the 2.5th and 97.5th percentile of the
 *       replicates (percentile method), the bootstrap SD their standard deviation. Seed pairs scored on
 *       different items (each seed its own dev split; within a pair the items are the same) are resampled over
 *       the union of their items, each run scored on the drawn items it has.
 *   <li><b>p-value</b>: paired approximate randomisation. Under the null, A's and B's outcomes on an
 *       item are exchangeable; each round swaps every item's outcomes between A and B with probability
 *       1/2 (the same swap for every seed pair) and recomputes the mean difference;
 *       {@code p = (1 + #{|d*| ≥ |d|}) / (R + 1)}.
 *   <li><b>Holm–Bonferroni</b> over all comparisons passed to one {@link #analyse} call.
 *   <li><b>MDE</b> at the analysis' power: {@code (z_{1−α/2} + z_{power}) · SD_boot}.
 *   <li><b>McNemar's exact test</b> per seed pair when every item is right or wrong as a whole.
 *   <li><b>Changed predictions</b> per seed pair: the items whose recorded predictions differ.
 * </ul>
 *
 * All random draws come from {@link SplittableRandom}s seeded from {@link Settings#seed()} and the
 * task (bootstrap) or the comparison's id (randomisation): results do not depend on thread timing.
 * The resampling loops run over primitive arrays (items × count keys, sparse rows), without boxing.
 */
public final class PairedStatistics {
    private PairedStatistics() {}

    /**
     * Settings of an analysis.
     *
     * @param resamples bootstrap replicates, and randomisation rounds (10,000 by default)
     * @param seed the seed of every random draw
     * @param alpha family-wise level of the tests and 1 − coverage of the intervals
     * @param power the power at which the minimum detectable effect is given
     */
    public record Settings(int resamples, long seed, double alpha, double power) {
        public Settings {
            if (resamples < 1) {
                throw new IllegalArgumentException("resamples must be positive: " + resamples);
            }
            if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) {
                throw new IllegalArgumentException("alpha and power must be in (0, 1): " + alpha + ", " + power);
            }
        }

        /** 10,000 resamples, seed 16, α = 0.05, 80% power. */
        public static Settings defaults() {
            return new Settings(10_000, 16, 0.05, 0.80);
        }

        /** The same with another number of resamples. */
        public Settings withResamples(int r) {
            return new Settings(r, seed, alpha, power);
        }
    }

    /**
     * One evaluated run: a label naming it in messages (a folder, {@code method/task/seed-1}) and its outcomes.
     */
    public record Run(String label, Outcomes outcomes) {
        public Run {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(outcomes, "outcomes");
        }
    }

    /**
     * One side of a comparison: a system's runs, one per seed, paired by position with the other side's.
     *
     * @param label the system's name
     * @param runs its runs in seed order
     */
    public record Arm(String label, List<Run> runs) {
        public Arm {
            runs = List.copyOf(runs);
        }
    }

    /**
     * A comparison to make.
     *
     * @param id identifier, unique within the analysis; also seeds its randomisation test
     * @param relation why these two are compared ({@code baseline}, {@code control}, …)
     * @param a the system whose gain is measured
     * @param b the reference
     */
    public record Request(String id, String relation, Arm a, Arm b) {}

    /**
     * A single run's metric with its item-level bootstrap interval (what a one-seed study shows).
     *
     * @param label the run
     * @param value the metric on all items
     * @param low lower end of its percentile interval
     * @param high upper end
     * @param sd bootstrap standard deviation
     */
    public record RunInterval(String label, double value, double low, double high, double sd) {}

    /**
     * The result of {@link #analyse}.
     *
     * @param settings the settings used
     * @param comparisons one per request, in order, Holm-adjusted together
     * @param runs the interval of every run of a comparison that could be made, by run label
     */
    public record Analysis(Settings settings, List<Comparison> comparisons, Map<String, RunInterval> runs) {
        public Analysis {
            comparisons = List.copyOf(comparisons);
            runs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(runs));
        }
    }

    /** Runs every comparison, then adjusts their p-values together (Holm–Bonferroni). */
    public static Analysis analyse(List<Request> requests, Settings settings) {
        Comparison[] results = new Comparison[requests.size()];
        // Valid requests grouped by (task, split, metric, item set): one bootstrap per group serves all.
        Map<List<Object>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            Comparison bad = validate(r);
            if (bad != null) {
                results[i] = bad;
                continue;
            }
            Outcomes first = r.a().runs().get(0).outcomes();
            List<String> ids = itemUnion(Stream.concat(r.a().runs().stream(), r.b().runs().stream()).toList());
            groups.computeIfAbsent(List.of(first.task(), first.split(), first.metric(), ids), k -> new ArrayList<>()).add(i);
        }
        Map<String, RunInterval> runIntervals = new TreeMap<>();
        List<Map.Entry<List<Object>, List<Integer>>> entries = new ArrayList<>(groups.entrySet());
        List<Map<Integer, Comparison>> done = entries.parallelStream().map(e -> {
            Map<Integer, Comparison> out = new LinkedHashMap<>();
            Group g = new Group(e.getValue().stream().map(requests::get).toList());
            double[][] boot = g.bootstrap(settings);
            for (int idx : e.getValue()) {
                out.put(idx, g.compare(requests.get(idx), boot, settings));
            }
            synchronized (runIntervals) {
                runIntervals.putAll(g.intervals(boot, settings));
            }
            return out;
        }).toList();
        for (Map<Integer, Comparison> m : done) {
            m.forEach((i, c) -> results[i] = c);
        }
        double[] p = new double[results.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = results[i].ok() ? results[i].p() : Double.NaN;
        }
        double[] adj = Tests.holm(p);
        List<Comparison> out = new ArrayList<>();
        for (int i = 0; i < results.length; i++) {
            out.add(results[i].ok() ? results[i].withHolm(adj[i], settings.alpha()) : results[i]);
        }
        return new Analysis(settings, out, runIntervals);
    }

    /** The sorted ids of every item any of {@code runs} was evaluated on. */
    private static List<String> itemUnion(List<Run> runs) {
        java.util.TreeSet<String> ids = new java.util.TreeSet<>();
        for (Run run : runs) {
            run.outcomes().items().forEach(x -> ids.add(x.id()));
        }
        return List.copyOf(ids);
    }

    /**
     * Checks one request: equal run counts, one task, split and metric, at least one item per run, and the same items
     * for the two runs of each seed pair (seed pairs may differ from each other: seeds with their own dev splits).
     */
    private static Comparison validate(Request r) {
        String a = r.a().label();
        String b = r.b().label();
        if (r.a().runs().isEmpty() || r.b().runs().isEmpty()) {
            return Comparison.failed(r.id(), r.relation(), a, b, "data-unpaired", r.id() + ": "
                    + (r.a().runs().isEmpty() ? a : b) + " has no completed run to compare");
        }
        if (r.a().runs().size() != r.b().runs().size()) {
            return Comparison.failed(r.id(), r.relation(), a, b, "data-unpaired", r.id() + ": " + a + " has "
                    + runs(r.a().runs().size()) + " and " + b + " has " + runs(r.b().runs().size())
                    + "; expected one run per seed on each side, paired in order");
        }
        List<Run> all = new ArrayList<>(r.a().runs());
        all.addAll(r.b().runs());
        Run ref = all.get(0);
        Outcomes o = ref.outcomes();
        for (Run run : all) {
            Outcomes x = run.outcomes();
            if (x.items().isEmpty()) {
                return Comparison.failed(r.id(), r.relation(), a, b, "data-no-items", r.id() + ": " + run.label()
                        + " has no evaluated items (its metric has nothing to resample)");
            }
            String what = null;
            if (!x.task().equals(o.task())) {
                what = "task '" + x.task() + "' vs '" + o.task() + "'";
            } else if (!x.split().equals(o.split())) {
                what = "split '" + x.split() + "' vs '" + o.split() + "'";
            } else if (!x.metric().equals(o.metric())) {
                what = "metric " + x.metric().name() + " (" + x.metric().kind().label() + ") vs " + o.metric().name() + " ("
                        + o.metric().kind().label() + ")";
            }
            if (what != null) {
                return Comparison.failed(r.id(), r.relation(), a, b, "data-unpaired", r.id() + ": " + run.label() + " and "
                        + ref.label() + " were not evaluated on the same items: " + what);
            }
        }
        for (int s = 0; s < r.a().runs().size(); s++) {
            Run ra = r.a().runs().get(s);
            Run rb = r.b().runs().get(s);
            java.util.Set<String> ids = new java.util.HashSet<>();
            ra.outcomes().items().forEach(x -> ids.add(x.id()));
            int common = 0;
            for (ItemOutcome item : rb.outcomes().items()) {
                if (ids.contains(item.id())) {
                    common++;
                }
            }
            if (common != ids.size() || rb.outcomes().items().size() != ids.size()) {
                return Comparison.failed(r.id(), r.relation(), a, b, "data-unpaired", r.id() + ": " + rb.label() + " and "
                        + ra.label() + " were not evaluated on the same items: item sets differ ("
                        + rb.outcomes().items().size() + " vs " + ids.size() + " items, " + common + " in common)");
            }
        }
        return null;
    }

    private static String runs(int n) {
        return n + (n == 1 ? " run" : " runs");
    }

    /** Every distinct run of a group of comparisons on the same items, as sparse primitive rows. */
    private static final class Group {
        final List<Run> runs = new ArrayList<>();
        final IdentityHashMap<Outcomes, Integer> index = new IdentityHashMap<>();
        final CompiledMetric metric;
        /** The union of the runs' item ids, sorted: the units of the bootstrap and the randomisation. */
        final String[] ids;
        final int n;
        final int keys;
        /** Per run: row starts (n + 1), key indices and values of item i in [start[i], start[i+1]). */
        final int[][] start;
        final int[][] key;
        final double[][] val;
        /** Per run: the metric on all items. */
        final double[] full;

        Group(List<Request> requests) {
            for (Request r : requests) {
                for (Arm arm : List.of(r.a(), r.b())) {
                    for (Run run : arm.runs()) {
                        if (!index.containsKey(run.outcomes())) {
                            index.put(run.outcomes(), runs.size());
                            runs.add(run);
                        }
                    }
                }
            }
            Outcomes first = runs.get(0).outcomes();
            ids = itemUnion(runs).toArray(String[]::new);
            n = ids.length;
            Map<String, Integer> keyIndex = new LinkedHashMap<>();
            for (Run run : runs) {
                for (ItemOutcome o : run.outcomes().items()) {
                    for (String k : o.counts().keySet()) {
                        keyIndex.putIfAbsent(k, keyIndex.size());
                    }
                }
            }
            keys = keyIndex.size();
            metric = new CompiledMetric(first.metric(), keyIndex);
            start = new int[runs.size()][];
            key = new int[runs.size()][];
            val = new double[runs.size()][];
            full = new double[runs.size()];
            for (int r = 0; r < runs.size(); r++) {
                Map<String, ItemOutcome> byId = new java.util.HashMap<>();
                runs.get(r).outcomes().items().forEach(o -> byId.put(o.id(), o));
                int nnz = 0;
                for (ItemOutcome o : byId.values()) {
                    nnz += o.counts().size();
                }
                int[] s = new int[n + 1];
                int[] k = new int[nnz];
                double[] v = new double[nnz];
                int at = 0;
                double[] tot = new double[keys];
                for (int i = 0; i < n; i++) {
                    s[i] = at;
                    ItemOutcome item = byId.get(ids[i]);
                    if (item == null) {
                        continue; // not in this run's dev set (another seed's split): an empty row
                    }
                    for (Map.Entry<String, Double> e : item.counts().entrySet()) {
                        if (e.getValue() != 0) {
                            k[at] = keyIndex.get(e.getKey());
                            v[at] = e.getValue();
                            tot[k[at]] += v[at];
                            at++;
                        }
                    }
                }
                s[n] = at;
                start[r] = s;
                key[r] = Arrays.copyOf(k, at);
                val[r] = Arrays.copyOf(v, at);
                full[r] = metric.value(tot);
            }
        }

        /**
         * The metric of every run on each bootstrap replicate: [run][replicate]. All runs' counts of an
         * item sit side by side (item-major: run × key), so one replicate is n additions of an item's
         * block into one totals array — a plain array sum the JIT vectorises when every item has the
         * same few keys (accuracy, UAS, micro-F1), a short sparse scatter otherwise (macro-F1).
         */
        double[][] bootstrap(Settings settings) {
            int reps = settings.resamples();
            int runCount = runs.size();
            int width = runCount * keys;
            double[][] out = new double[runCount][reps];
            Outcomes first = runs.get(0).outcomes();
            SplittableRandom rng = new SplittableRandom(mix(settings.seed(), first.task() + "\u0000" + first.split()));
            double[] tot = new double[width];
            boolean dense = (long) width * n <= 4_000_000L && keys <= 8;
            double[] block = null;
            int[] iStart = null;
            int[] iIdx = null;
            double[] iVal = null;
            if (dense) {
                block = new double[n * width];
                for (int r = 0; r < runCount; r++) {
                    for (int i = 0; i < n; i++) {
                        for (int e = start[r][i]; e < start[r][i + 1]; e++) {
                            block[i * width + r * keys + key[r][e]] += val[r][e];
                        }
                    }
                }
            } else {
                iStart = new int[n + 1];
                int nnz = 0;
                for (int r = 0; r < runCount; r++) {
                    nnz += key[r].length;
                }
                iIdx = new int[nnz];
                iVal = new double[nnz];
                int at = 0;
                for (int i = 0; i < n; i++) {
                    iStart[i] = at;
                    for (int r = 0; r < runCount; r++) {
                        for (int e = start[r][i]; e < start[r][i + 1]; e++) {
                            iIdx[at] = r * keys + key[r][e];
                            iVal[at++] = val[r][e];
                        }
                    }
                }
                iStart[n] = at;
            }
            for (int rep = 0; rep < reps; rep++) {
                Arrays.fill(tot, 0);
                if (dense) {
                    for (int j = 0; j < n; j++) {
                        int base = rng.nextInt(n) * width;
                        for (int m = 0; m < width; m++) {
                            tot[m] += block[base + m];
                        }
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        int i = rng.nextInt(n);
                        for (int e = iStart[i], end = iStart[i + 1]; e < end; e++) {
                            tot[iIdx[e]] += iVal[e];
                        }
                    }
                }
                for (int r = 0; r < runCount; r++) {
                    out[r][rep] = metric.value(tot, r * keys);
                }
            }
            return out;
        }

        Map<String, RunInterval> intervals(double[][] boot, Settings settings) {
            Map<String, RunInterval> m = new LinkedHashMap<>();
            for (int r = 0; r < runs.size(); r++) {
                double[] sorted = boot[r].clone();
                Arrays.sort(sorted);
                m.put(runs.get(r).label(), new RunInterval(runs.get(r).label(), full[r],
                        quantile(sorted, settings.alpha() / 2), quantile(sorted, 1 - settings.alpha() / 2), sd(sorted)));
            }
            return m;
        }

        Comparison compare(Request req, double[][] boot, Settings settings) {
            int pairs = req.a().runs().size();
            int[] ia = new int[pairs];
            int[] ib = new int[pairs];
            double[] perPair = new double[pairs];
            double valueA = 0;
            double valueB = 0;
            for (int s = 0; s < pairs; s++) {
                ia[s] = index.get(req.a().runs().get(s).outcomes());
                ib[s] = index.get(req.b().runs().get(s).outcomes());
                perPair[s] = full[ia[s]] - full[ib[s]];
                valueA += full[ia[s]] / pairs;
                valueB += full[ib[s]] / pairs;
            }
            double delta = 0;
            for (double d : perPair) {
                delta += d / pairs;
            }
            int reps = settings.resamples();
            double[] d = new double[reps];
            for (int rep = 0; rep < reps; rep++) {
                double x = 0;
                for (int s = 0; s < pairs; s++) {
                    x += boot[ia[s]][rep] - boot[ib[s]][rep];
                }
                d[rep] = x / pairs;
            }
            Arrays.sort(d);
            double sd = sd(d);
            double seedSd = Double.NaN;
            if (pairs > 1) {
                double ss = 0;
                for (double x : perPair) {
                    ss += (x - delta) * (x - delta);
                }
                seedSd = Math.sqrt(ss / (pairs - 1));
            }
            double p = randomisation(req, ia, ib, delta, settings);
            List<Comparison.McNemar> mc = new ArrayList<>();
            boolean accuracy = true;
            for (Run run : runs) {
                accuracy &= run.outcomes().metric().isAccuracyType(run.outcomes().items());
            }
            if (accuracy) {
                for (int s = 0; s < pairs; s++) {
                    mc.add(mcnemar(ia[s], ib[s]));
                }
            }
            Outcomes o = runs.get(0).outcomes();
            return new Comparison(req.id(), req.relation(), req.a().label(), req.b().label(), o.task(), o.split(),
                    o.metric().name(), n, pairs, valueA, valueB, delta, quantile(d, settings.alpha() / 2),
                    quantile(d, 1 - settings.alpha() / 2), sd, p, Double.NaN, false,
                    Tests.minimumDetectableEffect(sd, settings.alpha(), settings.power()), seedSd, mc, changed(req), null, null);
        }

        /** Per seed pair, the paired items predicted differently; empty when an item of either side records no prediction. */
        private static List<Comparison.Changed> changed(Request req) {
            List<Comparison.Changed> out = new ArrayList<>();
            for (int s = 0; s < req.a().runs().size(); s++) {
                Map<String, ItemOutcome> bById = new java.util.HashMap<>();
                req.b().runs().get(s).outcomes().items().forEach(i -> bById.put(i.id(), i));
                long changed = 0;
                long onlyA = 0;
                long onlyB = 0;
                boolean rightKnown = true;
                for (ItemOutcome ia : req.a().runs().get(s).outcomes().items()) {
                    ItemOutcome ib = bById.get(ia.id());
                    if (ia.predicted() == null || ib == null || ib.predicted() == null) {
                        return List.of(); // within a pair the item sets are equal (checked before)
                    }
                    if (!Objects.equals(ia.predicted(), ib.predicted())) {
                        changed++;
                        rightKnown &= ia.counts().containsKey("correct") && ib.counts().containsKey("correct");
                        onlyA += ia.count("correct") > ib.count("correct") ? 1 : 0;
                        onlyB += ib.count("correct") > ia.count("correct") ? 1 : 0;
                    }
                }
                out.add(new Comparison.Changed(changed, rightKnown ? onlyA : null, rightKnown ? onlyB : null));
            }
            return out;
        }

        private Comparison.McNemar mcnemar(int a, int b) {
            double[] ca = correctness(a);
            double[] cb = correctness(b);
            long onlyA = 0;
            long onlyB = 0;
            for (int i = 0; i < n; i++) {
                if (Double.isNaN(ca[i])) {
                    continue; // an item of another seed's split
                }
                if (ca[i] > cb[i]) {
                    onlyA++;
                } else if (cb[i] > ca[i]) {
                    onlyB++;
                }
            }
            return new Comparison.McNemar(onlyA, onlyB, Tests.mcnemarExact(onlyA, onlyB));
        }

        /** Per item of the group, its {@code correct} count (0 or 1 for accuracy-type runs); NaN where the run has none. */
        private double[] correctness(int r) {
            Map<String, ItemOutcome> byId = new java.util.HashMap<>();
            runs.get(r).outcomes().items().forEach(o -> byId.put(o.id(), o));
            double[] c = new double[n];
            for (int i = 0; i < n; i++) {
                ItemOutcome o = byId.get(ids[i]);
                c[i] = o == null ? Double.NaN : o.count("correct");
            }
            return c;
        }

        /**
         * Paired approximate randomisation. Only items whose counts differ between A_s and B_s can move
         * the statistic: swapping item i subtracts its difference d_i = a_i − b_i from A's totals and
         * adds it to B's. Items are taken 8 at a time (by index, so an item's swap is the same for every
         * seed pair): for each block, the summed differences of all 256 subsets of its differing items
         * are tabulated once, and a round adds one table row per block, picked by the round's 8 random
         * bits for those items (the "four Russians" trick: n/8 lookups instead of n additions).
         */
        private double randomisation(Request req, int[] ia, int[] ib, double observed, Settings settings) {
            int pairs = ia.length;
            double[][] totA = new double[pairs][];
            double[][] totB = new double[pairs][];
            int[][] blockIndex = new int[pairs][];
            int[][][] blockKeys = new int[pairs][][];
            double[][][] blockTable = new double[pairs][][];
            double[] scratch = new double[keys];
            int[] touched = new int[keys];
            boolean[] seen = new boolean[keys];
            int blocks = (n + 7) / 8;
            for (int s = 0; s < pairs; s++) {
                totA[s] = totals(ia[s]);
                totB[s] = totals(ib[s]);
                List<Integer> index = new ArrayList<>();
                List<int[]> bKeys = new ArrayList<>();
                List<double[]> bTables = new ArrayList<>();
                double[][] diff = new double[8][];
                for (int b = 0; b < blocks; b++) {
                    // The differences of the block's items over the keys any of them touches.
                    int m = 0;
                    boolean any = false;
                    int[][] itemKeys = new int[8][];
                    double[][] itemVals = new double[8][];
                    for (int q = 0; q < 8; q++) {
                        int i = b * 8 + q;
                        itemKeys[q] = null;
                        if (i >= n) {
                            continue;
                        }
                        int t = 0;
                        int[] local = new int[start[ia[s]][i + 1] - start[ia[s]][i] + start[ib[s]][i + 1] - start[ib[s]][i]];
                        for (int e = start[ia[s]][i]; e < start[ia[s]][i + 1]; e++) {
                            int k = key[ia[s]][e];
                            if (scratch[k] == 0 && !contains(local, t, k)) {
                                local[t++] = k;
                            }
                            scratch[k] += val[ia[s]][e];
                        }
                        for (int e = start[ib[s]][i]; e < start[ib[s]][i + 1]; e++) {
                            int k = key[ib[s]][e];
                            if (!contains(local, t, k)) {
                                local[t++] = k;
                            }
                            scratch[k] -= val[ib[s]][e];
                        }
                        int nz = 0;
                        for (int j = 0; j < t; j++) {
                            if (scratch[local[j]] != 0) {
                                nz++;
                            }
                        }
                        if (nz > 0) {
                            any = true;
                            itemKeys[q] = new int[nz];
                            itemVals[q] = new double[nz];
                            int at = 0;
                            for (int j = 0; j < t; j++) {
                                int k = local[j];
                                if (scratch[k] != 0) {
                                    itemKeys[q][at] = k;
                                    itemVals[q][at++] = scratch[k];
                                    if (!seen[k]) {
                                        seen[k] = true;
                                        touched[m++] = k;
                                    }
                                }
                            }
                        }
                        for (int j = 0; j < t; j++) {
                            scratch[local[j]] = 0;
                        }
                    }
                    if (!any) {
                        continue;
                    }
                    int[] ks = Arrays.copyOf(touched, m);
                    Map<Integer, Integer> pos = new java.util.HashMap<>();
                    for (int j = 0; j < m; j++) {
                        pos.put(ks[j], j);
                        seen[ks[j]] = false;
                    }
                    for (int q = 0; q < 8; q++) {
                        diff[q] = new double[m];
                        if (itemKeys[q] != null) {
                            for (int j = 0; j < itemKeys[q].length; j++) {
                                diff[q][pos.get(itemKeys[q][j])] = itemVals[q][j];
                            }
                        }
                    }
                    double[] table = new double[256 * m];
                    for (int p = 1; p < 256; p++) {
                        int low = Integer.numberOfTrailingZeros(p);
                        int rest = p & (p - 1);
                        for (int j = 0; j < m; j++) {
                            table[p * m + j] = table[rest * m + j] + diff[low][j];
                        }
                    }
                    index.add(b);
                    bKeys.add(ks);
                    bTables.add(table);
                }
                blockIndex[s] = index.stream().mapToInt(Integer::intValue).toArray();
                blockKeys[s] = bKeys.toArray(new int[0][]);
                blockTable[s] = bTables.toArray(new double[0][]);
            }
            SplittableRandom rng = new SplittableRandom(mix(settings.seed(), "randomisation\u0000" + req.id()));
            long[] bits = new long[(n + 63) / 64];
            double[] wa = new double[keys];
            double[] wb = new double[keys];
            double threshold = Math.abs(observed) - 1e-12;
            int reps = settings.resamples();
            int extreme = 0;
            for (int rep = 0; rep < reps; rep++) {
                for (int j = 0; j < bits.length; j++) {
                    bits[j] = rng.nextLong();
                }
                double stat = 0;
                for (int s = 0; s < pairs; s++) {
                    System.arraycopy(totA[s], 0, wa, 0, keys);
                    System.arraycopy(totB[s], 0, wb, 0, keys);
                    int[] index = blockIndex[s];
                    for (int j = 0; j < index.length; j++) {
                        int b = index[j];
                        int p = (int) (bits[b >>> 3] >>> ((b & 7) << 3)) & 0xFF;
                        if (p != 0) {
                            int[] ks = blockKeys[s][j];
                            double[] table = blockTable[s][j];
                            int m = ks.length;
                            int off = p * m;
                            for (int q = 0; q < m; q++) {
                                double d = table[off + q];
                                wa[ks[q]] -= d;
                                wb[ks[q]] += d;
                            }
                        }
                    }
                    stat += metric.value(wa) - metric.value(wb);
                }
                if (Math.abs(stat / pairs) >= threshold) {
                    extreme++;
                }
            }
            return (extreme + 1.0) / (reps + 1.0);
        }

        private static boolean contains(int[] a, int len, int k) {
            for (int j = 0; j < len; j++) {
                if (a[j] == k) {
                    return true;
                }
            }
            return false;
        }

        private double[] totals(int r) {
            double[] t = new double[keys];
            for (int e = 0; e < key[r].length; e++) {
                t[key[r][e]] += val[r][e];
            }
            return t;
        }
    }

    /**
     * The {@code q}-quantile of sorted values, inverse-CDF definition: the smallest value whose
     * empirical CDF reaches {@code q} ({@code sorted[ceil(q·R) − 1]}).
     */
    static double quantile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length - 1e-9) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static double sd(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = 0;
        for (double x : v) {
            m += x;
        }
        m /= v.length;
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** A 64-bit seed from the analysis seed and a name (FNV-1a of the name, mixed). */
    static long mix(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            h ^= name.charAt(i);
            h *= 0x100000001b3L;
        }
        long z = seed * 0x9E3779B97F4A7C15L + h;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
