package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.AdapterArtifacts;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Provenance;
import dev.infuse.cli.InProcessCli.Run;
import dev.infuse.nn.SideAdapter;
import dev.infuse.nn.SideAdapterConfig;
import dev.infuse.spi.Backbone;
import dev.infuse.testkit.TinyBackbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's behaviour and exit codes, with the tiny backbone (the real BERT is in ITs). */
class CliTest {

    @TempDir
    Path tmp;

    Run run(String... args) {
        return InProcessCli.run(args);
    }

    private static void assertOneCleanErrorLine(Run r, String code) {
        assertThat(r.err()).startsWith("error[" + code + "]: ");
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void kilmPretrainsOnEntityInfillThenPlugsIntoTheLamaProbe() throws Exception {
        StringBuilder entities = new StringBuilder();
        String[] titles = {"paris", "london", "berlin", "rome", "madrid", "moscow", "tokyo", "beijing"};
        for (int i = 0; i < 40; i++) {
            String t = titles[i % titles.length];
            entities.append(String.format("%08d", 7000 + i)).append('\t').append(t)
                    .append(", capital city of a country; \"he went to ").append(t).append("\"\n");
        }
        Path file = java.nio.file.Files.writeString(tmp.resolve("entity2text.txt"), entities.toString());
        String cache = tmp.resolve("cache").toString();
        Run train = run("train", "--backbone", "bert-random", "--cache", cache, "--adapter", "kilm", "--task", "entity-infill",
                "--train", file.toString(), "--set", "adapter_size=16", "--set", "heads=2", "--set", "intermediate_size=32",
                "--epochs", "1", "--batch-size", "8", "--lr", "1e-2", "--max-length", "32", "--no-checkpoint",
                "--out", tmp.resolve("kilm").toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.out()).contains("wordpiece_accuracy", "position_prior/wordpiece_accuracy", "entities ");
        Path artifact = tmp.resolve("kilm/adapters/kilm");
        assertThat(artifact.resolve("adapter.safetensors")).exists();

        Path lama = java.nio.file.Files.createDirectories(tmp.resolve("lama/TREx"));
        java.nio.file.Files.writeString(lama.getParent().resolve("relations.jsonl"),
                "{\"relation\": \"P1\", \"template\": \"[X] is the capital city of [Y] .\"}\n");
        java.nio.file.Files.writeString(lama.resolve("P1.jsonl"),
                "{\"sub_label\": \"paris\", \"obj_label\": \"france\"}\n{\"sub_label\": \"rome\", \"obj_label\": \"italy\"}\n");
        Run probe = run("probe", "--backbone", "bert-random", "--cache", cache, "--lama", tmp.resolve("lama").toString(),
                "--adapter", artifact.toString(), "--out", tmp.resolve("probe").toString());
        assertThat(probe.exit()).as(probe.err()).isZero();
        assertThat(probe.out()).contains("P@1");
        assertThat(java.nio.file.Files.readString(tmp.resolve("probe/metrics.json"))).contains("\"fusion\" : \"add\"");

        // The frozen artifact on the same task: nothing to train, it only scores.
        Run eval = run("eval", "--backbone", "bert-random", "--cache", cache, "--task", "entity-infill", "--train", file.toString(),
                "--adapter", artifact.toString(), "--max-length", "32", "--no-checkpoint", "--out", tmp.resolve("eval").toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("parameters: 0 trainable");
    }

    @Test
    void pluginsListsEveryBuiltInPluginWithOrigin() {
        Run r = run("plugins", "--plugins", tmp.resolve("none").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("bert ", "bert-random", "factual", "linguistic", "concat", "attention", "add ");
        // Origins are the jars (after package) or the class folders (mvn test): either names the module.
        assertThat(r.out()).containsPattern("(infuse-core|core/target/classes)").containsPattern("(infuse-backbone-bert|backbone-bert/target/classes)");
        // Every built-in task is a plugin, from the tasks module's jar or class folder, with its SPI version.
        for (String t : List.of("fewrel", "trex", "semeval", "tacred", "open-entity", "ud", "mention-mlm", "entity-infill", "lama",
                "wn-hypernym", "wn-relation", "wn-facts", "wn-mention-mlm", "wn-cloze")) {
            assertThat(r.out()).containsPattern("(?m)^task\\s+" + java.util.regex.Pattern.quote(t) + "\\s+\\S+\\s+"
                    + java.util.regex.Pattern.quote(dev.infuse.spi.Spi.VERSION) + "\\s+.*(infuse-tasks|tasks/target/classes)");
        }
    }

    @Test
    void helpWorksEverywhere() {
        for (String cmd : List.of("plugins", "encode", "inspect")) {
            Run r = run(cmd, "--help");
            assertThat(r.exit()).as(cmd).isZero();
            assertThat(r.out()).as(cmd).contains("Usage: infuse " + cmd);
        }
        assertThat(run("--help").out()).contains("Exit codes:");
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("bogus");
        assertThat(r.exit()).isEqualTo(2);
        assertOneCleanErrorLine(r, "usage");
    }

    @Test
    void unknownBackboneIsAPluginErrorListingTheAvailableOnes() {
        Run r = run("encode", "--backbone", "bret", "hello");
        assertThat(r.exit()).isEqualTo(3);
        assertOneCleanErrorLine(r, "plugin-not-found");
        assertThat(r.err()).contains("did you mean 'bert'", "bert-random");
    }

    @Test
    void missingBackboneFolderIsABackboneError() {
        Run r = run("encode", "--backbone-path", tmp.resolve("nowhere").toString(), "hello");
        assertThat(r.exit()).isEqualTo(4);
        assertOneCleanErrorLine(r, "backbone-not-found");
        assertThat(r.err()).contains(tmp.resolve("nowhere").toString());
    }

    @Test
    void encodeRunsOnTheTinyBackbone() {
        Run r = run("encode", "--backbone", "bert-random", "--cache", tmp.resolve("cache").toString(), "the cat is [MASK] .");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("bert L2 H32", "[MASK] ->", "the ", "[0,3)");
    }

    @Test
    void inspectShowsProvenanceAndRejectsCorruptArtifacts() throws Exception {
        Path dir = tmp.resolve("artifact");
        try (Backbone b = TinyBackbones.create();
                ComposedModel m = ComposedModel.builder(b)
                        .adapter(new SideAdapter("factual", new SideAdapterConfig(List.of(0, 2), 8, 1, 2, 16, 2e-4, 0f)),
                                ComposedModel.Mode.FROZEN)
                        .fusion(TinyBackbones.fusion("add").create(dev.infuse.spi.PluginConfig.empty("add"), b.spec(), 1,
                                dev.infuse.testkit.TestContext.shared()), false)
                        .build()) {
            AdapterArtifacts.save(m, m.adapters().get(0), "0.1.0", dir,
                    Provenance.builder().seed(9).metric("f1", 0.5).hyperParameter("lr", 1e-4).build(), false);
        }
        Run ok = run("inspect", dir.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("adapter 'factual' 0.1.0", "fingerprint  bert-L2-H32:sha256:", "seed 9", "f1", "(verified)");

        byte[] bytes = Files.readAllBytes(dir.resolve("adapter.safetensors"));
        bytes[bytes.length - 1] ^= 0x55;
        Files.write(dir.resolve("adapter.safetensors"), bytes, StandardOpenOption.TRUNCATE_EXISTING);
        Run bad = run("inspect", dir.toString());
        assertThat(bad.exit()).isEqualTo(4);
        assertOneCleanErrorLine(bad, "artifact-corrupt");

        Run missing = run("inspect", tmp.resolve("absent").toString());
        assertThat(missing.exit()).isEqualTo(4);
        assertThat(missing.err()).startsWith("error[artifact-");
    }

    @Test
    void pluginBuiltForAnotherSpiIsRefusedByName() throws Exception {
        Path jar = ThirdPartyExampleTest.buildExampleJar(tmp, "future-houlsby.jar",
                src -> src.replace("return Spi.VERSION;", "return \"2.0\";"));
        Run r = run("plugins", "--plugins", jar.getParent().toString());
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("plugin-spi-version", "'houlsby'", "2.0", "1.0");
        assertThat(r.out()).doesNotContain("houlsby");
    }

    @Test
    void duplicatePluginNamesAreReportedAndCannotBeUsed() throws Exception {
        Path one = ThirdPartyExampleTest.buildExampleJar(tmp, "houlsby-a.jar", s -> s);
        ThirdPartyExampleTest.buildExampleJar(tmp, "houlsby-b.jar", s -> s);
        Run r = run("plugins", "--plugins", one.getParent().toString());
        assertThat(r.err()).contains("plugin-duplicate", "houlsby-a.jar", "houlsby-b.jar");
    }
}
