package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

class BertLoaderTest {
    @TempDir
    Path tmp;

    private BertBackbone random() {
        return RandomBertProvider.create(tmp.resolve("cache"));
    }

    private static BertWeights weightsOf(BertBackbone b) {
        return RandomBertProvider.randomWeights(new BertDims(b.spec().layers(), b.spec().hiddenSize(), b.spec().heads(),
                b.spec().intermediateSize(), b.spec().vocabularySize(), b.spec().maxPositions(), 2), 0);
    }

    /** A SavedModel-style folder: variables/variables.*, assets/vocab.txt, assets/model.json. */
    private Path savedModelFolder(BertBackbone source, boolean withHead, String modelJson) throws Exception {
        Path folder = tmp.resolve("saved");
        Files.createDirectories(folder.resolve("variables"));
        Files.createDirectories(folder.resolve("assets"));
        BertWeights w = weightsOf(source);
        Checkpoints.write(w, folder.resolve("variables/variables"), "module/bert/", w.dims().weightNames(withHead));
        Files.copy(source.vocabularyFile(), folder.resolve("assets/vocab.txt"));
        if (modelJson != null) {
            Files.writeString(folder.resolve("assets/model.json"), modelJson);
        }
        return folder;
    }

    /** A Google-style checkpoint folder: bert_model.ckpt.*, vocab.txt, bert_config.json. */
    private Path checkpointFolder(BertBackbone source) throws Exception {
        Path folder = tmp.resolve("ckpt");
        Files.createDirectories(folder);
        BertWeights w = weightsOf(source);
        Checkpoints.write(w, folder.resolve("bert_model.ckpt"), "bert/", w.dims().weightNames(true));
        Files.copy(source.vocabularyFile(), folder.resolve("vocab.txt"));
        Files.writeString(folder.resolve("bert_config.json"), "{\"num_attention_heads\": 2, \"hidden_size\": 32}");
        return folder;
    }

    @Test
    void loadsACheckpointFolderWithTheSameWeights() throws Exception {
        BertBackbone source = random();
        Path folder = checkpointFolder(source);
        BertBackbone loaded = BertProvider.load(folder, tmp.resolve("cache"));
        assertThat(loaded.name()).isEqualTo("bert");
        assertThat(loaded.spec()).isEqualTo(source.spec());
        assertThat(loaded.fingerprint()).isEqualTo(source.fingerprint());
        assertThat(loaded.lowercase()).isTrue();
        assertThat(loaded.hasMaskedLmHead()).isTrue();
        assertThat(loaded.vocabularyFile()).isEqualTo(folder.resolve("vocab.txt"));

        int[][] ids = {{2, 40, 41, 42, 3}};
        float[] expected;
        float[] actual;
        try (BertGraph g = new BertGraph(source)) {
            expected = g.run(ids, null, List.of(g.states.last())).get(0);
        }
        try (BertGraph g = new BertGraph(loaded)) {
            actual = g.run(ids, null, List.of(g.states.last())).get(0);
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(1e-6f));
        }
    }

    @Test
    void loadsASavedModelFolderWithModulePrefixAndSettings() throws Exception {
        BertBackbone source = random();
        Path folder = savedModelFolder(source, false, "{\"doLowerCase\": false, \"maxSequenceLength\": 128}");
        BertBackbone loaded = BertProvider.load(folder, tmp.resolve("cache"));
        // No config with heads: 64-dimensional heads, at least one.
        assertThat(loaded.spec().heads()).isEqualTo(1);
        assertThat(loaded.spec().layers()).isEqualTo(2);
        assertThat(loaded.lowercase()).isFalse();
        assertThat(loaded.hasMaskedLmHead()).isFalse();
        assertThat(loaded.vocabularyFile()).isEqualTo(folder.resolve("assets/vocab.txt"));
        try (BertGraph g = new BertGraph(loaded)) {
            Operand<TFloat32> h = g.scope.tf().reshape(g.states.last(), g.scope.tf().constant(new int[] {-1, 32}));
            assertThatThrownBy(() -> loaded.maskedLmLogits(g.scope, h)).isInstanceOfSatisfying(InfuseException.class,
                    e -> {
                        assertThat(e.code()).isEqualTo("backbone-no-mlm-head");
                        assertThat(e.getMessage()).contains("cls/predictions");
                    });
        }
    }

    @Test
    void missingFolderIsNotFound() {
        Path missing = tmp.resolve("nowhere");
        assertThatThrownBy(() -> BertProvider.load(missing, tmp)).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("backbone-not-found");
            assertThat(e.getMessage()).contains(missing.toString()).contains("variables/variables.index");
            assertThat(e.exitCode()).isEqualTo(4);
        });
    }

    @Test
    void folderWithoutWeightsOrVocabularyIsInvalid() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> BertProvider.load(empty, tmp)).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("backbone-invalid");
            assertThat(e.getMessage()).contains(empty.toString()).contains("variables.index");
        });

        Path folder = savedModelFolder(random(), true, null);
        Files.delete(folder.resolve("assets/vocab.txt"));
        assertThatThrownBy(() -> BertProvider.load(folder, tmp)).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("backbone-invalid");
            assertThat(e.getMessage()).contains("vocab.txt").contains(folder.toString());
        });
    }

    @Test
    void checkpointWithoutBertWeightsIsInvalid() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("other"));
        BertWeights w = weightsOf(random());
        Checkpoints.write(w, folder.resolve("model.ckpt"), "bert/", List.of("pooler/dense/bias"));
        Files.copy(random().vocabularyFile(), folder.resolve("vocab.txt"));
        assertThatThrownBy(() -> BertProvider.load(folder, tmp)).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("backbone-invalid");
            assertThat(e.getMessage()).contains("holds no BERT weights").contains("model.ckpt");
        });
    }

    @Test
    void vocabularyMustMatchTheEmbeddingRows() throws Exception {
        BertBackbone source = random();
        Path folder = checkpointFolder(source);
        List<String> lines = new ArrayList<>(Files.readAllLines(folder.resolve("vocab.txt")));
        lines.add("extra");
        lines.add("tokens");
        Files.write(folder.resolve("vocab.txt"), lines);
        int rows = source.spec().vocabularySize();
        assertThatThrownBy(() -> BertProvider.load(folder, tmp)).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("backbone-vocab-mismatch");
            assertThat(e.getMessage()).contains(String.valueOf(rows + 2)).contains(String.valueOf(rows))
                    .contains(folder.resolve("vocab.txt").toString()).contains(folder.resolve("bert_model.ckpt").toString());
        });
    }

    @Test
    void fingerprintIsCachedByFileSizesAndTimes() throws Exception {
        BertBackbone source = random();
        Path folder = checkpointFolder(source);
        Path cache = tmp.resolve("fp-cache");
        String real = BertProvider.load(folder, cache).fingerprint();
        assertThat(real).isEqualTo(source.fingerprint());
        List<Path> cached;
        try (Stream<Path> s = Files.list(cache.resolve("fingerprints"))) {
            cached = s.toList();
        }
        assertThat(cached).hasSize(1);
        // A planted value under the same key is returned: proof the cache is read rather than recomputed.
        List<String> content = Files.readAllLines(cached.get(0));
        String planted = "bert-L2-H32:sha256:" + "0".repeat(64);
        Files.write(cached.get(0), List.of(content.get(0), planted));
        assertThat(BertProvider.load(folder, cache).fingerprint()).isEqualTo(planted);
        // Touching the checkpoint changes the key: recomputed.
        Path data;
        try (Stream<Path> s = Files.list(folder)) {
            data = s.filter(p -> p.getFileName().toString().startsWith("bert_model.ckpt.data")).findFirst().orElseThrow();
        }
        Files.setLastModifiedTime(data, FileTime.fromMillis(Files.getLastModifiedTime(data).toMillis() - 60_000));
        assertThat(BertProvider.load(folder, cache).fingerprint()).isEqualTo(real);
    }
}
