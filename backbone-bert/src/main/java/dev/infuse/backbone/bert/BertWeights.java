package dev.infuse.backbone.bert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** The weights of one BERT held in Java memory, by canonical name (see {@link BertDims}). */
final class BertWeights {

    /** One weight: its shape and its values in row-major order. */
    record Weight(long[] shape, float[] values) {}

    private final BertDims dims;
    private final Map<String, Weight> weights;

    /** Number of weight values. */
    long parameterCount() {
        return weights.values().stream().mapToLong(w -> w.values().length).sum();
    }

    BertWeights(BertDims dims, Map<String, Weight> weights) {
        this.dims = dims;
        this.weights = Collections.unmodifiableMap(new TreeMap<>(weights));
        for (String name : dims.weightNames(hasMlmHead())) {
            Weight w = weights.get(name);
            if (w == null) {
                throw new IllegalArgumentException("missing weight " + name);
            }
            if (!Arrays.equals(w.shape(), dims.shapeOf(name))) {
                throw new IllegalArgumentException("weight " + name + " has shape " + Arrays.toString(w.shape())
                        + " but " + Arrays.toString(dims.shapeOf(name)) + " was expected");
            }
        }
    }

    BertDims dims() {
        return dims;
    }

    boolean hasMlmHead() {
        return weights.containsKey(BertDims.MLM_HEAD.get(0));
    }

    /** The weight with this canonical name, or null. */
    Weight get(String name) {
        return weights.get(name);
    }

    /**
     * Folder of a layer's fused query/key/value product: {@code <layer>/attention/self/query_key_value/}
     * with {@code kernel} {@code [H, 3H]} (the query, key and value kernels side by side) and
     * {@code bias} {@code [3H]}, built from the loaded weights when the graph is assigned. When
     * {@code 1/sqrt(head size)} is a power of two (BERT-base: 1/8), it is folded into the query part,
     * which is exact in fp32 and in bf16, and the attention scores need no scaling.
     */
    static final String FUSED_QKV = "attention/self/query_key_value/";

    /** The factor the fused query weights already carry (1 when the scale could not be folded exactly). */
    float foldedQueryScale() {
        return queryScale(dims.hidden() / dims.heads());
    }

    /** {@code 1/sqrt(d)} if it is a power of two, else 1. */
    static float queryScale(int headSize) {
        float s = (float) (1 / Math.sqrt(headSize));
        return s == Math.scalb(1f, Math.getExponent(s)) ? s : 1f;
    }

    /** The shape of a weight derived at load time (see {@link #FUSED_QKV}), or null if none has this name. */
    long[] derivedShape(String name) {
        int at = name.indexOf(FUSED_QKV);
        if (at < 0 || weights.get(name.substring(0, at) + "attention/self/query/kernel") == null) {
            return null;
        }
        String leaf = name.substring(at + FUSED_QKV.length());
        int h = dims.hidden();
        return switch (leaf) {
            case "kernel" -> new long[] {h, 3L * h};
            case "bias" -> new long[] {3L * h};
            default -> null;
        };
    }

    /** The values of a weight derived at load time, computed now (row-major). */
    float[] derivedValues(String name) {
        int at = name.indexOf(FUSED_QKV);
        String self = name.substring(0, at) + "attention/self/";
        boolean kernel = name.endsWith("/kernel");
        String leaf = kernel ? "/kernel" : "/bias";
        float[][] parts = {weights.get(self + "query" + leaf).values(), weights.get(self + "key" + leaf).values(),
            weights.get(self + "value" + leaf).values()};
        float scale = foldedQueryScale();
        int h = dims.hidden();
        int rows = kernel ? h : 1;
        float[] out = new float[rows * 3 * h];
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < 3; p++) {
                for (int c = 0; c < h; c++) {
                    float v = parts[p][r * h + c];
                    out[r * 3 * h + p * h + c] = p == 0 ? v * scale : v;
                }
            }
        }
        return out;
    }

    /** Sorted canonical names. */
    java.util.Set<String> names() {
        return weights.keySet();
    }

    /**
     * {@code bert-L<layers>-H<hidden>:sha256:<hex>}, the SHA-256 over every weight in name order:
     * its UTF-8 name, a zero byte, its rank and dimensions (big-endian 64-bit), then its floats
     * (little-endian IEEE 754).
     */
    String computeFingerprint() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, Weight> e : weights.entrySet()) {
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            long[] shape = e.getValue().shape();
            ByteBuffer header = ByteBuffer.allocate(8 * (shape.length + 1)).order(ByteOrder.BIG_ENDIAN);
            header.putLong(shape.length);
            for (long d : shape) {
                header.putLong(d);
            }
            sha.update(header.array());
            float[] v = e.getValue().values();
            int i = 0;
            while (i < v.length) {
                buf.clear();
                int n = Math.min(v.length - i, buf.capacity() / 4);
                buf.asFloatBuffer().put(v, i, n);
                sha.update(buf.array(), 0, n * 4);
                i += n;
            }
        }
        return dims.label() + ":sha256:" + HexFormat.of().formatHex(sha.digest());
    }
}
