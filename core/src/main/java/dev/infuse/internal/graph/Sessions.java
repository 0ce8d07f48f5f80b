package dev.infuse.internal.graph;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * Creates the sessions of composed models. TensorFlow's defaults (as many inter-op and intra-op threads as
 * cores) apply unless {@code -Dinfuse.interOpThreads=N} or {@code -Dinfuse.intraOpThreads=N} set them, for
 * measurements of thread layouts (docs/BENCHMARKS.md).
 */
public final class Sessions {
    private Sessions() {}

    public static Session create(Graph graph) {
        Integer inter = Integer.getInteger("infuse.interOpThreads");
        Integer intra = Integer.getInteger("infuse.intraOpThreads");
        if (inter == null && intra == null) {
            return new Session(graph);
        }
        ConfigProto.Builder c = ConfigProto.newBuilder();
        if (inter != null) {
            c.setInterOpParallelismThreads(inter);
        }
        if (intra != null) {
            c.setIntraOpParallelismThreads(intra);
        }
        return new Session(graph, c.build());
    }
}
