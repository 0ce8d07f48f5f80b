package dev.infuse.bench;

import dev.infuse.api.Batch;
import dev.infuse.api.Batches;
import dev.infuse.api.ComposedModel;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.TokenizedText;
import java.util.List;
import org.tensorflow.Result;

/** Many consecutive inference calls: the resident set must not grow (no leaked tensors or sessions). */
final class MemoryBench {
    private MemoryBench() {}

    /** VmRSS in MiB after the first call, after {@code settle} calls, and after the last. */
    record Figures(int calls, double first, double settled, int settle, double last) {}

    static Figures run(Backbone backbone, int calls) {
        int settle = Math.min(200, calls);
        double first = 0;
        double settled = 0;
        double last = 0;
        List<TokenizedText> texts = List.of(backbone.tokenizer().encode("the quick brown fox jumps over the lazy dog ."),
                backbone.tokenizer().encode("a short one"));
        try (ComposedModel model = ComposedModel.builder(backbone).build()) {
            for (int i = 1; i <= calls; i++) {
                // A fresh batch every call, as a service would build one per request.
                try (Batch batch = Batches.standard(texts, backbone.tokenizer().padId());
                        Result r = model.run(batch, List.of(model.sequenceOutput()))) {
                    r.get(0);
                }
                if (i == 1) {
                    first = Machine.statusMiB("VmRSS");
                }
                if (i == settle) {
                    settled = Machine.statusMiB("VmRSS");
                }
                if (i == calls) {
                    last = Machine.statusMiB("VmRSS");
                }
                if (i % 500 == 0) {
                    System.out.printf("  %d calls, VmRSS %.1f MiB%n", i, Machine.statusMiB("VmRSS"));
                }
            }
        }
        return new Figures(calls, first, settled, settle, last);
    }
}
