package dev.infuse.bench;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link HostSideBench} through JMH's API in a forked JVM and returns its figures. */
final class HostSideRun {
    private HostSideRun() {}

    /**
     * @param score mean microseconds per pass over all sentences
     * @param error half-width of JMH's 99.9 % confidence interval, same unit
     */
    record Measure(String name, double score, double error) {
        double microsPerSentence(int sentences) {
            return score / sentences;
        }
    }

    /** JMH settings and what each benchmark measured. */
    record Figures(int sentences, int forks, int warmups, int iterations, double iterationSeconds, List<Measure> measures) {}

    static Figures run(Path vocabulary, List<String> sentences, Path workDir) {
        int forks = 1;
        int warmups = 3;
        int iterations = 5;
        double seconds = 1;
        try {
            Path file = workDir.resolve("host-side-sentences.txt");
            Files.write(file, sentences);
            Options options = new OptionsBuilder()
                    .include(HostSideBench.class.getName() + "\\.")
                    .param("vocabulary", vocabulary.toString())
                    .param("sentences", file.toString())
                    .forks(forks)
                    .warmupIterations(warmups)
                    .measurementIterations(iterations)
                    .warmupTime(TimeValue.milliseconds((long) (seconds * 1000)))
                    .measurementTime(TimeValue.milliseconds((long) (seconds * 1000)))
                    .jvmArgsAppend("-Xmx1g")
                    .shouldFailOnError(true)
                    .build();
            Collection<RunResult> results = new Runner(options).run();
            List<Measure> measures = results.stream()
                    .map(r -> new Measure(r.getParams().getBenchmark().replaceAll(".*\\.", ""),
                            r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()))
                    .sorted(java.util.Comparator.comparing(Measure::name).reversed())
                    .toList();
            return new Figures(sentences.size(), forks, warmups, iterations, seconds, measures);
        } catch (RunnerException | java.io.IOException e) {
            throw new InfuseException("bench-failed", "the JMH host-side benchmark failed: " + e.getMessage());
        }
    }
}
