package dev.infuse.cli;

import dev.infuse.api.Infuse;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Precision;
import dev.infuse.study.CellExecutor;
import dev.infuse.study.CellExecutors;
import dev.infuse.study.CellOutcome;
import dev.infuse.study.Study;
import dev.infuse.study.StudyArchive;
import dev.infuse.study.StudyFile;
import dev.infuse.study.StudyResults;
import dev.infuse.study.StudyStatus;
import dev.infuse.study.StudyRunner;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.infuse.spi.PluginKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code infuse study}: run a comparative study (methods × tasks × seeds) from a YAML file and write
 * tables, charts and an HTML report. Completed cells are kept, so rerunning continues where it stopped.
 */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = {"Run a comparative study: every method × task × seed of STUDY.yaml over the frozen backbone,",
            "then results.json/.csv/.md, charts (PNG and SVG) and a self-contained report.html in --out.",
            "Completed cells are kept: rerunning resumes, retrying failed cells. Format: docs/STUDIES.md.",
            "Examples: infuse study quickstart   (built in: WordNet and BERT-base from Maven Central, ~15 min)",
            "          infuse study examples/studies/benchmark.yaml --data ../shared/data --out runs/benchmark",
            "On Spark (infuse-runner-spark and Spark 4.1 on the class path; docs/SPARK.md):",
            "  infuse study STUDY.yaml --executor spark --spark-master local[2] --shared /mnt/shared"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every cell completed", "2:bad study file, arguments or data", "3:plugin problem",
            "6:the study finished but some cells failed (see the report)",
            "7:--stop-after came first: steps were left for the next run (run the same command again)"})
final class StudyCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "STUDY", description = "A study file, or a built-in study: quickstart.")
    Path file;

    @Option(names = "--show", description = "Print the study file (e.g. a built-in one, to copy and edit) and exit.")
    boolean show;

    @Option(names = "--status", description = "Print how far the study in --out has got and exit without running anything: "
            + "each knowledge graph, pretraining step and cell in run order, done (its score), running, resumable (after which "
            + "epoch), stale (another configuration: runs again), not needed or to run, with the time left; with --methods or --tasks, "
            + "the steps of that slice.")
    boolean status;

    @Option(names = "--report", description = "Write the tables, charts and report.html of every step complete in --out and "
            + "exit without running anything: after --import, or to read the study with this version's statistics. Loads the "
            + "backbone for its fingerprint only.")
    boolean report;

    @Option(names = "--export", paramLabel = "DIR",
            description = "Write the results of the study in --out into DIR and exit without running anything: every complete "
                    + "step's metrics, recipe, per-item outcomes and manifests and the study's tables, without weights or "
                    + "prediction files (a few hundred KB a cell: small enough to commit). DIR is replaced.")
    Path exportTo;

    @Option(names = "--export-each-step", paramLabel = "DIR",
            description = "While running, export the results (as --export does) into DIR after every step that completes, "
                    + "with interim tables of the steps done so far, and at the end: a machine lost mid-run loses only the "
                    + "steps under way. DIR is replaced each time.")
    Path exportEachStep;

    @Option(names = "--methods", paramLabel = "NAME", split = ",",
            description = "Run only these methods' cells (and those of the methods whose downstream models they reuse), with "
                    + "the pretraining they need: a slice of the grid for a session that cannot run it all, e.g. a method and "
                    + "its twin first. The report covers every complete cell.")
    List<String> methods = new java.util.ArrayList<>();

    @Option(names = "--tasks", paramLabel = "NAME", split = ",",
            description = "Run only these tasks' cells (the study's task names, e.g. fewrel-10); with --methods, the cells "
                    + "of both.")
    List<String> tasks = new java.util.ArrayList<>();

    @Option(names = "--stop-after", paramLabel = "DURATION",
            description = "Start no step once this much time has passed (e.g. 2h30m, 90m), nor one whose estimated time "
                    + "(--status: from the done steps of its kind) would end after it; a step without an estimate starts "
                    + "while time is left. Steps that started run to their end; the report is written and the run exits "
                    + "with code 7 when steps were left: for a session or batch-job allocation. Steps resume per epoch anyway.")
    String stopAfter;

    @Option(names = "--import", paramLabel = "DIR",
            description = "Before running (or with --status), copy into --out the steps of an export (--export) that --out "
                    + "lacks, for the same recipes: a study goes on on another machine. A step whose weights a step left "
                    + "to run needs (a pretraining, a reused downstream model) runs again.")
    Path importFrom;

    @Option(names = "--precision", paramLabel = "P",
            description = "Number format of the frozen backbone's products: fp32, bf16 or auto (bf16 on CPUs with avx512_bf16/amx_bf16 or a GPU; default: the study file's precision:, else auto for bert).")
    String precision;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: results/<study name>).")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder, replacing the study file's 'data' key.")
    Path data;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "1",
            description = "Cells run at once (default: ${DEFAULT-VALUE}; one cell already uses every core).")
    int parallel;

    @Option(names = "--executor", paramLabel = "NAME", defaultValue = CellExecutors.LOCAL,
            description = {"Where cells run: local (this machine, --parallel cells at once; the default) or spark",
                "(each cell a Spark task; needs infuse-runner-spark and Spark on the class path, see docs/SPARK.md)."})
    String executor;

    @Option(names = "--spark-master", paramLabel = "URL",
            description = "Spark master for --executor spark: local[2], spark://host:7077, yarn, ... (default: spark-submit's --master).")
    String sparkMaster;

    @Option(names = "--shared", paramLabel = "DIR",
            description = {"For --executor spark: a folder the driver and every executor can write. Activation caches go to",
                "DIR/cache, and --out defaults to DIR/results/<study name>."})
    Path shared;

    @Option(names = "--executor-option", paramLabel = "KEY=VALUE",
            description = "A backend option, repeatable; spark: max-failures (default 4), startup-timeout (s, default 120), spark.* settings.")
    Map<String, String> executorOptions = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    /**
     * Before the first cell: every plugin a method names exists (adapters, fusion), and every adapter
     * configuration key is one its provider lists in {@code parameters()} (providers that list none
     * are checked when their cells run). A misspelt key fails here with {@code config-unknown-key},
     * its place in the study file and the closest valid key, instead of after the baseline cells.
     * Values are checked when the adapter is created against the backbone, in its cell.
     */
    static void validatePlugins(Infuse infuse, Study study) {
        for (Study.Method m : study.methods()) {
            if (m.fusion() != null) {
                checkKeys(infuse, PluginKind.FUSION, m.fusion(), m.fusionConfig(), study.file() + ": method '" + m.name() + "'");
            }
            for (Study.AdapterEntry a : m.adapters()) {
                if (a.adapter() != null) {
                    checkKeys(infuse, PluginKind.ADAPTER, a.adapter(), a.config(), a.where() + ": method '" + m.name() + "'");
                }
                if (a.pretraining() != null) {
                    checkKeys(infuse, PluginKind.ADAPTER, a.pretraining().adapter(), a.pretraining().config(), a.where() + ": method '" + m.name() + "'");
                }
            }
        }
    }

    private static void checkKeys(Infuse infuse, PluginKind kind, String plugin, Map<String, Object> config, String where) {
        List<String> known = infuse.registry().forName(kind, plugin).parameters()
                .stream().map(dev.infuse.spi.ParameterSpec::name).toList();
        if (config == null || config.isEmpty() || known.isEmpty()) {
            return; // a provider that lists no keys is checked when its cells run
        }
        for (String key : config.keySet()) {
            if (!known.contains(key)) {
                String hint = dev.infuse.spi.PluginConfig.closest(key, known);
                throw new InfuseException("config-unknown-key", where + ", " + kind.label() + " '" + plugin + "': unknown configuration key '" + key
                        + "'" + (hint == null ? "" : "; did you mean '" + hint + "'?") + " (valid keys: " + String.join(", ", known) + ")");
            }
        }
    }

    private static String steps(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static void printStatus(PrintWriter stdout, Study study, Path folder, StudyRunner.Options slice) {
        List<StudyStatus.Step> steps = StudyStatus.of(study, folder, slice);
        int width = steps.stream().mapToInt(s -> s.label().length()).max().orElse(0);
        String sliced = (slice.methods().isEmpty() ? "" : " --methods " + String.join(",", slice.methods()))
                + (slice.tasks().isEmpty() ? "" : " --tasks " + String.join(",", slice.tasks()));
        stdout.printf("study %s in %s%s: %s%n", study.name(), folder, sliced.isEmpty() ? "" : " (the slice" + sliced + ")",
                StudyStatus.summary(steps));
        String running = StudyStatus.running(folder);
        stdout.println(running == null ? "no run is writing into it now" : "a run is writing into it now: " + running);
        for (StudyStatus.Step s : steps) {
            stdout.println(String.format(Locale.ROOT, "  %-10s %-" + width + "s  %-9s %s", s.state().label(), s.label(), s.left(), s.detail())
                    .stripTrailing());
        }
        stdout.flush();
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        if (parallel < 1) {
            throw new InfuseException("usage", "--parallel must be at least 1, not " + parallel);
        }
        boolean builtIn = !Files.exists(file) && file.getNameCount() == 1 && !file.toString().contains(".");
        if (show) {
            return show(stdout, builtIn);
        }
        boolean local = CellExecutors.LOCAL.equals(executor);
        Map<String, String> options = executorOptions(local);
        Study study = builtIn ? StudyFile.builtIn(file.toString(), data) : StudyFile.read(file, data);
        if (precision != null) {
            Precision.check(precision, "option --precision");
            study = study.withPrecision(precision);
        }
        Path folder = out != null ? out
                : !local && shared != null ? shared.resolve("results").resolve(study.name()) : Path.of("results", study.name());
        if (exportTo != null) {
            return export(stdout, study, folder);
        }
        checkRunFolders(folder);
        if (importFrom != null) {
            OutputFolders.requireWritable(folder, out != null ? "--out" : "the study's output folder", "config-shared-folder");
            StudyArchive.Restored r = StudyArchive.restore(study, importFrom, folder);
            stdout.printf("imported %s from %s into %s (%d already complete there, %d written for another configuration, "
                    + "not copied)%n", steps(r.copied(), "step"), importFrom, folder, r.present(), r.stale());
        }
        checkReport(folder);
        StudyRunner.Options runOptions = StudyRunner.Options.all().methods(new java.util.LinkedHashSet<>(methods))
                .tasks(new java.util.LinkedHashSet<>(tasks)).stopAfter(stopAfter == null ? null : Durations.parse(stopAfter, "--stop-after"));
        if (status) {
            printStatus(stdout, study, folder, runOptions);
            return 0;
        }
        OutputFolders.requireWritable(folder, out != null ? "--out" : "the study's output folder", "config-shared-folder");
        runOptions = runOptions.exportEachStep(exportEachStep);
        StudyResults r;
        try (Infuse infuse = common.open(spec.commandLine().getErr()); CellExecutor cells = CellExecutors.open(executor, options)) {
            validatePlugins(infuse, study);
            r = report ? StudyRunner.report(infuse, study, folder, cells) : StudyRunner.run(infuse, study, folder, cells, runOptions);
        }
        printResults(stdout, study, folder, r);
        if (!Files.isRegularFile(folder.resolve("report.html"))) {
            return 1;
        }
        return !r.failedCells().isEmpty() ? 6 : !r.notStarted().isEmpty() ? 7 : 0;
    }

    /** {@code --show}: prints the study file (or a built-in study's text). */
    private int show(PrintWriter stdout, boolean builtIn) {
        try {
            String text = builtIn ? StudyFile.builtInText(file.toString()) : Files.readString(file);
            if (text == null) {
                StudyFile.builtIn(file.toString(), null); // names the built-in studies
            }
            stdout.print(text);
        } catch (java.io.IOException e) {
            throw new InfuseException("data-io", "cannot read study file " + file + ": " + e.getMessage(), e);
        }
        stdout.flush();
        return 0;
    }

    /** The executor's options: the local pool's size, or a cluster's master and shared folder. */
    private Map<String, String> executorOptions(boolean local) {
        Map<String, String> options = new LinkedHashMap<>(executorOptions);
        if (local) {
            if (sparkMaster != null || shared != null) {
                throw new InfuseException("usage", "--spark-master and --shared are options of --executor spark");
            }
            options.put("parallel", Integer.toString(parallel));
        } else {
            if (sparkMaster != null) {
                options.put("master", sparkMaster);
            }
            if (shared != null) {
                options.put("shared", shared.toString());
            }
        }
        return options;
    }

    /** {@code --export DIR}: writes the results of the study's folder into DIR and exits. */
    private int export(PrintWriter stdout, Study study, Path folder) {
        if (status || importFrom != null || exportEachStep != null) {
            throw new InfuseException("usage", "--export writes the results of --out and exits: not with --status, --import "
                    + "or --export-each-step (which exports while a run goes on)");
        }
        if (!Files.isDirectory(folder)) {
            throw new InfuseException("data-missing", (out != null ? "--out " : "the study's output folder ") + folder
                    + ": no such folder; expected the folder the study ran into");
        }
        OutputFolders.requireWritable(exportTo.toAbsolutePath().getParent(), "--export (its parent folder)", "config-shared-folder");
        StudyArchive.Exported e = StudyArchive.export(study, folder, exportTo);
        stdout.printf(Locale.ROOT, "exported %s of study %s (%.1f MB) into %s; %d files left out (weights, predictions)%s%n",
                steps(e.steps(), "complete step"), study.name(), e.bytes() / 1e6, exportTo, e.leftOut().size(),
                e.stale() == 0 ? "" : "; " + steps(e.stale(), "step") + " written for another configuration skipped");
        return 0;
    }

    /** The output folder is a folder (or absent), and --export-each-step's destination is usable: before anything runs. */
    private void checkRunFolders(Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new InfuseException("config-shared-folder", (out != null ? "--out " : "the study's output folder ") + folder
                    + ": a file, not a folder; expected the folder the study runs into");
        }
        if (exportEachStep != null) { // checked before anything is imported or run
            if (status) {
                throw new InfuseException("usage", "--export-each-step exports while a run goes on: not with --status");
            }
            StudyArchive.checkDestination(folder, exportEachStep);
            OutputFolders.requireWritable(exportEachStep.toAbsolutePath().getParent(), "--export-each-step (its parent folder)",
                    "config-shared-folder");
        }
    }

    /** {@code --report} runs nothing: not with the options that select what a run runs, and only on a folder that exists. */
    private void checkReport(Path folder) {
        if (report && (status || exportEachStep != null || stopAfter != null || !methods.isEmpty() || !tasks.isEmpty())) {
            throw new InfuseException("usage", "--report writes the tables of every complete step and exits: not with --status, "
                    + "--export-each-step, --stop-after, --methods or --tasks (which select what a run runs)");
        }
        if (report && !Files.isDirectory(folder)) {
            throw new InfuseException("data-missing", (out != null ? "--out " : "the study's output folder ") + folder
                    + ": no such folder; expected the folder the study ran into (or give --import DIR)");
        }
    }

    /** The run's summary on standard output: cell counts, each method's score, knowledge effects, what is left, where the report is. */
    private void printResults(PrintWriter stdout, Study study, Path folder, StudyResults r) {
        var counts = r.counts();
        stdout.printf("study %s: %d cells run, %d reused, %d failed, %d not applicable%n", study.name(),
                counts.get(CellOutcome.Status.COMPLETED), counts.get(CellOutcome.Status.REUSED), counts.get(CellOutcome.Status.FAILED),
                counts.get(CellOutcome.Status.NOT_APPLICABLE));
        for (StudyResults.Summary s : r.summaries()) {
            stdout.printf(Locale.ROOT, "  %-14s %-24s %s %s%s%n", s.task(), s.method(), s.metric(),
                    s.n() == 0 ? (s.failed() > 0 ? "failed" : r.cells().stream().noneMatch(c -> c.task().equals(s.task())
                            && c.method().equals(s.method())) ? "not run yet" : "n/a")
                            // One seed has no spread to show: the item-level interval is in results.md and report.html.
                            : s.n() == 1 ? String.format(Locale.ROOT, "%.2f (1 seed)", 100 * s.mean())
                            : String.format(Locale.ROOT, "%.2f ± %.2f (%d seeds)", 100 * s.mean(), 100 * s.std(), s.n()),
                    s.best() ? "  (best)" : "");
        }
        // The headline of a study with knowledge-ablated twins: method − twin, with its interval and Holm p.
        for (StudyResults.Summary s : r.summaries()) {
            var e = r.statistics().knowledgeEffect(s.task(), s.method());
            if (e != null && e.ok()) {
                stdout.printf(Locale.ROOT, "  knowledge effect %-14s %-24s %+.2f [%+.2f, %+.2f] p(Holm) %.4f%s%n", s.task(), s.method(),
                        100 * e.delta(), 100 * e.low(), 100 * e.high(), e.pHolm(), e.significant() ? " ✓" : "");
            }
        }
        long left = StudyRunner.cellCount(study) - r.cells().size() - r.notStartedCells();
        if (report) {
            stdout.printf("%d of %d cells complete%s%n", r.cells().size(), StudyRunner.cellCount(study),
                    left > 0 ? " (--status lists the others; the same command without --report runs them)" : "");
        } else if (left > 0) {
            stdout.printf("%d cells outside --methods/--tasks left to run (--status without --methods/--tasks lists them)%n", left);
        }
        if (!r.notStarted().isEmpty()) {
            stdout.printf("--stop-after %s came first: %s not started (%s); run the same command again to go on%n",
                    stopAfter, steps(r.notStarted().size(), "step"), String.join(", ", r.notStarted()));
        }
        for (StudyResults.CellResult c : r.failedCells()) {
            stdout.printf("failed %s/%s/seed-%d: error[%s]: %s%n", c.method(), c.task(), c.seed(), c.errorCode(), c.error());
        }
        stdout.printf("intervals, paired comparisons and p-values: %s%n", folder.resolve("results.md"));
        stdout.printf("report: %s%n", folder.resolve("report.html"));
        if (exportEachStep != null) {
            stdout.printf("exported after every step and at the end: %s%n", exportEachStep);
        }
    }
}
