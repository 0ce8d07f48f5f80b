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
