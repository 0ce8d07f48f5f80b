package dev.infuse.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.infuse.api.ArtifactManifest.BackboneRef;
import dev.infuse.api.ArtifactManifest.Plugin;
import dev.infuse.internal.artifact.TrainingCheckpoint;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Coverage-guided fuzzing of everything that reads files a stranger may hand over: safetensors,
 * artifact manifests, whole artifact folders, training checkpoints and TensorFlow graphs. The only
 * acceptable failure is {@link InfuseException}; anything else (or a hang, or an out-of-memory from
 * a size read off the input) is a bug. Regression inputs live under
 * {@code src/test/resources/dev/infuse/api/ArtifactFuzzTestInputs/}.
 */
class ArtifactFuzzTest {
    private static final Path DIR;
    private static final Path TEMPLATE;
    private static final String CONFIG;
    private static final byte[] WEIGHTS;
    private static final byte[] CHECKPOINT_TENSORS;
    private static final String CHECKPOINT_SHA;

    static {
        try {
            DIR = Files.createTempDirectory("infuse-fuzz-artifact");
            TEMPLATE = DIR.resolve("template");
            ArtifactManifest m = ArtifactManifest.create(new Plugin(ArtifactKind.ADAPTER, "factual", "1.0.0"),
                    Map.of("adapter_size", 4, "taps", java.util.List.of(0, 2)),
                    new BackboneRef("bert", "bert L2 H8 A2 I32 V100 P16", "bert-L2-H8:sha256:" + "0".repeat(64)),
                    Provenance.builder().seed(1).metric("f1", 0.5).build());
            Artifacts.write(TEMPLATE, m, Map.of("layer_0/down/kernel", TensorData.f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                    "layer_0/down/bias", TensorData.f32(new float[] {0.5f, -1}, 2)));
            CONFIG = Files.readString(TEMPLATE.resolve(Artifacts.CONFIG_FILE));
            WEIGHTS = Files.readAllBytes(TEMPLATE.resolve(Artifacts.WEIGHTS_FILE));
            Path tensors = DIR.resolve("checkpoint-template.safetensors");
            SafeTensors.write(tensors, Map.of("current/head/w", TensorData.f32(new float[] {1, 2}, 2),
                    "best/head/w", TensorData.f32(new float[] {1, 3}, 2), "adam/m/head/w", TensorData.f32(new float[] {0, 0}, 2)),
                    Map.of());
            CHECKPOINT_TENSORS = Files.readAllBytes(tensors);
            CHECKPOINT_SHA = Fingerprints.sha256(tensors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scratch folder goes with the test class: fuzzing runs must not fill the temporary folder. */
    @org.junit.jupiter.api.AfterAll
    static void removeScratchFolder() throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(DIR)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Path file(String name, byte[] content) {
        try {
            Path p = DIR.resolve(name);
            Files.createDirectories(p.getParent());
            return Files.write(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Call {
        void run();
    }

    private static void expectOnlyInfuseExceptions(Call call) {
        try {
            call.run();
        } catch (InfuseException expected) {
            // the documented outcome for a bad file
        }
    }

    @FuzzTest(maxDuration = "30s")
    void safeTensors(byte[] input) {
        Path f = file("fuzz.safetensors", input);
        expectOnlyInfuseExceptions(() -> SafeTensors.read(f));
    }

    @FuzzTest(maxDuration = "30s")
    void manifest(byte[] input) {
        file("manifest/" + Artifacts.WEIGHTS_FILE, WEIGHTS);
        Path dir = file("manifest/" + Artifacts.CONFIG_FILE, input).getParent();
        expectOnlyInfuseExceptions(() -> Artifacts.readManifest(dir));
        expectOnlyInfuseExceptions(() -> Artifacts.read(dir));
    }

    /** Weights bytes with a manifest whose SHA-256 matches them, so the header parser itself is reached. */
    @FuzzTest(maxDuration = "30s")
    void artifactWeights(byte[] input) {
        Path w = file("weights/" + Artifacts.WEIGHTS_FILE, input);
        String sha = Fingerprints.sha256(w);
        String config = CONFIG.replaceAll("\"sha256\"\\s*:\\s*\"[0-9a-f]+\"", "\"sha256\" : \"" + sha + "\"");
        Path dir = file("weights/" + Artifacts.CONFIG_FILE, config.getBytes(StandardCharsets.UTF_8)).getParent();
        expectOnlyInfuseExceptions(() -> Artifacts.read(dir));
    }

    @FuzzTest(maxDuration = "30s")
    void trainingCheckpointState(byte[] input) {
        Path dir = DIR.resolve("checkpoint");
        file("checkpoint/" + TrainingCheckpoint.TENSORS_FILE, CHECKPOINT_TENSORS);
        // The seed's placeholder hash becomes the real one, so that parsing gets past the integrity check.
        String json = new String(input, StandardCharsets.UTF_8).replace("0".repeat(64), CHECKPOINT_SHA);
        file("checkpoint/" + TrainingCheckpoint.STATE_FILE, json.getBytes(StandardCharsets.UTF_8));
        expectOnlyInfuseExceptions(() -> TrainingCheckpoint.read(dir));
    }

    @FuzzTest(maxDuration = "30s")
    void graph(byte[] input) {
        Path saved = file("graph/saved_model.pb", input);
        Path graph = file("graph/graph.pb", input);
        expectOnlyInfuseExceptions(() -> GraphSafety.scan(saved));
        expectOnlyInfuseExceptions(() -> GraphSafety.scan(graph));
    }
}
