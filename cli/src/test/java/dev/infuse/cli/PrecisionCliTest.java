package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.cli.InProcessCli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --precision}: passed to the backbone, recorded in metrics.json and artifact provenance, checked. */
class PrecisionCliTest {
    @TempDir
    Path tmp;

    Run run(String... args) {
        return InProcessCli.run(args);
    }

    @Test
    void trainingThroughTheFrozenBackboneInBf16RecordsThePrecision() throws Exception {
        StringBuilder entities = new StringBuilder();
        String[] titles = {"paris", "london", "berlin", "rome"};
        for (int i = 0; i < 16; i++) {
            String t = titles[i % titles.length];
            entities.append(String.format("%08d", 7000 + i)).append('\t').append(t)
                    .append(", capital city of a country; \"he went to ").append(t).append("\"\n");
        }
        Path file = Files.writeString(tmp.resolve("entity2text.txt"), entities.toString());
        // KILM trains new input embeddings: its gradients flow back through every bf16 layer.
        Run train = run("train", "--backbone", "bert-random", "--precision", "bf16", "--cache", tmp.resolve("cache").toString(),
                "--adapter", "kilm", "--task", "entity-infill", "--train", file.toString(), "--set", "adapter_size=16",
                "--set", "heads=2", "--set", "intermediate_size=32", "--epochs", "1", "--batch-size", "8", "--lr", "1e-2",
                "--max-length", "32", "--no-checkpoint", "--out", tmp.resolve("kilm").toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(Files.readString(tmp.resolve("kilm/metrics.json"))).contains("\"backbone_precision\" : \"bf16\"");
        assertThat(Files.readString(tmp.resolve("kilm/adapters/kilm/adapter_config.json")))
                .contains("\"backbone_precision\" : \"bf16\"");
    }

    @Test
    void encodeRunsInEitherPrecision() {
        for (String p : new String[] {"fp32", "bf16", "AUTO"}) {
            Run r = run("encode", "--backbone", "bert-random", "--precision", p, "--cache", tmp.resolve("cache").toString(),
                    "the capital of france is [MASK] .");
            assertThat(r.exit()).as(p + ": " + r.err()).isZero();
        }
    }

    @Test
    void anUnknownPrecisionIsOneErrorLineNamingTheAcceptedValues() {
        Run r = run("encode", "--backbone", "bert-random", "--precision", "fp16", "--cache", tmp.resolve("cache").toString(), "x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error[config-bad-value]: option --precision has value 'fp16' but expected fp32, bf16 or auto")
                .doesNotContain("\tat ");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
    }
}
