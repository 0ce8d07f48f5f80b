package dev.infuse.backbone.bert;

import dev.infuse.spi.BackboneSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The sizes of one BERT and the canonical names and shapes of its weights. Canonical names are
 * BERT's variable names without the {@code bert/} (or {@code module/bert/}) prefix, e.g.
 * {@code encoder/layer_3/attention/self/query/kernel}; the masked-LM head keeps its {@code cls/}
 * prefix.
 */
record BertDims(int layers, int hidden, int heads, int intermediate, int vocab, int positions, int typeVocab) {

    BertDims {
        if (layers <= 0 || hidden <= 0 || heads <= 0 || intermediate <= 0 || vocab <= 0 || positions <= 0
                || typeVocab <= 0) {
            throw new IllegalArgumentException("BERT sizes must be positive: " + describe(layers, hidden, heads,
                    intermediate, vocab, positions));
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of " + heads + " heads");
        }
    }

    /** Names of the weights that make up the masked-LM head (absent from some fine-tuned checkpoints). */
    static final List<String> MLM_HEAD = List.of("cls/predictions/transform/dense/kernel",
            "cls/predictions/transform/dense/bias", "cls/predictions/transform/LayerNorm/gamma",
            "cls/predictions/transform/LayerNorm/beta", "cls/predictions/output_bias");

    private static final String[] LAYER_WEIGHTS = {
        "attention/self/query/kernel", "attention/self/query/bias",
        "attention/self/key/kernel", "attention/self/key/bias",
        "attention/self/value/kernel", "attention/self/value/bias",
        "attention/output/dense/kernel", "attention/output/dense/bias",
        "attention/output/LayerNorm/gamma", "attention/output/LayerNorm/beta",
        "intermediate/dense/kernel", "intermediate/dense/bias",
        "output/dense/kernel", "output/dense/bias",
        "output/LayerNorm/gamma", "output/LayerNorm/beta",
    };

    /** Every canonical weight name, in a stable order. */
    List<String> weightNames(boolean withMlmHead) {
        List<String> names = new ArrayList<>(List.of("embeddings/word_embeddings", "embeddings/position_embeddings",
                "embeddings/token_type_embeddings", "embeddings/LayerNorm/gamma", "embeddings/LayerNorm/beta"));
        for (int i = 0; i < layers; i++) {
            for (String w : LAYER_WEIGHTS) {
                names.add("encoder/layer_" + i + "/" + w);
            }
        }
        names.add("pooler/dense/kernel");
        names.add("pooler/dense/bias");
        if (withMlmHead) {
            names.addAll(MLM_HEAD);
        }
        return names;
    }

    /** The shape a weight must have for these sizes. */
    long[] shapeOf(String name) {
        if (name.equals("embeddings/word_embeddings")) {
            return new long[] {vocab, hidden};
        }
        if (name.equals("embeddings/position_embeddings")) {
            return new long[] {positions, hidden};
        }
        if (name.equals("embeddings/token_type_embeddings")) {
            return new long[] {typeVocab, hidden};
        }
        if (name.equals("cls/predictions/output_bias")) {
            return new long[] {vocab};
        }
        if (name.endsWith("intermediate/dense/kernel")) {
            return new long[] {hidden, intermediate};
        }
        if (name.endsWith("intermediate/dense/bias")) {
            return new long[] {intermediate};
        }
        if (name.matches("encoder/layer_\\d+/output/dense/kernel")) {
            return new long[] {intermediate, hidden};
        }
        if (name.endsWith("/kernel")) {
            return new long[] {hidden, hidden};
        }
        return new long[] {hidden};
    }

    BackboneSpec spec() {
        return new BackboneSpec("bert", layers, hidden, heads, intermediate, vocab, positions);
    }

    /** Architecture label used in fingerprints, e.g. {@code bert-L12-H768}. */
    String label() {
        return "bert-L" + layers + "-H" + hidden;
    }

    private static String describe(int l, int h, int a, int i, int v, int p) {
        return "L" + l + " H" + h + " A" + a + " I" + i + " V" + v + " P" + p;
    }
}
