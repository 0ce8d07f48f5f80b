package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infuse.api.ArtifactManifest.BackboneRef;
import dev.infuse.api.ArtifactManifest.Plugin;
import dev.infuse.spi.InfuseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactsTest {
    static final String FINGERPRINT = "bert-L2-H8:sha256:" + "ab".repeat(32);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static ArtifactManifest manifest(Path dataFile) {
        Provenance.Builder p = Provenance.builder()
                .seed(42)
                .created(Instant.parse("2026-11-05T10:15:30.123Z"))
                .hyperParameter("learning_rate", 1e-4)
                .hyperParameter("epochs", 3)
                .metric("f1", 0.875)
                .git("0123abcd");
        if (dataFile != null) {
            p.dataFile(dataFile);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("layers", List.of(0, 5, 11));
        config.put("bottleneck", 64);
        config.put("dropout", 0.1f);
        config.put("activation", "gelu");
        return ArtifactManifest.create(new Plugin(ArtifactKind.ADAPTER, "factual", "1.0.0"), config,
                new BackboneRef("bert", "bert L2 H8 A2 I32 V100 P16", FINGERPRINT), p.build());
    }

    static Map<String, TensorData> weights() {
        Map<String, TensorData> w = new LinkedHashMap<>();
        w.put("layer_0/down/kernel", TensorData.f32(new float[] {0.1f, -0.2f, 0.3f, 1e-7f, -0f, 5f}, 2, 3));
        w.put("layer_0/down/bias", TensorData.f32(new float[] {1f, 2f, 3f}, 3));
        return w;
    }

    static ArtifactManifest headManifest() {
        return ArtifactManifest.create(new Plugin(ArtifactKind.HEAD, "classification", "1.0.0"),
                Map.of("labels", 3), new BackboneRef("bert", "bert L2 H8 A2 I32 V100 P16", FINGERPRINT),
                Provenance.builder().seed(42).build());
    }

    @Test
    void roundTripKeepsManifestAndBitIdenticalWeights() throws Exception {
        Path data = Files.writeString(tmp.resolve("train.jsonl"), "{\"text\":\"hello\"}\n");
        Path dir = tmp.resolve("factual");
        ArtifactManifest written = Artifacts.write(dir, manifest(data), weights());

        assertThat(written.weights().file()).isEqualTo("adapter.safetensors");
        assertThat(written.weights().parameters()).isEqualTo(9);
        assertThat(written.weights().sha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve("adapter.safetensors")))));
        assertThat(tmp.toFile().list()).containsExactlyInAnyOrder("train.jsonl", "factual");
        assertThat(dir.toFile().list()).containsExactlyInAnyOrder("adapter_config.json", "adapter.safetensors");

        LoadedArtifact a = Artifacts.read(dir);
        assertThat(a.manifest()).isEqualTo(written);
        assertThat(a.weights()).isEqualTo(weights());
        assertThat(a.head()).isEmpty();
        assertThat(a.ignoredKeys()).isEmpty();
        Provenance p = a.manifest().provenance();
        assertThat(p.created()).isEqualTo(Instant.parse("2026-11-05T10:15:30Z"));
        assertThat(p.data()).singleElement().satisfies(d -> {
            assertThat(d.path()).isEqualTo(data.toString());
            assertThat(d.bytes()).isEqualTo(17);
            // sha256 of the 17 bytes above, computed independently with sha256sum
            assertThat(d.sha256()).isEqualTo("61089649a563a525014d86b167cbe5fae69e2fe431245d6bec5e65f298906b3a");
        });
        assertThat(p.java()).contains(System.getProperty("java.version").split("\\.")[0]);
        assertThat(p.machine().cores()).isPositive();
        assertThat(p.machine().memory()).isPositive();
        assertThat(a.manifest().config()).containsEntry("layers", List.of(0, 5, 11)).containsEntry("dropout", 0.1)
                .containsEntry("bottleneck", 64);
        assertThat(a.manifest().spiVersion()).isEqualTo(dev.infuse.spi.Spi.VERSION);
        assertThat(a.manifest().formatVersion()).isEqualTo(1);
    }

    @Test
    void configFileHasTheDocumentedLayoutInAStableOrder() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        String text = Files.readString(dir.resolve("adapter_config.json"));
        JsonNode root = JSON.readTree(text);
        assertThat(root.fieldNames()).toIterable().containsExactly("format_version", "plugin", "spi_version",
                "infuse_version", "config", "backbone", "weights", "provenance");
        assertThat(root.get("plugin").toString()).isEqualTo("{\"kind\":\"adapter\",\"name\":\"factual\",\"version\":\"1.0.0\"}");
        assertThat(root.get("config").fieldNames()).toIterable().containsExactly("activation", "bottleneck", "dropout", "layers");
        assertThat(root.at("/config/dropout").decimalValue().toString()).isEqualTo("0.1");
        assertThat(root.at("/backbone/fingerprint").asText()).isEqualTo(FINGERPRINT);
        assertThat(root.get("provenance").fieldNames()).toIterable().containsExactly("created", "seed",
                "hyper_parameters", "data", "metrics", "java", "os", "machine", "git");
        assertThat(root.at("/provenance/created").asText()).isEqualTo("2026-11-05T10:15:30Z");
        assertThat(root.at("/provenance/machine").fieldNames()).toIterable().containsExactly("cores", "memory");
        assertThat(text).contains("\n  \"plugin\" : {").endsWith("}\n");
        // Writing the same thing twice gives the same bytes.
        Path again = tmp.resolve("b");
        Artifacts.write(again, manifest(null), weights());
        assertThat(Files.readString(again.resolve("adapter_config.json"))).isEqualTo(text);
    }

    @Test
    void headIsSavedAndLoadedWithTheAdapter() {
        Path dir = tmp.resolve("with-head");
        Map<String, TensorData> hw = Map.of("dense/kernel", TensorData.f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Artifacts.write(dir, manifest(null), weights(), headManifest(), hw);
        assertThat(dir.resolve("head").toFile().list()).containsExactlyInAnyOrder("head_config.json", "head.safetensors");

        LoadedArtifact a = Artifacts.read(dir);
        assertThat(a.head()).hasValueSatisfying(h -> {
            assertThat(h.manifest().plugin().kind()).isEqualTo(ArtifactKind.HEAD);
            assertThat(h.manifest().weights().file()).isEqualTo("head.safetensors");
            assertThat(h.weights()).isEqualTo(hw);
        });
    }

    @Test
    void rewritingReplacesTheOldArtifactCompletely() {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights(), headManifest(),
                Map.of("k", TensorData.f32(new float[] {1}, 1)));
        Map<String, TensorData> other = Map.of("only", TensorData.i64(new long[] {7}, 1));
        Artifacts.write(dir, manifest(null), other);
        LoadedArtifact a = Artifacts.read(dir);
        assertThat(a.weights()).isEqualTo(other);
        assertThat(a.head()).isEmpty();
        assertThat(tmp.toFile().list()).containsExactly("a");
    }

    @Test
    void anotherFolderIsNeverReplaced() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("docs"));
        Files.writeString(dir.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> Artifacts.write(dir, manifest(null), weights()))
                .isInstanceOf(InfuseException.class).hasMessageContaining("is not an artifact folder");
        assertThat(dir.resolve("notes.txt")).hasContent("mine");
        assertThat(tmp.toFile().list()).containsExactly("docs");
    }

    @Test
    void backboneMismatchNamesBothFingerprints() {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        LoadedArtifact a = Artifacts.read(dir);
        a.checkBackbone(FINGERPRINT);
        assertThatThrownBy(() -> a.checkBackbone("bert-L2-H8:sha256:" + "cd".repeat(32)))
                .isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("artifact-backbone-mismatch"))
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("adapter 'factual' was trained on backbone 'bert'")
                .hasMessageContaining("fingerprint " + FINGERPRINT)
                .hasMessageContaining("current backbone has fingerprint bert-L2-H8:sha256:" + "cd".repeat(32));
    }

    @Test
    void unknownKeysAreDroppedWithOneWarning() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        editConfig(dir, root -> {
            root.put("future_flag", true);
            ((ObjectNode) root.get("plugin")).put("homepage", "https://example.org");
            ((ObjectNode) root.get("provenance")).putObject("gpu").put("name", "x");
        });

        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoadedArtifact a;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            a = Artifacts.read(dir);
        } finally {
            System.setErr(original);
        }
        assertThat(a.ignoredKeys()).containsExactly("plugin.homepage", "provenance.gpu", "future_flag");
        assertThat(a.weights()).isEqualTo(weights());
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log.lines().filter(l -> l.contains("WARN"))).singleElement().asString()
                .contains("ignoring 3 key(s)").contains("plugin.homepage, provenance.gpu, future_flag");
    }

    @Test
    void newerFormatVersionIsRefusedNamingBothVersions() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        editConfig(dir, root -> {
            root.put("format_version", 2);
            root.remove("backbone"); // a newer layout may lack anything; the version is checked first
        });
        assertThatThrownBy(() -> Artifacts.read(dir)).isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).isEqualTo("artifact-format-version"))
                .hasMessageContaining("adapter_config.json: format_version 2 is newer")
                .hasMessageContaining("supports (format_version 1)");
    }

    @Test
    void missingRequiredKeyNamesKeyAndFile() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        editConfig(dir, root -> ((ObjectNode) root.get("backbone")).remove("fingerprint"));
        expect(() -> Artifacts.read(dir), "artifact-config")
                .hasMessageContaining(dir.resolve("adapter_config.json").toString())
                .hasMessageContaining("missing required key 'backbone.fingerprint'");
        editConfig(dir, root -> {
            ((ObjectNode) root.get("backbone")).put("fingerprint", FINGERPRINT);
            root.put("weights", "x");
        });
        expect(() -> Artifacts.read(dir), "artifact-config").hasMessageContaining("'weights' is \"x\" (expected a JSON object)");
        editConfig(dir, root -> {
            root.putObject("weights").put("file", "../../etc/passwd").put("sha256", "0".repeat(64)).put("parameters", 1);
        });
        expect(() -> Artifacts.read(dir), "artifact-config").hasMessageContaining("expected a plain file name");
    }

    @Test
    void configThatIsNotJsonIsRefused() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        Files.writeString(dir.resolve("adapter_config.json"), "{\"format_version\": 1,");
        expect(() -> Artifacts.read(dir), "artifact-config").hasMessageContaining("is not valid JSON");
    }

    @Test
    void weightsThatDoNotMatchTheirHashAreRefused() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        Path w = dir.resolve("adapter.safetensors");
        byte[] bytes = Files.readAllBytes(w);
        bytes[bytes.length - 1] ^= 1; // one flipped bit in the last float
        Files.write(w, bytes);
        expect(() -> Artifacts.read(dir), "artifact-corrupt")
                .hasMessageContaining(w + ": SHA-256 is ")
                .hasMessageContaining("but adapter_config.json records");
        Files.write(w, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        expect(() -> Artifacts.read(dir), "artifact-corrupt").hasMessageContaining("SHA-256");
        Files.delete(w);
        expect(() -> Artifacts.read(dir), "artifact-missing").hasMessageContaining("adapter.safetensors: missing");
    }

    @Test
    void parameterCountAndHeadKindAreChecked() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights(), headManifest(),
                Map.of("k", TensorData.f32(new float[] {1}, 1)));
        editConfig(dir, root -> ((ObjectNode) root.get("weights")).put("parameters", 10));
        expect(() -> Artifacts.read(dir), "artifact-corrupt")
                .hasMessageContaining("holds 9 parameters but adapter_config.json records 10");
        editConfig(dir, root -> ((ObjectNode) root.get("weights")).put("parameters", 9));
        Path headConfig = dir.resolve("head").resolve("head_config.json");
        Files.writeString(headConfig, Files.readString(headConfig).replace("\"kind\" : \"head\"", "\"kind\" : \"adapter\""));
        expect(() -> Artifacts.read(dir), "artifact-config")
                .hasMessageContaining(headConfig + ": 'plugin.kind' is \"adapter\" (expected head in this file)");
    }

    @Test
    void nanWeightsAreRefusedOnSave() {
        Map<String, TensorData> bad = Map.of("w", TensorData.f32(new float[] {Float.NaN}, 1));
        Path dir = tmp.resolve("a");
        expect(() -> Artifacts.write(dir, manifest(null), bad), "artifact-invalid").hasMessageContaining("tensor 'w' holds NaN");
        assertThat(tmp.toFile().list()).isEmpty();
    }

    @Test
    void unstorableConfigValueIsRefusedAtOnce() {
        ArtifactManifest m = manifest(null);
        expect(() -> ArtifactManifest.create(m.plugin(), Map.of("thing", new Object()), m.backbone(), m.provenance()),
                "artifact-invalid")
                .hasMessageContaining("config.thing is a java.lang.Object (expected a string, number, boolean, list or map)");
        assertThat(tmp.toFile().list()).isEmpty();
    }

    @Test
    void missingFolderHasAClearError() {
        expect(() -> Artifacts.read(tmp.resolve("nothing")), "artifact-missing").hasMessageContaining("no such artifact folder");
    }

    @Test
    void readManifestDoesNotNeedTheWeights() throws IOException {
        Path dir = tmp.resolve("a");
        Artifacts.write(dir, manifest(null), weights());
        Files.delete(dir.resolve("adapter.safetensors"));
        assertThat(Artifacts.readManifest(dir).plugin().name()).isEqualTo("factual");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> expect(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String code) {
        return assertThatThrownBy(call).isInstanceOf(InfuseException.class)
                .satisfies(e -> assertThat(((InfuseException) e).code()).as(e.getMessage()).isEqualTo(code));
    }

    private static void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path config = dir.resolve("adapter_config.json");
        ObjectNode root = (ObjectNode) JSON.readTree(config.toFile());
        edit.accept(root);
        Files.writeString(config, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }
}
