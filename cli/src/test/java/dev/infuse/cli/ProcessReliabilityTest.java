package dev.infuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infuse.api.Artifacts;
import dev.infuse.api.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a separate JVM: exit codes as the shell sees them, and {@code kill -9}
 * ({@link Process#destroyForcibly()}) during training, checkpoint writing and artifact writing never
 * leaves a half-written artifact, checkpoint or metrics file; a restart resumes and completes.
 */
class ProcessReliabilityTest {
    @TempDir
    Path tmp;

    static ProcessBuilder infuse(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), InfuseCli.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
    }

    record Exit(int code, String err, String out) {}

    Exit runToEnd(String... args) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "run");
        Process p = infuse(dir, args).start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("process finished").isTrue();
        return new Exit(p.exitValue(), Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void exitCodesAsTheShellSeesThem() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"P1\": [{\"tokens\": [\"a\"], ");
        Exit data = runToEnd("eval", "--task", "fewrel", "--train", bad.toString(), "--out", tmp.resolve("o1").toString(),
                "--backbone", "bert-random", "--cache", tmp.resolve("cache").toString());
        assertThat(data.code()).as(data.err()).isEqualTo(2);
        assertThat(data.err()).contains("error[data-format]: " + bad + ":1");

        Exit artifact = runToEnd("inspect", tmp.resolve("no-artifact").toString());
        assertThat(artifact.code()).as(artifact.err()).isEqualTo(4);
        assertThat(artifact.err()).contains("error[artifact-missing]");

        Exit usage = runToEnd("train", "--bogus");
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("error[usage]");
    }

    static String fewRel(int perRelation) {
        StringBuilder s = new StringBuilder("{");
        String[][] rel = {{"P1", "cat", "dog"}, {"P2", "house", "tree"}};
        for (int r = 0; r < 2; r++) {
            s.append(r > 0 ? "," : "").append('"').append(rel[r][0]).append("\":[");
            for (int i = 0; i < perRelation; i++) {
                s.append(i > 0 ? "," : "").append("{\"tokens\":[\"the\",\"").append(rel[r][1]).append("\",\"is\",\"near\",\"a\",\"")
                        .append(rel[r][2]).append("\",\"number\",\"").append(i).append("\"],\"h\":[\"").append(rel[r][1])
                        .append("\",\"Q1\",[[1]]],\"t\":[\"").append(rel[r][2]).append("\",\"Q2\",[[5]]]}");
            }
            s.append("]");
        }
        return s.append("}").toString();
    }

    /** Starts a training run and kills it the moment {@code when} holds for the output folder (or at the deadline). */
    void killWhen(Path data, Path out, Predicate<Path> when, long deadlineMillis) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "killed");
        Process p = infuse(dir, trainArgs(data, out)).start();
        long t0 = System.currentTimeMillis();
        while (p.isAlive() && !when.test(out) && System.currentTimeMillis() - t0 < deadlineMillis) {
            Thread.sleep(2);
        }
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertConsistent(out);
    }

    String[] trainArgs(Path data, Path out) {
        return new String[] {"train", "--task", "fewrel", "--train", data.toString(), "--out", out.toString(),
            "--adapter", "factual", "--backbone", "bert-random", "--epochs", "4", "--batch-size", "8", "--max-length", "16",
            "--set", "adapter_size=8", "--set", "heads=2", "--set", "intermediate_size=16", "--set", "adapter_layers=1",
            "--cache", tmp.resolve("cache").toString(), "--plugins", tmp.resolve("plugins").toString()};
    }

    /** Whatever exists is complete: the artifact loads and verifies, the checkpoint reads, metrics.json parses. */
    static void assertConsistent(Path out) throws IOException {
        Path artifact = out.resolve("adapters/factual");
        if (Files.exists(artifact)) {
            assertThat(Artifacts.read(artifact).weights()).isNotEmpty();
        }
        Path checkpoint = out.resolve("checkpoint");
        if (Files.exists(checkpoint)) {
            JsonNode state = new ObjectMapper().readTree(checkpoint.resolve("checkpoint.json").toFile());
            assertThat(state.get("epoch").asInt()).isBetween(1, 4);
            assertThat(SafeTensors.read(checkpoint.resolve("state.safetensors")).tensors()).isNotEmpty();
        }
        Path metrics = out.resolve("metrics.json");
        if (Files.exists(metrics)) {
            assertThat(new ObjectMapper().readTree(metrics.toFile()).get("task").asText()).isEqualTo("fewrel");
        }
    }

    static boolean exists(Path out, String relative) {
        return Files.exists(out.resolve(relative));
    }

    static boolean anyHidden(Path folder, String marker) {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.anyMatch(p -> p.getFileName().toString().contains(marker));
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void killedAtAnyPointTheRunLeavesOnlyCompleteFilesAndResumes() throws Exception {
        Path data = Files.writeString(tmp.resolve("fewrel.json"), fewRel(40));
        Path out = tmp.resolve("out");
        // 1. while the first checkpoint is being written, or right after it appeared
        killWhen(data, out, o -> anyHidden(o, ".checkpoint.tmp-") || exists(o, "checkpoint"), 120_000);
        assertThat(out.resolve("metrics.json")).as("killed before the run finished").doesNotExist();
        // 2. mid-training of a resumed run
        killWhen(data, out, o -> false, 6_000);
        // 3. while the adapter artifact is being written
        killWhen(data, out, o -> anyHidden(o.resolve("adapters"), ".factual.tmp-") || exists(o, "adapters"), 120_000);
        // 4. a last restart completes from the checkpoint
        Exit done = runToEnd(trainArgs(data, out));
        assertThat(done.code()).as(done.err()).isZero();
        assertConsistent(out);
        assertThat(out.resolve("adapters/factual")).isDirectory();
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertThat(metrics.get("epochs")).hasSize(4);
        assertThat(new ObjectMapper().readTree(out.resolve("checkpoint/checkpoint.json").toFile()).get("finished").asBoolean())
                .isTrue();
        try (Stream<Path> left = Files.walk(out)) {
            assertThat(left.filter(p -> p.getFileName().toString().contains(".tmp-")).toList())
                    .as("temp files left behind").isEmpty();
        }
    }

    @Test
    void aStudyCellKilledMidTrainingShowsAsResumableThenResumesAtItsLastEpochAndEndsAsAnUninterruptedOne() throws Exception {
        writeSemEval();
        String study = """
                name: resumed
                backbone: bert-random
                data: %s
                seeds: [1]
                cache: false
                budgets: {default: {epochs: 6, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}}
                tasks: [semeval]
                """.formatted(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("resumed.yaml"), study);
        Path out = tmp.resolve("resumed-out");
        Path checkpoint = out.resolve("cells/baseline/semeval/.seed-1.checkpoint");
        String[] args = {"study", file.toString(), "--out", out.toString(), "--cache", tmp.resolve("cache").toString(),
            "--plugins", tmp.resolve("plugins").toString()};
        Process p = infuse(Files.createTempDirectory(tmp, "study"), args).start();
        long t0 = System.currentTimeMillis();
        ObjectMapper json = new ObjectMapper();
        int epochs = 0;
        while (p.isAlive() && epochs < 2 && System.currentTimeMillis() - t0 < 150_000) { // epoch 2 checkpointed, or more
            Thread.sleep(5);
            try {
                epochs = json.readTree(checkpoint.resolve("training/checkpoint.json").toFile()).get("epoch").asInt();
            } catch (IOException | NullPointerException notYet) {
                epochs = 0;
            }
        }
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(epochs).as("killed after two or more of six epochs were checkpointed").isBetween(2, 5);
        assertThat(out.resolve("cells/baseline/semeval/seed-1/metrics.json")).doesNotExist();
        JsonNode saved = json.readTree(checkpoint.resolve("training/checkpoint.json").toFile());
        int checkpointed = saved.get("epoch").asInt();
        double killedSeconds = saved.get("elapsed_seconds").asDouble(); // the killed process's time and memory so far
        long killedPeak = saved.get("peak_rss_bytes").asLong();
        assertThat(killedSeconds).isPositive();
        assertThat(killedPeak).isPositive();
        Exit status = runToEnd(Stream.concat(java.util.Arrays.stream(args), Stream.of("--status"))
                .toArray(String[]::new));
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out()).as("what a rerun will do, read from the folder alone")
                .containsPattern("study resumed in " + java.util.regex.Pattern.quote(out.toString())
                        + ": 1 step: 1 resumable; ~[0-9]+ (s|min) left \\(estimated from")
                .containsPattern("resumable +baseline/semeval/seed-1 +~[0-9]+ (s|min) left +after epoch " + checkpointed
                        + " of 6 \\(best so far [0-9.]+, epoch [1-6]\\)");

        Exit resumed = runToEnd(args);
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming from").containsPattern("after epoch [2-5] of 6")
                .as("the run starts by saying what is left").contains("study resumed in " + out + ": 1 step: 1 resumable; ~");
        assertThat(checkpoint).as("deleted once the cell is complete").doesNotExist();
        JsonNode after = json.readTree(out.resolve("cells/baseline/semeval/seed-1/metrics.json").toFile());
        // The cell's time and memory count the killed process too.
        assertThat(after.at("/resumed/earlier_seconds").asDouble()).isEqualTo(killedSeconds);
        assertThat(after.get("seconds").asDouble()).isGreaterThan(killedSeconds);
        assertThat(after.get("peak_rss_bytes").asLong()).isGreaterThanOrEqualTo(killedPeak);

        Path fresh = tmp.resolve("fresh-out");
        Exit whole = runToEnd("study", file.toString(), "--out", fresh.toString(), "--cache", tmp.resolve("cache").toString(),
                "--plugins", tmp.resolve("plugins").toString());
        assertThat(whole.code()).as(whole.err()).isZero();
        JsonNode uninterrupted = json.readTree(fresh.resolve("cells/baseline/semeval/seed-1/metrics.json").toFile());
        assertThat(uninterrupted.has("resumed")).isFalse();
        assertThat(after.get("epochs")).hasSize(6);
        assertThat(after.get("metrics")).as("no dropout: the resumed cell ends as the uninterrupted one").isEqualTo(uninterrupted.get("metrics"));
        for (int e = 0; e < 6; e++) {
            assertThat(after.get("epochs").get(e).get("loss").asDouble()).as("epoch " + (e + 1))
                    .isCloseTo(uninterrupted.get("epochs").get(e).get("loss").asDouble(), org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    @Test
    void whileAStudyRunsItsStatusShowsItAndASecondRunIntoItsFolderIsRefused() throws Exception {
        writeSemEval();
        Path file = Files.writeString(tmp.resolve("long.yaml"), """
                name: long
                backbone: bert-random
                data: %s
                seeds: [1]
                cache: false
                budgets: {default: {epochs: 2000, batch_size: 8, lr: 1e-3, max_length: 32, head_dropout: 0}}
                tasks: [semeval]
                """.formatted(tmp.resolve("data")));
        Path out = tmp.resolve("long-out");
        String[] args = {"study", file.toString(), "--out", out.toString(), "--cache", tmp.resolve("cache").toString(),
            "--plugins", tmp.resolve("plugins").toString()};
        Process p = infuse(Files.createTempDirectory(tmp, "study"), args).start();
        try {
            Path checkpoint = out.resolve("cells/baseline/semeval/.seed-1.checkpoint/training/checkpoint.json");
            long t0 = System.currentTimeMillis();
            while (p.isAlive() && !Files.exists(checkpoint) && System.currentTimeMillis() - t0 < 150_000) {
                Thread.sleep(50);
            }
            assertThat(p.isAlive()).as("the study runs its 2,000 epochs").isTrue();

            Exit status = runToEnd(Stream.concat(java.util.Arrays.stream(args), Stream.of("--status")).toArray(String[]::new));
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).contains("a run is writing into it now: pid " + p.pid() + ", started ")
                    .containsPattern("running +baseline/semeval/seed-1 +(~[0-9].* left +)?after epoch [0-9]+ of 2000");

            Exit second = runToEnd(args);
            assertThat(second.code()).as(second.err()).isEqualTo(2);
            assertThat(second.err().strip()).startsWith("error[config-study-running]: another 'infuse study' run is writing into " + out
                    + " (pid " + p.pid() + ", started ").doesNotContain("\tat ");
            assertThat(p.isAlive()).as("the first run goes on").isTrue();
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        Exit after = runToEnd(Stream.concat(java.util.Arrays.stream(args), Stream.of("--status")).toArray(String[]::new));
        assertThat(after.out()).as("a killed run holds no lock").contains("no run is writing into it now")
                .containsPattern("resumable +baseline/semeval/seed-1");
    }

    /** 60 SemEval-format sentences of three labels under tmp/data (once per test). */
    void writeSemEval() throws IOException {
        Path dir = tmp.resolve("data/semeval2010_task8/SemEval2010_task8_training");
        if (Files.exists(dir.resolve("TRAIN_FILE.TXT"))) {
            return;
        }
        Files.createDirectories(dir);
        StringBuilder s = new StringBuilder();
        String[] labels = {"Cause-Effect(e1,e2)", "Component-Whole(e2,e1)", "Other"};
        for (int i = 1; i <= 60; i++) {
            String w = i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "house";
            s.append(i).append("\t\"the <e1>").append(w).append("</e1> is near a <e2>tree</e2> .\"\r\n").append(labels[i % 3])
                    .append("\r\nComment:\r\n\r\n");
        }
        Files.writeString(dir.resolve("TRAIN_FILE.TXT"), s);
    }

    @Test
    void aStudyKilledMidwayLeavesNoHalfCellAndTheRerunRedoesOnlyUnfinishedCells() throws Exception {
        writeSemEval();
        Path study = Files.writeString(tmp.resolve("study.yaml"), """
                name: killed
                backbone: bert-random
                data: %s
                seeds: [1, 2, 3]
                budgets: {default: {epochs: 3, batch_size: 8, lr: 1e-3, max_length: 32}}
                tasks: [semeval]
                """.formatted(tmp.resolve("data")));
        Path out = tmp.resolve("study-out");
        String[] args = {"study", study.toString(), "--out", out.toString(), "--cache", tmp.resolve("cache").toString(),
            "--plugins", tmp.resolve("plugins").toString()};
        Path work = Files.createTempDirectory(tmp, "study");
        Process p = infuse(work, args).start();
        long t0 = System.currentTimeMillis();
        Path cells = out.resolve("cells/baseline/semeval");
        while (p.isAlive() && !exists(cells, "seed-1/metrics.json") && System.currentTimeMillis() - t0 < 150_000) {
            Thread.sleep(5);
        }
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(exists(cells, "seed-1/metrics.json")).as("the first cell finished before the kill").isTrue();
        // Every cell folder that exists under its final name is complete (a running cell's seed-N.tmp-* folder is not one).
        try (Stream<Path> seeds = Files.list(cells)) {
            for (Path cell : seeds.filter(c -> c.getFileName().toString().matches("seed-\\d+")).toList()) {
                assertThat(cell.resolve("metrics.json")).as(cell.toString()).isRegularFile();
            }
        }
        Exit rerun = runToEnd(args);
        assertThat(rerun.code()).as(rerun.err()).isZero();
        String stdout = Files.readString(Files.list(tmp).filter(d -> d.getFileName().toString().startsWith("run"))
                .max(java.util.Comparator.comparing(d -> d.toFile().lastModified())).orElseThrow().resolve("stdout.txt"));
        assertThat(stdout).containsPattern("[1-9] reused");
        for (int seed = 1; seed <= 3; seed++) {
            assertThat(cells.resolve("seed-" + seed + "/metrics.json")).isRegularFile();
        }
        assertThat(out.resolve("report.html")).isRegularFile();
        try (Stream<Path> left = Files.walk(out)) {
            assertThat(left.filter(f -> f.getFileName().toString().contains(".tmp")).toList()).as("temp files").isEmpty();
        }
    }
}
