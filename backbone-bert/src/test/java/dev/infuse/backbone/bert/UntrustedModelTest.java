package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/** A user's SavedModel graph passes the allow-list before its variables are read; zipped models extract safely. */
class UntrustedModelTest {
    @TempDir
    Path tmp;

    private Path savedModel(String extraOp) throws Exception {
        BertBackbone source = RandomBertProvider.create(tmp.resolve("cache"));
        Path folder = tmp.resolve("saved");
        Files.createDirectories(folder.resolve("variables"));
        Files.createDirectories(folder.resolve("assets"));
        BertWeights w = RandomBertProvider.randomWeights(new BertDims(source.spec().layers(), source.spec().hiddenSize(),
                source.spec().heads(), source.spec().intermediateSize(), source.spec().vocabularySize(),
                source.spec().maxPositions(), 2), 0);
        Checkpoints.write(w, folder.resolve("variables/variables"), "module/bert/", w.dims().weightNames(false));
        Files.copy(source.vocabularyFile(), folder.resolve("assets/vocab.txt"));
        Files.writeString(folder.resolve("assets/model.json"), "{\"num_attention_heads\": 2}");
        GraphDef.Builder g = GraphDef.newBuilder().addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder"));
        if (extraOp != null) {
            g.addNode(NodeDef.newBuilder().setName("payload").setOp(extraOp));
        }
        Files.write(folder.resolve("saved_model.pb"),
                SavedModel.newBuilder().addMetaGraphs(MetaGraphDef.newBuilder().setGraphDef(g)).build().toByteArray());
        return folder;
    }

    private BertBackbone create(Map<String, Object> cfg) {
        PluginConfig config = PluginConfig.of("backbone 'bert'", cfg);
        var b = new BertProvider().create(config, new StandaloneContext(tmp.resolve("cache"), 0L));
        config.requireAllConsumed();
        return (BertBackbone) b;
    }

    @Test
    void aCleanSavedModelLoads() throws Exception {
        Path folder = savedModel(null);
        try (BertBackbone b = create(Map.of("path", folder.toString()))) {
            assertThat(b.spec().layers()).isEqualTo(2);
        }
    }

    @Test
    void aSavedModelWithFileOperationsIsRefusedUnlessAllowed() throws Exception {
        Path folder = savedModel("WriteFile");
        InfuseException e = catchThrowableOfType(InfuseException.class, () -> create(Map.of("path", folder.toString())));
        assertThat(e.code()).isEqualTo("backbone-unsafe-graph");
        assertThat(e.getMessage()).contains("saved_model.pb", "WriteFile", "'payload'", "allow_unsafe_ops");
        try (BertBackbone b = create(Map.of("path", folder.toString(), "allow_unsafe_ops", true))) {
            assertThat(b.spec().hiddenSize()).isEqualTo(32);
        }
    }

    @Test
    void aZippedModelFolderIsExtractedOnceAndLoads() throws Exception {
        Path folder = savedModel(null);
        Path zip = tmp.resolve("model.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out);
                Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                z.putNextEntry(new ZipEntry("bert/" + folder.relativize(p)));
                z.write(Files.readAllBytes(p));
                z.closeEntry();
            }
        }
        try (BertBackbone b = create(Map.of("path", zip.toString()))) {
            assertThat(b.spec().layers()).isEqualTo(2);
        }
        assertThat(tmp.resolve("cache/models")).isDirectoryContaining(p -> p.getFileName().toString().startsWith("model-"));
    }

    @Test
    void aZipEntryEscapingTheFolderIsRefusedAndNothingIsWrittenOutside() throws Exception {
        Path zip = tmp.resolve("evil.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("ok/vocab.txt"));
            z.write("[PAD]\n".getBytes());
            z.closeEntry();
            z.putNextEntry(new ZipEntry("../../escaped.txt"));
            z.write("pwned".getBytes());
            z.closeEntry();
        }
        InfuseException e = catchThrowableOfType(InfuseException.class, () -> create(Map.of("path", zip.toString())));
        assertThat(e.code()).isEqualTo("backbone-invalid");
        assertThat(e.getMessage()).contains("../../escaped.txt", zip.toString());
        assertThat(tmp.resolve("escaped.txt")).doesNotExist();
        assertThat(tmp.resolve("cache/escaped.txt")).doesNotExist();
        try (Stream<Path> left = Files.list(tmp.resolve("cache/models"))) {
            assertThat(left.toList()).as("no half-extracted folder is left").isEmpty();
        }
    }
}
