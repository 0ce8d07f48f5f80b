package dev.infuse.backbone.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.SafeTensors;
import dev.infuse.api.TensorData;
import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny random BERT written by the test in the Hugging Face layout ({@code config.json},
 * {@code model.safetensors} with PyTorch names and {@code [out, in]} Linear weights, {@code vocab.txt})
 * and as a TensorFlow checkpoint loads as the same backbone: same sizes, same fingerprint (hash of
 * every weight under its canonical name) and the same hidden states; unsupported architectures are
 * refused naming the {@code config.json} key.
 */
class HfCheckpointTest {
    @TempDir
    Path tmp;

    BertWeights weights(Path vocab) {
        return RandomBertProvider.randomWeights(new BertDims(2, 32, 2, 48, BertLoader.countLines(vocab), 24, 2), 7);
    }

    static String config(BertDims d, String extra) {
        return "{\"architectures\": [\"BertForMaskedLM\"], \"model_type\": \"bert\", \"hidden_act\": \"gelu\", "
                + "\"hidden_size\": " + d.hidden() + ", \"num_hidden_layers\": " + d.layers() + ", \"num_attention_heads\": " + d.heads()
                + ", \"intermediate_size\": " + d.intermediate() + ", \"max_position_embeddings\": " + d.positions()
                + ", \"vocab_size\": " + d.vocab() + ", \"type_vocab_size\": " + d.typeVocab() + ", \"layer_norm_eps\": 1e-12, "
                + "\"position_embedding_type\": \"absolute\"" + extra + "}";
    }

    /** Writes {@code w} in the Hugging Face layout; {@code prefix} "bert." as BertForPreTraining, "" as BertModel. */
    Path hfFolder(String name, BertWeights w, Path vocab, String prefix, String configExtra) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve(name));
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (String canonical : w.dims().weightNames(true)) {
            BertWeights.Weight x = w.get(canonical);
            String hf = HfCheckpoint.hfName(canonical);
            if (!hf.startsWith("cls.")) {
                hf = prefix + hf.substring("bert.".length());
            }
            if (canonical.endsWith("/kernel")) {
                int in = (int) x.shape()[0];
                int out = (int) x.shape()[1];
                tensors.put(hf, TensorData.f32(HfCheckpoint.transpose(x.values(), in, out), out, in));
            } else {
                tensors.put(hf, TensorData.f32(x.values(), x.shape()));
            }
        }
        // What real checkpoints also hold, and the loader must skip.
        tensors.put(prefix + "embeddings.position_ids", TensorData.i64(new long[w.dims().positions()], 1, w.dims().positions()));
        tensors.put("cls.seq_relationship.bias", TensorData.f32(new float[2], 2));
        SafeTensors.write(folder.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        Files.copy(vocab, folder.resolve("vocab.txt"));
        Files.writeString(folder.resolve("config.json"), config(w.dims(), configExtra));
        return folder;
    }

    Path vocabulary() throws Exception {
        return RandomBertProvider.create(tmp.resolve("cache")).vocabularyFile();
    }

    @Test
    void theSameWeightsInBothLayoutsGiveTheSameBackbone() throws Exception {
        Path vocab = vocabulary();
        BertWeights w = weights(vocab);
        Path hf = hfFolder("hf", w, vocab, "bert.", "");
        Path tf = Files.createDirectories(tmp.resolve("tf"));
        Checkpoints.write(w, tf.resolve("bert_model.ckpt"), "bert/", w.dims().weightNames(true));
        Files.copy(vocab, tf.resolve("vocab.txt"));
        Files.writeString(tf.resolve("bert_config.json"), "{\"num_attention_heads\": 2}");

        BertBackbone fromHf = BertProvider.load(hf, tmp.resolve("cache"));
        BertBackbone fromTf = BertProvider.load(tf, tmp.resolve("cache"));
        assertThat(fromHf.spec()).isEqualTo(fromTf.spec());
        assertThat(fromHf.spec().maxPositions()).isEqualTo(24);
        assertThat(fromHf.spec().intermediateSize()).isEqualTo(48);
        assertThat(fromHf.fingerprint()).isEqualTo(fromTf.fingerprint());
        assertThat(fromHf.hasMaskedLmHead()).isTrue();

        int[][] ids = {{2, 40, 41, 42, 3}, {2, 50, 3, 0, 0}};
        float[] a;
        float[] b;
        try (BertGraph g = new BertGraph(fromHf)) {
            a = g.run(ids, null, List.of(g.states.last())).get(0);
        }
        try (BertGraph g = new BertGraph(fromTf)) {
            b = g.run(ids, null, List.of(g.states.last())).get(0);
        }
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(new float[a.length]);
    }

    @Test
    void bertModelNamesWithoutPrefixAndWithoutAPoolerLoadAndCasedModelsStayCased() throws Exception {
        Path vocab = vocabulary();
        BertWeights w = weights(vocab);
        Path hf = hfFolder("hf-model", w, vocab, "", "");
        Files.delete(hf.resolve("model.safetensors"));
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (String canonical : w.dims().weightNames(false)) {
            if (canonical.startsWith("pooler/")) {
                continue;
            }
            BertWeights.Weight x = w.get(canonical);
            String name = HfCheckpoint.hfName(canonical).substring("bert.".length());
            tensors.put(name, canonical.endsWith("/kernel")
                    ? TensorData.f32(HfCheckpoint.transpose(x.values(), (int) x.shape()[0], (int) x.shape()[1]), x.shape()[1], x.shape()[0])
                    : TensorData.f32(x.values(), x.shape()));
        }
        SafeTensors.write(hf.resolve("model.safetensors"), tensors, Map.of());
        Files.writeString(hf.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
        BertBackbone b = BertProvider.load(hf, tmp.resolve("cache"));
        assertThat(b.hasMaskedLmHead()).isFalse();
        assertThat(b.lowercase()).isFalse();
        assertThat(b.spec().layers()).isEqualTo(2);
    }

    @Test
    void unsupportedArchitecturesAreRefusedNamingTheKey() throws Exception {
        Path vocab = vocabulary();
        BertWeights w = weights(vocab);
        for (String[] c : new String[][] {
            {"roberta", ", \"model_type\": \"roberta\"", "'model_type'"},
            {"relu", ", \"hidden_act\": \"relu\"", "'hidden_act'"},
            {"relative", ", \"position_embedding_type\": \"relative_key\"", "'position_embedding_type'"},
            {"decoder", ", \"is_decoder\": true", "'is_decoder'"}}) {
            Path folder = hfFolder("bad-" + c[0], w, vocab, "bert.", "");
            // A later duplicate key wins in Jackson's tree: the extra value replaces the good one.
            Files.writeString(folder.resolve("config.json"), config(w.dims(), c[1]));
            assertThatThrownBy(() -> BertProvider.load(folder, tmp.resolve("cache"))).isInstanceOfSatisfying(InfuseException.class, e -> {
                assertThat(e.code()).isEqualTo("backbone-unsupported");
                assertThat(e.getMessage()).contains(folder.resolve("config.json").toString(), c[2]);
                assertThat(e.exitCode()).isEqualTo(4);
            });
        }
        Path wrongSize = hfFolder("wrong-size", w, vocab, "bert.", "");
        Files.writeString(wrongSize.resolve("config.json"), config(w.dims(), "").replace("\"intermediate_size\": 48", "\"intermediate_size\": 64"));
        assertThatThrownBy(() -> BertProvider.load(wrongSize, tmp.resolve("cache"))).isInstanceOfSatisfying(InfuseException.class, e -> {
            assertThat(e.code()).isEqualTo("backbone-invalid");
            assertThat(e.getMessage()).contains("'intermediate_size'", "64", "48");
        });
    }
}
