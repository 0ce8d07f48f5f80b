package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.testkit.CiAssumptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code infuse} launcher drops TensorFlow's native absl lines ({@code I0000 ...},
 * {@code W0000 ...}, which ignore {@code TF_CPP_MIN_LOG_LEVEL}) from standard error unless
 * {@code --verbose} is given, keeps every other line and the command's exit status. Runs the real
 * script against a stand-in {@code java} on the PATH that prints what TensorFlow prints.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    static final String ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR";
    static final String MLIR = "I0000 00:00:1733456789.123456   12345 mlir_graph_optimization_pass.cc:401] MLIR V1 optimization pass is not enabled";
    static final String COST = "W0000 00:00:1733456789.223456   12346 op_level_cost_estimator.cc:699] Error in PredictCost() for the op: op: \"Softmax\"";

    record Ran(int exit, String out, String err) {}

    /** Starts the real launcher of a checkout laid out in {@code tmp}, with a stand-in java running {@code javaScript}. */
    Process start(String javaScript, String... args) throws Exception {
        return startWithPath(null, javaScript, args);
    }

    /** As {@link #start(String, String...)}, with {@code path} as the whole PATH after the stand-in java's folder (null: the inherited one). */
    Process startWithPath(String path, String javaScript, String... args) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("checkout"));
        Files.copy(Path.of("..", "infuse"), home.resolve("infuse"));
        Files.createDirectories(home.resolve("cli/target"));
        Files.createFile(home.resolve("cli/target/infuse-cli-0.jar"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\n" + javaScript);
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder(new java.util.ArrayList<>(List.of("bash", home.resolve("infuse").toString())));
        pb.command().addAll(List.of(args));
        pb.environment().put("PATH", bin + ":" + (path == null ? System.getenv("PATH") : path));
        pb.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        return pb.start();
    }

    Ran launch(String... args) throws Exception {
        Process p = start("echo 'P@1 42.00'\necho '" + ABSL_NOTICE + "' >&2\necho '" + MLIR + "' >&2\n"
                + "echo '" + COST.replace("'", "") + "' >&2\necho 'error[data-format]: f.json:3: bad record' >&2\nexit 2\n", args);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Ran r = new Ran(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
        Files.walk(tmp).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        Files.createDirectories(tmp);
        return r;
    }

    static boolean perlAvailable() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("perl", "-e", "exit 0").start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void withoutPerlTheCommandRunsUnfilteredAndKeepsItsExitStatus() throws Exception {
        // A PATH with the tools the launcher uses, and no perl.
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        for (String t : List.of("dirname", "ls", "grep", "head", "cat", "sh")) {
            for (String dir : List.of("/usr/bin", "/bin")) {
                Path exe = Path.of(dir, t);
                if (Files.isExecutable(exe) && !Files.exists(tools.resolve(t))) {
                    Files.createSymbolicLink(tools.resolve(t), exe);
                }
            }
        }
        Process p = startWithPath(tools.toString(), "echo 'P@1 42.00'\necho '" + MLIR + "' >&2\nexit 3\n", "probe");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(Files.readString(tmp.resolve("out.txt"))).isEqualTo("P@1 42.00\n");
        assertThat(Files.readString(tmp.resolve("err.txt"))).as("no filter without perl").isEqualTo(MLIR + "\n");
    }

    @Test
    void aProgressBarsUpdatesPassAtOnceThoughTheyEndInACarriageReturn() throws Exception {
        CiAssumptions.assumeOrFailInCi(perlAvailable(), "perl is not on the PATH: the launcher runs without its filter");
        // A bar's update ends in \r: a line-based filter would hold it until the next newline, here 8 s later.
        Process p = start("printf 'epoch 1/2  10%% [=   ] 1/10 ex\\r' >&2\nsleep 8\n"
                + "printf '" + MLIR + "\\nepoch 1/2 100%% [====] 10/10 ex\\r\\nINFO Trainer - epoch 1: loss 0.5\\n' >&2\n", "train");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
            String err = "";
            while (System.nanoTime() < deadline && !err.contains("10%")) {
                Thread.sleep(100);
                err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8);
            }
            assertThat(err).as("the update, while the command still runs").isEqualTo("epoch 1/2  10% [=   ] 1/10 ex\r");
            assertThat(p.isAlive()).isTrue();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8)).as("the native line dropped, the rest kept")
                    .isEqualTo("epoch 1/2  10% [=   ] 1/10 ex\repoch 1/2 100% [====] 10/10 ex\r\nINFO Trainer - epoch 1: loss 0.5\n");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void nativeLogLinesAreDroppedByDefaultAndShownWithVerbose() throws Exception {
        CiAssumptions.assumeOrFailInCi(perlAvailable(), "perl is not on the PATH: the launcher runs without its filter");
        Ran quiet = launch("probe", "--out", "x");
        assertThat(quiet.exit()).isEqualTo(2);
        assertThat(quiet.out()).isEqualTo("P@1 42.00\n");
        assertThat(quiet.err()).isEqualTo("error[data-format]: f.json:3: bad record\n");

        Ran verbose = launch("probe", "--out", "x", "--verbose");
        assertThat(verbose.exit()).isEqualTo(2);
        assertThat(verbose.err()).contains(ABSL_NOTICE, MLIR, "W0000 00:00:1733456789.223456", "error[data-format]");
    }
}
