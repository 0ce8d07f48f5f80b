package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks {@link Metrics#semEval2010} against the official Perl scorer on perturbed copies of the
 * real training labels. Skipped when perl or the data is missing.
 */
class SemEvalScorerIT {
    private static final Pattern OFFICIAL = Pattern.compile("macro-averaged F1 = ([0-9.]+)%");

    @TempDir
    Path tmp;

    @Test
    void javaScoreAgreesWithThePerlScorer() throws Exception {
        Path scorer = SharedData.require(
                "semeval2010_task8/SemEval2010_task8_scorer-v1.2/semeval2010_task8_scorer-v1.2.pl");
        Path train = SharedData.require("semeval2010_task8/SemEval2010_task8_training/TRAIN_FILE.TXT");
        SharedData.assumeOrFailInCi(perlAvailable(), "perl not installed");
        Map<String, String> gold = new LinkedHashMap<>();
        for (SemEvalExample e : SemEval2010.read(train).records()) {
            gold.put(e.id(), e.label());
        }
        Path key = tmp.resolve("key.txt");
        SemEval2010.writeAnswers(key, gold);

        for (int variant = 0; variant < 6; variant++) {
            Map<String, String> pred = perturb(gold, variant);
            Path proposed = tmp.resolve("proposed" + variant + ".txt");
            SemEval2010.writeAnswers(proposed, pred);
            double perl = runScorer(scorer, proposed, key);
            double java = 100 * Metrics.semEval2010(gold, pred).macroF1();
            assertThat(java).as("variant " + variant).isCloseTo(perl, within(0.01));
        }
    }

    /** Variants: random label noise, direction flips, skipped ids, everything Other, identical. */
    private static Map<String, String> perturb(Map<String, String> gold, int variant) {
        SplittableRandom rnd = new SplittableRandom(100 + variant);
        List<String> labels = SemEval2010.LABELS;
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : gold.entrySet()) {
            String g = e.getValue();
            String p = g;
            switch (variant) {
                case 0 -> p = rnd.nextDouble() < 0.3 ? labels.get(rnd.nextInt(labels.size())) : g;
                case 1 -> p = rnd.nextDouble() < 0.4 ? flip(g) : g;
                case 2 -> {
                    if (rnd.nextDouble() < 0.2) {
                        continue; // skipped example
                    }
                    p = rnd.nextDouble() < 0.2 ? labels.get(rnd.nextInt(labels.size())) : g;
                }
                case 3 -> p = rnd.nextDouble() < 0.5 ? SemEval2010.OTHER : flip(g);
                case 4 -> p = rnd.nextDouble() < 0.9 ? labels.get(rnd.nextInt(labels.size())) : g;
                default -> p = g;
            }
            out.put(e.getKey(), p);
        }
        return out;
    }

    private static String flip(String label) {
        if (label.endsWith("(e1,e2)")) {
            return label.replace("(e1,e2)", "(e2,e1)");
        }
        if (label.endsWith("(e2,e1)")) {
            return label.replace("(e2,e1)", "(e1,e2)");
        }
        return label;
    }

    private static boolean perlAvailable() {
        try {
            Process p = new ProcessBuilder("perl", "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static double runScorer(Path scorer, Path proposed, Path key) throws Exception {
        Process p = new ProcessBuilder("perl", scorer.toString(), proposed.toString(), key.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        Matcher m = OFFICIAL.matcher(output.substring(output.lastIndexOf("<<< The official score")));
        assertThat(m.find()).as(output).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
