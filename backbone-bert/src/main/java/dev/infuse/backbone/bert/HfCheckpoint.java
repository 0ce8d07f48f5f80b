package dev.infuse.backbone.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.SafeTensors;
import dev.infuse.api.TensorData;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BERT checkpoint folder in the Hugging Face layout: {@code config.json}, {@code model.safetensors}
 * and {@code vocab.txt} (optionally {@code tokenizer_config.json}). Tensor names are mapped onto the
 * canonical (Google) names of {@link BertDims}: {@code bert.encoder.layer.N.attention.self.query.weight}
 * becomes {@code encoder/layer_N/attention/self/query/kernel}, transposed, because a PyTorch
 * {@code Linear} stores {@code [out, in]} where TensorFlow's kernel is {@code [in, out]}. The sizes of
 * {@code config.json} must agree with the tensors' shapes, and architectures this graph does not
 * compute (another {@code model_type}, activation, position embedding type, decoder) are refused
 * naming the key.
 */
final class HfCheckpoint {
    static final String CONFIG = "config.json";
    static final String WEIGHTS = "model.safetensors";

    private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)");
    /** Buffers and heads the frozen encoder does not use. */
    private static final Pattern IGNORED = Pattern.compile(
            "embeddings\\.position_ids|cls\\.seq_relationship\\..*|cls\\.predictions\\.decoder\\..*");
    /** Activations computed by the graph's GELU (the tanh form of Google's BERT; exact "gelu" differs by < 1e-3). */
    private static final Set<String> GELU = Set.of("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast");

    private HfCheckpoint() {}

    /** Whether {@code folder} holds a Hugging Face checkpoint ({@code config.json} and {@code model.safetensors}). */
    static boolean isHfFolder(Path folder) {
        return Files.isRegularFile(folder.resolve(CONFIG)) && Files.isRegularFile(folder.resolve(WEIGHTS));
    }

    /** The model read from an HF folder. */
    record Model(BertWeights weights, Path vocabulary, Boolean lowercase, BertLoader.ModelFiles files) {}

    static Model read(Path folder) {
        Path configFile = folder.resolve(CONFIG);
        JsonNode config = json(configFile);
        checkArchitecture(config, configFile);
        Path vocab = folder.resolve("vocab.txt");
        if (!Files.isRegularFile(vocab)) {
            throw new InfuseException("backbone-invalid", "Hugging Face model folder " + folder + " has no " + vocab.getFileName()
                    + ": expected BERT's WordPiece vocabulary beside " + CONFIG + " (a tokenizer.json alone is not read)");
        }
        SafeTensorFile file = SafeTensors.read(folder.resolve(WEIGHTS));
        Map<String, BertWeights.Weight> weights = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        int layers = 0;
        for (Map.Entry<String, TensorData> e : file.tensors().entrySet()) {
            String name = e.getKey();
            String bare = name.startsWith("bert.") ? name.substring("bert.".length()) : name;
            if (IGNORED.matcher(bare).matches()) {
                continue;
            }
            String canonical = canonical(bare);
            if (canonical == null) {
                unknown.add(name);
                continue;
            }
            Matcher m = LAYER.matcher(bare);
            if (m.matches()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
            TensorData t = e.getValue();
            boolean linear = canonical.endsWith("/kernel");
            if (linear && t.rank() != 2) {
                throw new InfuseException("backbone-invalid", folder.resolve(WEIGHTS) + ": tensor '" + name + "' has rank " + t.rank()
                        + "; expected a [out, in] matrix");
            }
            float[] values = t.floats();
            long[] shape = t.shape();
            if (linear) {
                values = transpose(values, (int) shape[0], (int) shape[1]);
                shape = new long[] {shape[1], shape[0]};
            }
            if (weights.put(canonical, new BertWeights.Weight(shape, values)) != null) {
                throw new InfuseException("backbone-invalid", folder.resolve(WEIGHTS) + ": tensor '" + name
                        + "' appears twice (with and without the 'bert.' prefix, or in the old and new LayerNorm names)");
            }
        }
        if (!unknown.isEmpty()) {
            throw new InfuseException("backbone-invalid", folder.resolve(WEIGHTS) + ": tensors a BERT does not have: "
                    + unknown.subList(0, Math.min(5, unknown.size())) + (unknown.size() > 5 ? " and " + (unknown.size() - 5) + " more" : "")
                    + "; expected BertModel/BertForMaskedLM/BertForPreTraining names (bert.embeddings..., bert.encoder.layer.N..., cls.predictions...)");
        }
        BertWeights.Weight word = weights.get("embeddings/word_embeddings");
        if (word == null || layers == 0) {
            throw new InfuseException("backbone-invalid", folder.resolve(WEIGHTS) + " holds no BERT weights: expected "
                    + "bert.embeddings.word_embeddings.weight and bert.encoder.layer.0...");
        }
        int hidden = (int) word.shape()[1];
        if (!weights.containsKey("pooler/dense/kernel")) {
            // BertForMaskedLM checkpoints carry no pooler; Infuse's task heads read token states, not the pooled output.
            weights.put("pooler/dense/kernel", new BertWeights.Weight(new long[] {hidden, hidden}, new float[hidden * hidden]));
            weights.put("pooler/dense/bias", new BertWeights.Weight(new long[] {hidden}, new float[hidden]));
        }
        BertWeights.Weight pos = weights.get("embeddings/position_embeddings");
        BertWeights.Weight type = weights.get("embeddings/token_type_embeddings");
        BertWeights.Weight mid = weights.get("encoder/layer_0/intermediate/dense/kernel");
        if (pos == null || type == null || mid == null) {
            throw new InfuseException("backbone-invalid", folder.resolve(WEIGHTS) + ": missing "
                    + (pos == null ? "bert.embeddings.position_embeddings.weight" : type == null
                            ? "bert.embeddings.token_type_embeddings.weight" : "bert.encoder.layer.0.intermediate.dense.weight"));
        }
        int heads = size(config, "num_attention_heads", configFile);
        BertDims dims;
        try {
            dims = new BertDims(layers, hidden, heads, (int) mid.shape()[1], (int) word.shape()[0], (int) pos.shape()[0],
                    (int) type.shape()[0]);
        } catch (IllegalArgumentException e) {
            throw new InfuseException("backbone-invalid", configFile + ": " + e.getMessage(), e);
        }
        agree(config, configFile, "hidden_size", dims.hidden());
        agree(config, configFile, "num_hidden_layers", dims.layers());
        agree(config, configFile, "intermediate_size", dims.intermediate());
        agree(config, configFile, "max_position_embeddings", dims.positions());
        agree(config, configFile, "vocab_size", dims.vocab());
        agree(config, configFile, "type_vocab_size", dims.typeVocab());
        BertWeights loaded;
        try {
            loaded = new BertWeights(dims, weights);
        } catch (IllegalArgumentException e) {
            throw new InfuseException("backbone-invalid", folder.resolve(WEIGHTS) + " is not a consistent BERT: " + e.getMessage()
                    + " (in Google's names; Hugging Face Linear weights are transposed on reading)", e);
        }
        return new Model(loaded, vocab, lowercase(folder), new BertLoader.ModelFiles(folder, folder.resolve("model"), vocab, configFile));
    }

    /** A {@code config.json} beside TensorFlow weights: checked like an HF folder's when it names a {@code model_type}. */
    static void checkArchitectureIfHf(Path configFile) {
        JsonNode config = json(configFile);
        if (config.has("model_type")) {
            checkArchitecture(config, configFile);
        }
    }

    /** Refuses what this graph does not compute, naming the key of {@code config.json}. */
    static void checkArchitecture(JsonNode config, Path file) {
        String type = text(config, "model_type");
        if (type == null || !type.equals("bert")) {
            throw unsupported(file, "model_type", type, "\"bert\" (RoBERTa, DistilBERT, ALBERT, ... have other weights or "
                    + "tokenizers)");
        }
        String act = text(config, "hidden_act");
        if (act != null && !GELU.contains(act)) {
            throw unsupported(file, "hidden_act", act, "a GELU (gelu, gelu_new, gelu_pytorch_tanh)");
        }
        String position = text(config, "position_embedding_type");
        if (position != null && !position.equals("absolute")) {
            throw unsupported(file, "position_embedding_type", position, "\"absolute\"");
        }
        for (String flag : new String[] {"is_decoder", "add_cross_attention"}) {
            if (config.path(flag).asBoolean(false)) {
                throw unsupported(file, flag, "true", "false (an encoder)");
            }
        }
        if (config.has("layer_norm_eps") && Math.abs(config.get("layer_norm_eps").asDouble() - 1e-12) > 1e-15) {
            throw unsupported(file, "layer_norm_eps", config.get("layer_norm_eps").asText(), "1e-12 (BERT's)");
        }
    }

    private static InfuseException unsupported(Path file, String key, String value, String expected) {
        return new InfuseException("backbone-unsupported", file + ": key '" + key + "' is " + (value == null ? "absent" : "\"" + value + "\"")
                + "; the bert backbone supports only " + expected);
    }

    /** {@code do_lower_case} of {@code tokenizer_config.json}, or null when absent. */
    static Boolean lowercase(Path folder) {
        Path tok = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(tok)) {
            return null;
        }
        JsonNode json = json(tok);
        return json.has("do_lower_case") ? json.get("do_lower_case").asBoolean() : null;
    }

    /** The canonical name of an HF tensor name without its {@code bert.} prefix, or null if BERT has no such weight. */
    static String canonical(String bare) {
        Matcher m = LAYER.matcher(bare);
        if (m.matches()) {
            String inner = layerPart(m.group(2));
            return inner == null ? null : "encoder/layer_" + m.group(1) + "/" + inner;
        }
        return switch (bare) {
            case "embeddings.word_embeddings.weight" -> "embeddings/word_embeddings";
            case "embeddings.position_embeddings.weight" -> "embeddings/position_embeddings";
            case "embeddings.token_type_embeddings.weight" -> "embeddings/token_type_embeddings";
            case "embeddings.LayerNorm.weight", "embeddings.LayerNorm.gamma" -> "embeddings/LayerNorm/gamma";
            case "embeddings.LayerNorm.bias", "embeddings.LayerNorm.beta" -> "embeddings/LayerNorm/beta";
            case "pooler.dense.weight" -> "pooler/dense/kernel";
            case "pooler.dense.bias" -> "pooler/dense/bias";
            case "cls.predictions.transform.dense.weight" -> "cls/predictions/transform/dense/kernel";
            case "cls.predictions.transform.dense.bias" -> "cls/predictions/transform/dense/bias";
            case "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.gamma" ->
                    "cls/predictions/transform/LayerNorm/gamma";
            case "cls.predictions.transform.LayerNorm.bias", "cls.predictions.transform.LayerNorm.beta" ->
                    "cls/predictions/transform/LayerNorm/beta";
            case "cls.predictions.bias" -> "cls/predictions/output_bias";
            default -> null;
        };
    }

    private static String layerPart(String rest) {
        for (String block : new String[] {"attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense"}) {
            if (rest.equals(block + ".weight")) {
                return block.replace('.', '/') + "/kernel";
            }
            if (rest.equals(block + ".bias")) {
                return block.replace('.', '/') + "/bias";
            }
        }
        for (String norm : new String[] {"attention.output.LayerNorm", "output.LayerNorm"}) {
            if (rest.equals(norm + ".weight") || rest.equals(norm + ".gamma")) {
                return norm.replace('.', '/') + "/gamma";
            }
            if (rest.equals(norm + ".bias") || rest.equals(norm + ".beta")) {
                return norm.replace('.', '/') + "/beta";
            }
        }
        return null;
    }

    static float[] transpose(float[] v, int rows, int cols) {
        float[] t = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = v[r * cols + c];
            }
        }
        return t;
    }

    private static void agree(JsonNode config, Path file, String key, int actual) {
        if (config.has(key) && config.get(key).asInt() != actual) {
            throw new InfuseException("backbone-invalid", file + ": key '" + key + "' is " + config.get(key).asText()
                    + " but the weights in " + WEIGHTS + " have " + actual);
        }
    }

    private static int size(JsonNode config, String key, Path file) {
        JsonNode n = config.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new InfuseException("backbone-invalid", file + ": key '" + key + "' is " + (n == null ? "absent" : n.toString())
                    + "; expected a positive integer");
        }
        return n.asInt();
    }

    private static String text(JsonNode config, String key) {
        JsonNode n = config.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static JsonNode json(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new InfuseException("backbone-invalid", file + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every tensor name this loader understands, for messages and tests. */
    static Set<String> hfNames(BertDims dims, boolean withHead) {
        Set<String> names = new TreeSet<>();
        for (String c : dims.weightNames(withHead)) {
            names.add(hfName(c));
        }
        return names;
    }

    /** The Hugging Face name ({@code BertForPreTraining}) of a canonical weight name. */
    static String hfName(String canonical) {
        if (canonical.equals("cls/predictions/output_bias")) {
            return "cls.predictions.bias";
        }
        String n = canonical.replaceFirst("^encoder/layer_(\\d+)/", "encoder.layer.$1.").replace('/', '.')
                .replaceAll("\\.kernel$", ".weight").replaceAll("\\.gamma$", ".weight").replaceAll("\\.beta$", ".bias");
        if (n.endsWith("word_embeddings") || n.endsWith("position_embeddings") || n.endsWith("token_type_embeddings")) {
            n += ".weight";
        }
        return n.startsWith("cls.") ? n : "bert." + n;
    }
}
