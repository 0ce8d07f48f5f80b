package dev.infuse.internal.graph;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;

/**
 * Where one training step's time goes, by kernel: {@code -Dinfuse.traceStep=N} traces step N (TensorFlow's
 * full trace) and logs the kernels' summed wall time by op type, with their share. A developer's measuring
 * tool (docs/BENCHMARKS.md); kernels that run concurrently are each counted, so shares compare op types.
 */
final class StepProfile {
    private static final Logger LOG = LoggerFactory.getLogger(StepProfile.class);

    private StepProfile() {}

    static void log(RunMetadata metadata) {
        Map<String, long[]> byOp = new HashMap<>();
        long total = 0;
        for (var device : metadata.getStepStats().getDevStatsList()) {
            for (NodeExecStats n : device.getNodeStatsList()) {
                String label = n.getTimelineLabel();
                int eq = label.indexOf(" = ");
                int paren = label.indexOf('(', Math.max(eq, 0));
                String op = eq >= 0 && paren > eq ? label.substring(eq + 3, paren) : n.getNodeName();
                long us = n.getAllEndRelMicros();
                long[] v = byOp.computeIfAbsent(op, k -> new long[2]);
                v[0] += us;
                v[1]++;
                total += us;
            }
        }
        final long sum = Math.max(1, total);
        StringBuilder s = new StringBuilder("step profile (kernel time by op type, ms, share, kernels):");
        byOp.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0])).limit(25)
                .forEach(e -> s.append(String.format(java.util.Locale.ROOT, "%n  %-28s %9.1f %5.1f%% %6d", e.getKey(), e.getValue()[0] / 1e3,
                        100.0 * e.getValue()[0] / sum, e.getValue()[1])));
        s.append(String.format(java.util.Locale.ROOT, "%n  %-28s %9.1f", "all kernels", total / 1e3));
        LOG.info(s.toString());
    }
}
