package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.api.AdapterArtifacts;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Provenance;
import dev.infuse.api.Infuse;
import dev.infuse.api.PluginInfo;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.heads.SequenceClassificationHead;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import dev.infuse.testkit.TinyBackbones;
import dev.infuse.testkit.ToyClassification;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the third-party example in {@code examples/houlsby-adapter} from its sources against the
 * SPI, drops the jar into a plugins folder, and shows it is discovered, trained, saved and loaded.
 */
class ThirdPartyExampleTest {

    @TempDir
    Path tmp;

    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("examples/houlsby-adapter/pom.xml"))) {
            p = p.getParent();
        }
        assertThat(p).as("repository root above the working directory").isNotNull();
        return p;
    }

    static Path buildExampleJar(Path work) throws IOException {
        return buildExampleJar(work, "houlsby-adapter-1.0.0.jar", java.util.function.UnaryOperator.identity());
    }

    /** Builds the example with its sources passed through {@code edit} (to make broken variants). */
    static Path buildExampleJar(Path work, String jarName, java.util.function.UnaryOperator<String> edit) throws IOException {
        Path project = repositoryRoot().resolve("examples/houlsby-adapter");
        Path sourcesCopy = Files.createDirectories(work.resolve("src-" + jarName));
        Path classes = Files.createDirectories(work.resolve("classes-" + jarName));
        List<String> sources = new ArrayList<>();
        try (Stream<Path> s = Files.walk(project.resolve("src/main/java"))) {
            // module-info is for the module path; in a plugins folder the services file is what counts.
            for (Path f : s.filter(f -> f.toString().endsWith(".java") && !f.endsWith("module-info.java")).toList()) {
                Path copy = sourcesCopy.resolve(f.getFileName().toString());
                Files.writeString(copy, edit.apply(Files.readString(f)));
                sources.add(copy.toString());
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path")));
        args.addAll(sources);
        assertThat(javac.run(null, null, null, args.toArray(String[]::new))).as("javac exit code").isZero();
        Path jar = Files.createDirectories(work.resolve("plugins")).resolve(jarName);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path root : List.of(classes, project.resolve("src/main/resources"))) {
                try (Stream<Path> s = Files.walk(root)) {
                    for (Path f : s.filter(Files::isRegularFile).toList()) {
                        out.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                        Files.copy(f, (OutputStream) out);
                        out.closeEntry();
                    }
                }
            }
        }
        return jar;
    }

    private static float[] logits(ComposedModel model, ToyClassification data) {
        var logits = model.headOutputs().orElseThrow().outputs().get("logits");
        try (var batch = data.batch(new int[] {0, 1, 2}); var r = model.run(batch, List.of(logits))) {
            var t = (org.tensorflow.types.TFloat32) r.get(0);
            float[] out = new float[(int) t.shape().size()];
            t.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }

    @Test
    void exampleJarIsDiscoveredTrainedSavedAndLoaded() throws IOException {
        Path jar = buildExampleJar(tmp);
        try (Infuse infuse = Infuse.builder().pluginsDirectory(jar.getParent()).cacheDirectory(tmp.resolve("cache")).build();
                Backbone backbone = TinyBackbones.create()) {
            PluginInfo info = infuse.registry().info(PluginKind.ADAPTER, "houlsby");
            assertThat(info.origin()).contains("houlsby-adapter-1.0.0.jar");
            assertThat(info.version()).isEqualTo("1.0.0");
            assertThat(infuse.registry().adapter("houlsby").getClass().getClassLoader())
                    .isNotSameAs(getClass().getClassLoader());

            KnowledgeAdapter adapter = infuse.createAdapter("houlsby",
                    PluginConfig.of("adapter 'houlsby'", Map.of("bottleneck", 8)), backbone.spec());
            var fusion = infuse.createFusion("add", PluginConfig.empty("fusion 'add'"), backbone.spec(), 1);
            Map<String, float[]> trained;
            float[] logitsBefore;
            Path artifact = tmp.resolve("artifacts/houlsby");
            try (ComposedModel model = ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.TRAINABLE)
                    .fusion(fusion, false).head(new SequenceClassificationHead(2, 0f), true).forTraining(true).build()) {
                Map<String, float[]> before = model.weights("adapter.houlsby");
                var data = new ToyClassification(model.tokenizer(), 16, 5);
                new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0, 1, 0, 1)).quiet().fit(model, data, null);
                trained = model.weights("adapter.houlsby");
                assertThat(trained.get("up/kernel")).isNotEqualTo(before.get("up/kernel"));
                assertThat(model.trainableParameterCount()).isEqualTo(32 * 8 + 8 + 8 * 32 + 32 + 32 * 2 + 2);
                logitsBefore = logits(model, data);
                AdapterArtifacts.save(model, adapter, info.version(), artifact,
                        Provenance.builder().seed(1).metric("loss", 0.5).build(), true);
            }
            assertThat(artifact.resolve("adapter_config.json")).exists();
            assertThat(artifact.resolve("adapter.safetensors")).exists();
            assertThat(artifact.resolve("head")).isDirectory();
            AdapterArtifacts.Loaded loaded = AdapterArtifacts.load(infuse, artifact, backbone);
            assertThat(loaded.adapter().config()).containsEntry("bottleneck", 8);
            try (ComposedModel again = ComposedModel.builder(backbone).adapter(loaded.adapter(), ComposedModel.Mode.FROZEN)
                    .fusion(fusion, false).head(new SequenceClassificationHead(2, 0f), false).build()) {
                loaded.loadInto(again);
                var data = new ToyClassification(again.tokenizer(), 16, 5);
                assertThat(logits(again, data)).containsExactly(logitsBefore, org.assertj.core.data.Offset.offset(1e-5f));
            }
            try (ComposedModel reloaded = ComposedModel.builder(backbone).adapter(adapter, ComposedModel.Mode.FROZEN)
                    .fusion(fusion, false).build()) {
                reloaded.loadWeights("adapter.houlsby", trained);
                assertThat(reloaded.weights("adapter.houlsby").get("down/kernel")).isEqualTo(trained.get("down/kernel"));
            }
        }
    }
}
