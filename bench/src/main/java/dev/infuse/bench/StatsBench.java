package dev.infuse.bench;

import dev.infuse.api.Outcomes;
import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ItemOutcome;
import dev.infuse.stats.PairedStatistics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * §9: the paired statistics of a study shaped like {@code examples/studies/benchmark.yaml} — 7 methods
 * × 3 tasks × 3 seeds, 27 comparisons (6 methods against the baseline, 3 against their controls, on
 * each task) — on synthetic per-item outcomes with the real dev sets' sizes and metrics: SemEval
 * (800 items, macro-F1 over 18 relation classes with {@code Other} excluded), Open Entity (1,998
 * items, micro-F1 over 9 types), UD EWT (2,001 sentences, UAS over 25,510 tokens). Times the whole
 * analysis (bootstrap, randomisation tests, Holm) at 10,000 resamples.
 *
 * <p>Run alone ({@code main}) it replaces §9 of {@code docs/BENCHMARKS.md}; {@link BenchMain} runs it as
 * the suite's last section.
 */
final class StatsBench {
    private StatsBench() {}

    static final String HEADING = "## 9. Paired statistics of a study";

    record Figures(int comparisons, int cells, int resamples, double[] seconds, double cpuSeconds, int threads) {
        double median() {
            double[] s = seconds.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }
    }

    static final String[] METHODS = {"baseline", "factual", "linguistic", "both", "factual-control", "linguistic-control",
        "both-control"};

    static Figures run(int resamples, int repeats) {
        SplittableRandom rng = new SplittableRandom(8);
        Map<String, List<Outcomes>> cells = new HashMap<>();
        for (String task : List.of("semeval", "open-entity", "ud")) {
            for (int m = 0; m < METHODS.length; m++) {
                List<Outcomes> seeds = new ArrayList<>();
                for (int s = 0; s < 3; s++) {
                    seeds.add(outcomes(task, rng, 0.6 + 0.02 * m));
                }
                cells.put(METHODS[m] + "/" + task, seeds);
            }
        }
        List<PairedStatistics.Request> requests = new ArrayList<>();
        for (String task : List.of("semeval", "open-entity", "ud")) {
            for (int m = 1; m < METHODS.length; m++) {
                requests.add(request(cells, task, METHODS[m], "baseline"));
            }
            for (int m = 1; m <= 3; m++) {
                requests.add(request(cells, task, METHODS[m], METHODS[m + 3]));
            }
        }
        PairedStatistics.Settings settings = PairedStatistics.Settings.defaults().withResamples(resamples);
        PairedStatistics.analyse(requests, settings.withResamples(500)); // warm-up (JIT)
        double[] seconds = new double[repeats];
        long cpu0 = totalCpu();
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            PairedStatistics.analyse(requests, settings);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        double cpu = (totalCpu() - cpu0) / 1e9 / repeats;
        return new Figures(requests.size(), cells.size() * 3, resamples, seconds, cpu, Runtime.getRuntime().availableProcessors());
    }

    /** CPU time of the whole process (every thread, the common pool included), in nanoseconds. */
    private static long totalCpu() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : 0;
    }

    private static PairedStatistics.Request request(Map<String, List<Outcomes>> cells, String task, String a, String b) {
        return new PairedStatistics.Request(task + ": " + a + " vs " + b, "bench", arm(cells, a, task), arm(cells, b, task));
    }

    private static PairedStatistics.Arm arm(Map<String, List<Outcomes>> cells, String method, String task) {
        List<PairedStatistics.Run> runs = new ArrayList<>();
        List<Outcomes> os = cells.get(method + "/" + task);
        for (int s = 0; s < os.size(); s++) {
            runs.add(new PairedStatistics.Run(method + "/" + task + "/seed-" + (s + 1), os.get(s)));
        }
        return new PairedStatistics.Arm(method, runs);
    }

    /** Per-item (per-token for UD) difficulty shared by every cell of a task: cells agree on most items, as real systems do. */
    private static final Map<String, double[]> LATENT = new HashMap<>();

    private static double[] latent(String task, int size) {
        return LATENT.computeIfAbsent(task, t -> {
            SplittableRandom r = new SplittableRandom(t.hashCode());
            double[] u = new double[size];
            for (int i = 0; i < size; i++) {
                u[i] = r.nextDouble();
            }
            return u;
        });
    }

    /** Whether a cell of the given skill gets a unit of difficulty u right: u against skill, blurred by the cell's noise. */
    private static boolean right(SplittableRandom rng, double u, double skill) {
        return u + 0.2 * (rng.nextDouble() - 0.5) < skill;
    }

    private static Outcomes outcomes(String task, SplittableRandom rng, double skill) {
        List<ItemOutcome> items = new ArrayList<>();
        switch (task) {
            case "semeval" -> {
                double[] u = latent(task, 800);
                for (int i = 0; i < 800; i++) {
                    int g = i % 19;
                    int p = right(rng, u[i], skill) ? g : (g + 1 + (int) (u[i] * 1000) % 18) % 19;
                    String gold = g == 18 ? "Other" : "r" + g;
                    String pred = p == 18 ? "Other" : "r" + p;
                    Map<String, Double> c = new HashMap<>();
                    c.merge("gold:" + gold, 1.0, Double::sum);
                    c.merge("pred:" + pred, 1.0, Double::sum);
                    if (g == p) {
                        c.put("tp:" + gold, 1.0);
                    }
                    items.add(new ItemOutcome("s" + i, c, null, null));
                }
                return new Outcomes(task, "dev", new ItemMetric("f1", ItemMetric.Kind.MACRO_F1_GOLD, java.util.Set.of("Other")), items);
            }
            case "open-entity" -> {
                double[] u = latent(task, 3 * 1998);
                for (int i = 0; i < 1998; i++) {
                    int gold = 1 + (int) (u[3 * i] * 3);
                    int tp = 0;
                    for (int t = 0; t < gold; t++) {
                        tp += right(rng, u[3 * i + 1] * 0.5 + 0.5 * u[3 * i + 2] * t / 3, skill) ? 1 : 0;
                    }
                    int pred = tp + (right(rng, u[3 * i + 2], skill) ? 0 : 1);
                    items.add(new ItemOutcome("e" + i, Map.of("tp", (double) tp, "pred", (double) pred, "gold", (double) gold),
                            null, null));
                }
                return new Outcomes(task, "dev", ItemMetric.of("micro_f1", ItemMetric.Kind.MICRO_F1), items);
            }
            default -> {
                double[] u = latent(task, 25510);
                int token = 0;
                for (int i = 0; i < 2001; i++) {
                    int total = i == 2000 ? 25510 - token : Math.min(1 + (i * 7919) % 24, 25510 - token - (2000 - i));
                    int correct = 0;
                    for (int t = 0; t < total; t++) {
                        correct += right(rng, u[token++], skill) ? 1 : 0;
                    }
                    items.add(new ItemOutcome("u" + i, Map.of("correct", (double) correct, "total", (double) total), null, null));
                }
                return new Outcomes(task, "dev", ItemMetric.of("uas", ItemMetric.Kind.RATIO), items);
            }
        }
    }

    static String markdown(Figures f, String machine, String command) {
        StringBuilder s = new StringBuilder("\n").append(HEADING).append("\n\n");
        s.append(String.format(Locale.ROOT, "The paired statistics of every study report (docs/STATISTICS.md) for a study the size of "
                + "`examples/studies/benchmark.yaml`: %d cells (7 methods × 3 tasks × 3 seeds) on per-item outcomes with the real dev "
                + "sets' sizes and metrics (SemEval 800 items, macro-F1 over 18 classes; Open Entity 1,998 items, micro-F1; UD EWT "
                + "2,001 sentences, UAS), %d comparisons (6 methods against the baseline and 3 against their controls, per task), "
                + "each with a %,d-replicate paired bootstrap averaged over 3 seed pairs, a %,d-round randomisation test, McNemar "
                + "where it applies, and Holm over all. `StatsBench`: synthetic outcomes with a per-item difficulty shared by "
                + "all cells of a task (so that cells agree on most items, as real systems do); timed after a warm-up run; "
                + "%d processors. CPU time is the process's, summed over threads; on a shared machine it is the steadier figure.%n%n",
                f.cells(), f.comparisons(), f.resamples(), f.resamples(), f.threads()));
        s.append("| Analysis | Wall time (median of ").append(f.seconds().length).append(") | CPU time per analysis |\n|---|---|---|\n");
        s.append(String.format(Locale.ROOT, "| %d comparisons, %,d resamples | %.2f s | %.2f s |%n%n", f.comparisons(), f.resamples(),
                f.median(), f.cpuSeconds()));
        s.append("The CPU time is what the analysis costs; the wall time is that of the machine as it was (with the load "
                + "average well above its 2 cores, other processes had most of it; idle, the three tasks' analyses run side by "
                + "side and the wall time is at most the CPU time). ");
        s.append("Machine: ").append(machine).append(". Command: `").append(command).append("`. ");
        s.append("All runs: ").append(Arrays.toString(Arrays.stream(f.seconds()).map(x -> Math.round(x * 100) / 100.0).toArray()))
                .append(" s.\n");
        return s.toString();
    }

    /** Replaces (or appends) §9 in a BENCHMARKS.md text. */
    static String splice(String doc, String section) {
        int at = doc.indexOf("\n" + HEADING);
        if (at < 0) {
            return doc.stripTrailing() + "\n" + section;
        }
        int next = doc.indexOf("\n## ", at + 1);
        return doc.substring(0, at) + section + (next < 0 ? "" : doc.substring(next));
    }

    /** Runs §9 alone and splices it into docs/BENCHMARKS.md (or the file given as the first argument). */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
        Figures f = run(10_000, 5);
        String machine = Machine.describe() + "; load average " + Machine.loadAverage();
        String section = markdown(f, machine, "java -cp … dev.infuse.bench.StatsBench (bench/run.sh runs it as §9)");
        System.out.print(section);
        String doc = Files.isRegularFile(out) ? Files.readString(out) : "";
        Path temp = Files.createTempFile(out.toAbsolutePath().getParent(), ".BENCHMARKS", ".tmp");
        Files.writeString(temp, splice(doc, section), StandardCharsets.UTF_8);
        Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
