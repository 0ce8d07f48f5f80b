package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the files against the reference implementation, Python's {@code safetensors} package. Runs
 * only where a Python with {@code safetensors} and {@code numpy} is available: the interpreter is
 * {@code $INFUSE_PYTHON}, else {@code python3}.
 */
class SafeTensorsPythonInteropTest {
    @TempDir
    Path dir;

    @Test
    void pythonReadsWhatInfuseWritesAndViceVersa() throws Exception {
        String python = System.getenv().getOrDefault("INFUSE_PYTHON", "python3");
        assumeTrue(run(python, "import safetensors.numpy, numpy").exit == 0, "no Python with safetensors");

        Path javaFile = dir.resolve("java.safetensors");
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("layer_0/down/kernel", TensorData.f32(new float[] {1.5f, -2f, 3.25f, 0f, 1e-30f, 7f}, 2, 3));
        t.put("ids", TensorData.i64(new long[] {1, Long.MAX_VALUE}, 2));
        t.put("n", TensorData.i32(new int[] {-5}, 1));
        t.put("d", TensorData.f64(new double[] {Math.E}));
        SafeTensors.write(javaFile, t, Map.of("format", "infuse"));
        Path pyFile = dir.resolve("py.safetensors");

        Result r = run(python, String.join("\n",
                "import sys, numpy as np",
                "from safetensors.numpy import load_file, save_file",
                "from safetensors import safe_open",
                "t = load_file(sys.argv[1])",
                "assert t['layer_0/down/kernel'].dtype == np.float32 and t['layer_0/down/kernel'].shape == (2, 3)",
                "assert t['layer_0/down/kernel'].tolist() == np.array([[1.5, -2, 3.25], [0, 1e-30, 7]], np.float32).tolist()",
                "assert t['ids'].tolist() == [1, 2**63 - 1] and t['n'].tolist() == [-5] and t['d'].shape == ()",
                "with safe_open(sys.argv[1], 'np') as f: assert f.metadata() == {'format': 'infuse'}",
                "save_file({'b': np.arange(6, dtype=np.float32).reshape(3, 2), 'h': np.array([0.5, -1], np.float16),",
                "           'z': np.zeros((0, 2), np.int32)}, sys.argv[2], metadata={'from': 'python'})",
                "print('ok')"), javaFile.toString(), pyFile.toString());
        assertThat(r.output).as(r.output).contains("ok");
        assertThat(r.exit).isZero();

        SafeTensorFile back = SafeTensors.read(pyFile);
        assertThat(back.metadata()).containsEntry("from", "python");
        assertThat(back.tensor("b")).isEqualTo(TensorData.f32(new float[] {0, 1, 2, 3, 4, 5}, 3, 2));
        assertThat(back.tensor("h").floats()).containsExactly(0.5f, -1f);
        assertThat(back.tensor("z").shape()).containsExactly(0, 2);
    }

    private record Result(int exit, String output) {}

    private static Result run(String python, String script, String... args) throws InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(python, "-c", script));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        }
    }
}
