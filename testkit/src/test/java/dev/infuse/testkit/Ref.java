package dev.infuse.testkit;

import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.types.TFloat32;

/**
 * Plain-Java reference arithmetic (double precision, row-major arrays) for checking graph code:
 * nothing here calls TensorFlow or the project's {@code dev.infuse.nn} code.
 */
final class Ref {
    private Ref() {}

    static float[] floats(Object tensor) {
        TFloat32 t = (TFloat32) tensor;
        float[] out = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(out);
        return out;
    }

    /** {@code x[n, in] @ w[in, out] + b[out]}. */
    static double[] dense(double[] x, int n, int in, int out, float[] w, float[] b) {
        double[] y = new double[n * out];
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    s += x[r * in + i] * w[i * out + o];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    static double[] dense(double[] x, int n, int in, int out, Map<String, float[]> w, String prefix) {
        return dense(x, n, in, out, need(w, prefix + "/kernel"), need(w, prefix + "/bias"));
    }

    static float[] need(Map<String, float[]> w, String name) {
        float[] v = w.get(name);
        if (v == null) {
            throw new AssertionError("no weight '" + name + "' among " + w.keySet());
        }
        return v;
    }

    static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }

    /** Layer normalisation over the last axis of {@code x[n, h]}: (x - mean) / sqrt(var + eps) * gamma + beta. */
    static double[] layerNorm(double[] x, int n, int h, float[] gamma, float[] beta, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < n; r++) {
            double mean = 0;
            for (int j = 0; j < h; j++) {
                mean += x[r * h + j];
            }
            mean /= h;
            double var = 0;
            for (int j = 0; j < h; j++) {
                double d = x[r * h + j] - mean;
                var += d * d;
            }
            var /= h;
            double inv = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < h; j++) {
                y[r * h + j] = (x[r * h + j] - mean) * inv * gamma[j] + beta[j];
            }
        }
        return y;
    }

    /** erf by its Maclaurin series (|x| < 3) or continued fraction; accurate to ~1e-12 where it matters here. */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax > 5) {
            return Math.signum(x);
        }
        // series: erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
        double sum = 0;
        double term = ax;
        for (int n = 0; n < 200; n++) {
            double t = term / (2 * n + 1);
            sum += t;
            if (Math.abs(t) < 1e-17) {
                break;
            }
            term *= -ax * ax / (n + 1);
        }
        return Math.signum(x) * 2 / Math.sqrt(Math.PI) * sum;
    }

    /** GELU, exact form x * Phi(x). */
    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /**
     * One post-norm BERT transformer layer on {@code x[batch, time, h]} with key mask {@code mask[batch, time]}
     * (masked keys get -10000 added to their scores), GELU (erf) and the given layer-norm epsilon.
     * Weight names below {@code prefix}: attention/self/{query,key,value}, attention/output/dense,
     * attention/output/LayerNorm/{gamma,beta}, intermediate/dense, output/dense, output/LayerNorm.
     */
    static double[] transformerLayer(double[] x, float[] mask, int batch, int time, int h, int heads, int inter,
            Map<String, float[]> w, String prefix, double eps) {
        int n = batch * time;
        int d = h / heads;
        double[] q = dense(x, n, h, h, w, prefix + "/attention/self/query");
        double[] k = dense(x, n, h, h, w, prefix + "/attention/self/key");
        double[] v = dense(x, n, h, h, w, prefix + "/attention/self/value");
        double[] ctx = new double[n * h];
        double[] scores = new double[time];
        for (int b = 0; b < batch; b++) {
            for (int hd = 0; hd < heads; hd++) {
                for (int i = 0; i < time; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < time; j++) {
                        double s = 0;
                        for (int c = 0; c < d; c++) {
                            s += q[(b * time + i) * h + hd * d + c] * k[(b * time + j) * h + hd * d + c];
                        }
                        s = s / Math.sqrt(d) + (1 - mask[b * time + j]) * -10000.0;
                        scores[j] = s;
                        max = Math.max(max, s);
                    }
                    double z = 0;
                    for (int j = 0; j < time; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        z += scores[j];
                    }
                    for (int c = 0; c < d; c++) {
                        double s = 0;
                        for (int j = 0; j < time; j++) {
                            s += scores[j] / z * v[(b * time + j) * h + hd * d + c];
                        }
                        ctx[(b * time + i) * h + hd * d + c] = s;
                    }
                }
            }
        }
        double[] a = dense(ctx, n, h, h, w, prefix + "/attention/output/dense");
        a = layerNorm(add(a, x), n, h, need(w, prefix + "/attention/output/LayerNorm/gamma"),
                need(w, prefix + "/attention/output/LayerNorm/beta"), eps);
        double[] mid = dense(a, n, h, inter, w, prefix + "/intermediate/dense");
        for (int i = 0; i < mid.length; i++) {
            mid[i] = gelu(mid[i]);
        }
        double[] y = dense(mid, n, inter, h, w, prefix + "/output/dense");
        return layerNorm(add(y, a), n, h, need(w, prefix + "/output/LayerNorm/gamma"), need(w, prefix + "/output/LayerNorm/beta"), eps);
    }

    /** Random values for every weight of the given shapes: N(0, std), layer-norm gains around 1. */
    static Map<String, float[]> randomWeights(Map<String, long[]> shapes, long seed, double std) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (var e : shapes.entrySet()) {
            long size = 1;
            for (long s : e.getValue()) {
                size *= s;
            }
            float[] v = new float[(int) size];
            boolean gain = e.getKey().endsWith("gamma");
            for (int i = 0; i < v.length; i++) {
                double g = gaussian(r);
                v[i] = (float) (gain ? 1 + 0.3 * g : std * g);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    static double maxAbsDiff(float[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("sizes differ: " + actual.length + " vs " + expected.length);
        }
        double m = 0;
        for (int i = 0; i < actual.length; i++) {
            m = Math.max(m, Math.abs(actual[i] - expected[i]));
        }
        return m;
    }

    static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
