package dev.infuse.bench;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.spi.TokenizedText;
import dev.infuse.text.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * JMH: the Java side of a frozen forward pass, per pass over a file of sentences. These are
 * microsecond-scale operations, where JMH's warm-up and forks matter; the TensorFlow work is
 * measured by whole-process benchmarks instead.
 *
 * <ul>
 *   <li>{@link #tokenize}: BERT WordPiece with character offsets (the DJL tokenizer behind
 *       {@link WordPieceTokenizer}), one sentence at a time as the tasks do;
 *   <li>{@link #batch}: length-bucketed batches of 32 and their input tensors ({@code Batches.standard}:
 *       ids, mask, token types), closed again, as the forward pass feeds them.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HostSideBench {
    /** BERT's {@code vocab.txt}. */
    @Param("")
    public String vocabulary;

    /** One sentence per line. */
    @Param("")
    public String sentences;

    private WordPieceTokenizer tokenizer;
    private List<String> lines;
    private List<TokenizedText> texts;
    private int[] lengths;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tokenizer = WordPieceTokenizer.fromVocabulary(Path.of(vocabulary), true);
        lines = Files.readAllLines(Path.of(sentences));
        texts = new ArrayList<>(lines.size());
        for (String line : lines) {
            texts.add(tokenizer.encode(line));
        }
        lengths = texts.stream().mapToInt(t -> t.ids().length).toArray();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tokenizer.close();
    }

    @Benchmark
    public void tokenize(Blackhole out) {
        for (String line : lines) {
            out.consume(tokenizer.encode(line));
        }
    }

    @Benchmark
    public void batch(Blackhole out) {
        for (int[] idx : Batches.bucketed(lengths, 32, 0, null)) {
            List<TokenizedText> part = new ArrayList<>(idx.length);
            for (int i : idx) {
                part.add(texts.get(i));
            }
            try (Batch b = Batches.standard(part, tokenizer.padId())) {
                out.consume(b.tensors());
            }
        }
    }
}
