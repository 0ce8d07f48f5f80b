package dev.infuse.cli;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.api.Infuse;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.TokenizedText;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code infuse encode}: tokenises texts, runs the frozen backbone and prints each token with its
 * character span and the norm of its last-layer vector; for every {@code [MASK]} it prints the MLM
 * head's top predictions.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = {"Encode texts with the frozen backbone; predict [MASK] tokens.",
            "Example: infuse encode \"the capital of france is [MASK].\""})
final class EncodeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--backbone", defaultValue = "bert", description = "Backbone plugin (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--precision", paramLabel = "P",
            description = "Number format of the frozen backbone's products: fp32, bf16 or auto (bf16 on CPUs with avx512_bf16/amx_bf16 or a GPU; default: the backbone's own, auto for bert).")
    String precision;

    @Option(names = "--backbone-path", paramLabel = "DIR",
            description = "Model folder (SavedModel, TF checkpoint or Hugging Face config.json + model.safetensors, with vocab.txt); default: the BERT-base artifact on the class path.")
    String backbonePath;

    @Option(names = "--top", defaultValue = "5", description = "Predictions shown per [MASK] (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--truncate",
            description = "Encode only the first word pieces of a text longer than the backbone's position limit (default: refuse it).")
    boolean truncate;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to encode.")
    List<String> texts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> cfg = new LinkedHashMap<>();
        if (backbonePath != null) {
            cfg.put("path", backbonePath);
        }
        RunOptions.putPrecision(cfg, precision);
        try (Infuse infuse = common.open(spec.commandLine().getErr());
                Backbone b = infuse.createBackbone(backbone, PluginConfig.of("backbone '" + backbone + "'", cfg));
                ComposedModel model = ComposedModel.builder(b).head(new MaskedLmHead(), false).build()) {
            out.printf("backbone %s (%s)%nfingerprint %s%n", b.name(), b.spec().describe(), b.fingerprint());
            var tokenizer = model.tokenizer();
            int limit = b.spec().maxPositions();
            List<TokenizedText> encoded = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                TokenizedText x = tokenizer.encode(texts.get(i));
                if (x.length() > limit) {
                    if (!truncate) {
                        throw new dev.infuse.spi.InfuseException("config-bad-value", "text " + (i + 1) + " has " + x.length()
                                + " word pieces with [CLS] and [SEP]; backbone '" + b.name() + "' takes at most " + limit
                                + " (its position limit); shorten the text or add --truncate");
                    }
                    spec.commandLine().getErr().printf("warning[encode-truncated]: text %d has %d word pieces; only its first %d are encoded "
                            + "(the backbone's position limit, [SEP] kept last)%n", i + 1, x.length(), limit);
                    x = truncated(x, limit, tokenizer.sepId());
                }
                encoded.add(x);
            }
            int time = encoded.stream().mapToInt(TokenizedText::length).max().orElse(0);
            List<int[]> masks = new ArrayList<>();
            for (int i = 0; i < encoded.size(); i++) {
                int[] ids = encoded.get(i).ids();
                for (int t = 0; t < ids.length; t++) {
                    if (ids[t] == tokenizer.maskId()) {
                        masks.add(new int[] {i, t});
                    }
                }
            }
            int[] positions = MaskedLmHead.flatPositions(masks, time);
            try (Batch batch = Batches.standard(encoded, tokenizer.padId())) {
                batch.put("mlm_positions", Batches.ints(positions, positions.length));
                batch.put("mlm_labels", Batches.ints(new int[positions.length], positions.length));
                var probs = model.headOutputs().orElseThrow().outputs().get("probabilities");
                try (Result r = model.run(batch, List.of(model.sequenceOutput(), probs))) {
                    TFloat32 seq = (TFloat32) r.get(0);
                    TFloat32 p = (TFloat32) r.get(1);
                    int m = 0;
                    for (int i = 0; i < encoded.size(); i++) {
                        TokenizedText x = encoded.get(i);
                        out.printf("%n[%d] %s%n", i + 1, texts.get(i));
                        for (int t = 0; t < x.length(); t++) {
                            double norm = 0;
                            for (int k = 0; k < b.spec().hiddenSize(); k++) {
                                float v = seq.getFloat(i, t, k);
                                norm += v * v;
                            }
                            out.printf("  %3d %-14s [%d,%d) |h|=%.3f%n", t, x.tokens()[t], x.charStart()[t], x.charEnd()[t], Math.sqrt(norm));
                            if (x.ids()[t] == tokenizer.maskId()) {
                                out.printf("      [MASK] -> %s%n", topK(p, m++, tokenizer));
                            }
                        }
                    }
                }
            }
            return 0;
        }
    }

    /** The first {@code limit} word pieces of {@code x}, the last of them replaced by [SEP]. */
    static TokenizedText truncated(TokenizedText x, int limit, int sepId) {
        int[] ids = java.util.Arrays.copyOf(x.ids(), limit);
        int[] types = java.util.Arrays.copyOf(x.typeIds(), limit);
        String[] tokens = java.util.Arrays.copyOf(x.tokens(), limit);
        int[] starts = java.util.Arrays.copyOf(x.charStart(), limit);
        int[] ends = java.util.Arrays.copyOf(x.charEnd(), limit);
        int last = limit - 1;
        ids[last] = sepId;
        tokens[last] = x.tokens()[x.length() - 1];
        starts[last] = x.charStart()[x.length() - 1];
        ends[last] = x.charEnd()[x.length() - 1];
        return new TokenizedText(ids, types, tokens, starts, ends);
    }

    private String topK(TFloat32 p, int row, dev.infuse.spi.Tokenizer tokenizer) {
        int v = (int) p.shape().size(1);
        Integer[] idx = new Integer[v];
        for (int i = 0; i < v; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, c) -> Float.compare(p.getFloat(row, c), p.getFloat(row, a)));
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < Math.min(top, v); k++) {
            s.append(k > 0 ? ", " : "").append(tokenizer.token(idx[k])).append(String.format(" %.3f", p.getFloat(row, idx[k])));
        }
        return s.toString();
    }
}
