package dev.infuse.cli;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code infuse transe}: train TransE entity embeddings on a knowledge graph (optionally enlarged
 * with a LAMA folder's facts) and evaluate filtered link prediction; wraps
 * {@link dev.infuse.kg.TransECommand}, whose further options pass through.
 */
@Command(name = "transe", mixinStandardHelpOptions = true,
        description = {"Train TransE embeddings (for map-tuning) and score filtered link prediction.",
            "Other options pass through: --dimension 128 --norm 1 --margin 5 --negatives 8 --batch-size 4096",
            "  --epochs 100 --lr 0.001 --optimizer adam|sgd --sampling bern|uniform --seed 42 --text ...",
            "Example: infuse transe --train codex-m/train.txt --valid codex-m/valid.txt --test codex-m/test.txt",
            "           --add-lama ../shared/data/lama --out runs/transe --epochs 60"})
final class TransECommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--data", paramLabel = "DIR", description = "A triples folder (labelled train/valid/test or OpenKE ids).")
    Path data;

    @Option(names = "--train", paramLabel = "FILE", description = "Labelled training triples (head<TAB>relation<TAB>tail).")
    Path train;

    @Option(names = "--valid", paramLabel = "FILE", description = "Labelled validation triples.")
    Path valid;

    @Option(names = "--test", paramLabel = "FILE", description = "Labelled test triples.")
    Path test;

    @Option(names = "--add-lama", paramLabel = "DIR",
            description = "Also train on every fact of a LAMA folder (subject id, relation id, object id).")
    Path lama;

    @Option(names = "--hold-out-probe-facts",
            description = "With --add-lama: leave out the facts the T-REx tasks hold out as probe facts (--probe-fraction, --split-seed as the trex-* tasks' options) -- the knowledge-ablated twin of the full graph. Both graphs declare every LAMA entity, so they index the same entities in the same order.")
    boolean holdOutProbe;

    @Option(names = "--probe-fraction", defaultValue = "" + dev.infuse.tasks.TrexTasks.DEFAULT_PROBE_FRACTION, description = "Probe share of each relation's facts, as the trex-* tasks' probe_fraction (default: ${DEFAULT-VALUE}).")
    double probeFraction;

    @Option(names = "--split-seed", defaultValue = "" + dev.infuse.tasks.TrexTasks.DEFAULT_SPLIT_SEED, description = "Seed of the probe split, as the trex-* tasks' split_seed (default: ${DEFAULT-VALUE}).")
    long splitSeed;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder.")
    Path out;

    @Unmatched
    List<String> passThrough = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<String> args = new ArrayList<>(passThrough);
        args.addAll(List.of("--out", this.out.toString()));
        if (lama != null) {
            if (train == null || valid == null || test == null) {
                throw new InfuseException("usage", "--add-lama needs --train, --valid and --test files");
            }
            Files.createDirectories(this.out);
            Path merged = this.out.resolve("train-with-lama.tsv");
            Path entities = this.out.resolve("lama-entities.txt");
            java.util.Set<String> heldOut = holdOutProbe ? probePairs(lama, probeFraction, splitSeed) : java.util.Set.of();
            int[] counts = mergeLama(train, lama, merged, entities, heldOut);
            out.printf("training triples: %s plus %,d LAMA facts%s -> %s%n", train, counts[0],
                    holdOutProbe ? String.format(java.util.Locale.ROOT, " (%,d probe facts held out: probe_fraction %s, split_seed %d)",
                            counts[1], probeFraction, splitSeed) : "", merged);
            args.addAll(List.of("--train", merged.toString(), "--valid", valid.toString(), "--test", test.toString(),
                    "--entities", entities.toString()));
        } else if (holdOutProbe) {
            throw new InfuseException("usage", "--hold-out-probe-facts needs --add-lama DIR");
        } else if (data != null) {
            args.addAll(List.of("--data", data.toString()));
        } else {
            if (train == null || valid == null || test == null) {
                throw new InfuseException("usage", "give --data DIR, or --train, --valid and --test files");
            }
            args.addAll(List.of("--train", train.toString(), "--valid", valid.toString(), "--test", test.toString()));
        }
        Map<String, Object> metrics = dev.infuse.kg.TransECommand.run(args.toArray(String[]::new));
        out.printf("metrics: %s%noutput: %s%n", metrics.get("test"), this.out);
        return 0;
    }

    /** The probe facts' "subject relation object" keys under the T-REx tasks' split ({@link dev.infuse.kg.LamaGraphs#probeTriples}). */
    static java.util.Set<String> probePairs(Path lama, double fraction, long seed) {
        return dev.infuse.kg.LamaGraphs.probeTriples(lama, fraction, seed);
    }

    /** Writes the training triples followed by every LAMA fact; returns how many facts were added. */
    static int mergeLama(Path train, Path lama, Path target) throws IOException {
        return mergeLama(train, lama, target, null, java.util.Set.of())[0];
    }

    /**
     * {@link dev.infuse.kg.LamaGraphs#merge}: the training triples followed by every LAMA fact not in
     * {@code heldOut}, and (if {@code entities} is not null) every LAMA subject and object id.
     *
     * @return facts added, facts held out
     */
    static int[] mergeLama(Path train, Path lama, Path target, Path entities, java.util.Set<String> heldOut) throws IOException {
        dev.infuse.kg.LamaGraphs.Merged m = dev.infuse.kg.LamaGraphs.merge(train, lama, target, entities, heldOut);
        return new int[] {m.added(), m.heldOut()};
    }
}
