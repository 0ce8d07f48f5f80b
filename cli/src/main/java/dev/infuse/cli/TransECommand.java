package dev.infuse.cli;

import dev.infuse.data.Lama;
import dev.infuse.data.LamaFact;
import dev.infuse.data.LamaProbe;
import dev.infuse.data.LamaRelation;
import dev.infuse.kg.KnowledgeGraph;
import dev.infuse.spi.InfuseException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
            int added = mergeLama(train, lama, merged);
            out.printf("training triples: %s plus %,d LAMA facts -> %s%n", train, added, merged);
            args.addAll(List.of("--train", merged.toString(), "--valid", valid.toString(), "--test", test.toString()));
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

    /** Writes the training triples followed by every LAMA fact; returns how many facts were added. */
    static int mergeLama(Path train, Path lama, Path target) throws IOException {
        LamaProbe probe = Lama.read(lama, s -> true);
        Path tmp = target.toAbsolutePath().resolveSibling(".train." + Long.toHexString(System.nanoTime()) + ".tmp");
        int added = 0;
        boolean done = false;
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            // Line by line through the knowledge-graph reader: bounded lines, file:line in every error.
            KnowledgeGraph.readLabelledLines(train, line -> {
                try {
                    w.write(line);
                    w.newLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (LamaRelation r : probe.relations()) {
                for (LamaFact f : r.facts()) {
                    if (f.subjectUri() != null && f.objectUri() != null) {
                        w.write(f.subjectUri() + "\t" + r.relation() + "\t" + f.objectUri());
                        w.newLine();
                        added++;
                    }
                }
            }
            w.flush();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        return added;
    }
}
