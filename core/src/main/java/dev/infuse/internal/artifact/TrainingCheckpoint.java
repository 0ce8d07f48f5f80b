package dev.infuse.internal.artifact;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.infuse.api.Fingerprints;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.TensorData;
import dev.infuse.api.TrainingReport;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The state of an interrupted training run on disk, written after every epoch so that a restarted run
 * continues from the last finished epoch:
 *
 * <pre>
 * checkpoint/
 *   checkpoint.json      run description and its key, epoch, step, best epoch and metrics, history
 *   state.safetensors    current/..., best/... weights by component; adam/m/..., adam/v/... optimiser slots
 * </pre>
 *
 * <p>The folder is replaced atomically like an artifact folder (complete temp sibling, fsync, rename;
 * the previous checkpoint moved aside and deleted only after the swap), so a kill at any moment
 * leaves either the previous or the new checkpoint, never a mixture.
 */
public final class TrainingCheckpoint {
    /** The checkpoint's description file. */
    public static final String STATE_FILE = "checkpoint.json";
    /** The checkpoint's tensors. */
    public static final String TENSORS_FILE = "state.safetensors";
    static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private TrainingCheckpoint() {}

    /**
     * Everything needed to continue a run.
     *
     * @param runKey SHA-256 of the run description (see {@link #runKey})
     * @param run the description itself, to say what changed
     * @param epoch last finished epoch (1-based)
     * @param step optimisation steps taken (learning-rate schedule position)
     * @param bestScore primary metric of the best epoch, or negative infinity
     * @param finished no epoch is left to run (all done or stopped early)
     * @param current weights after {@code epoch}, by component
     * @param best weights of {@code bestEpoch}, by component
     * @param optimizerStep Adam's update count
     * @param optimizerSlots Adam's moment estimates
     * @param elapsedSeconds wall time spent on the training up to this checkpoint, over every process that ran it
     *     (0 in checkpoints written before it was recorded)
     * @param peakRssBytes the largest peak resident set size of those processes, -1 where unknown
     */
    public record State(String runKey, Map<String, Object> run, int epoch, long step, int bestEpoch, double bestScore,
            int sinceBest, boolean finished, boolean stoppedEarly, Map<String, Double> bestMetrics,
            List<TrainingReport.EpochRecord> history, Map<String, Map<String, float[]>> current,
            Map<String, Map<String, float[]>> best, long optimizerStep, Map<String, float[]> optimizerSlots,
            double elapsedSeconds, long peakRssBytes) {}

    /** SHA-256 of a run description in a canonical JSON form (keys sorted). */
    public static String runKey(Map<String, Object> run) {
        try {
            return Fingerprints.sha256(JSON.writeValueAsBytes(new TreeMap<>(run)));
        } catch (IOException e) {
            throw new IllegalArgumentException("run description cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    /** Whether {@code dir} (or a backup of it left by an interrupted write) holds a checkpoint. */
    public static boolean exists(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        try {
            return Files.isRegularFile(target.resolve(STATE_FILE)) || !ArtifactFolder.siblings(target, ".bak-").isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes {@code state} into {@code dir}, replacing the previous checkpoint atomically. */
    public static void write(Path dir, State state) {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        String name = target.getFileName().toString();
        Path temp = parent.resolve("." + name + ".tmp-" + AtomicFiles.randomSuffix());
        Path backup = null;
        boolean swapped = false;
        try {
            Files.createDirectories(parent);
            ArtifactFolder.recover(target);
            refuseForeign(target);
            Files.createDirectory(temp);
            Path tensors = temp.resolve(TENSORS_FILE);
            SafeTensorsCodec.write(tensors, tensors(state), Map.of("producer", "infuse " + InfuseVersion.current(),
                    "kind", "training-checkpoint"));
            AtomicFiles.write(temp.resolve(STATE_FILE), JSON.writeValueAsBytes(json(state, Fingerprints.sha256(tensors))));
            AtomicFiles.fsyncDirectory(temp);
            if (Files.exists(target)) {
                backup = parent.resolve("." + name + ".bak-" + AtomicFiles.randomSuffix());
                Files.move(target, backup, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            swapped = true;
            AtomicFiles.fsyncDirectory(parent);
            if (backup != null) {
                ArtifactFolder.deleteTreeQuietly(backup);
            }
        } catch (IOException e) {
            throw new InfuseException("artifact-io", target + ": could not write the training checkpoint (" + e + ")", e);
        } finally {
            if (!swapped) {
                ArtifactFolder.deleteTreeQuietly(temp);
                if (backup != null && !Files.exists(target)) {
                    try {
                        Files.move(backup, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (IOException e) {
                        // recover() puts it back on the next write or read.
                    }
                }
            }
        }
    }

    private static void refuseForeign(Path target) throws IOException {
        if (!Files.exists(target) || Files.isRegularFile(target.resolve(STATE_FILE))) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new InfuseException("artifact-io", target + ": exists and is not a folder (expected a new path or a "
                    + "training checkpoint folder)");
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isPresent()) {
                throw new InfuseException("artifact-io", target + ": exists and is not a training checkpoint (no "
                        + STATE_FILE + "); refusing to replace it (choose another checkpoint folder)");
            }
        }
    }

    /**
     * Reads a checkpoint, first putting back one an interrupted write had moved aside.
     *
     * @throws InfuseException {@code artifact-config} for an unreadable or inconsistent
     *     {@code checkpoint.json}; {@code artifact-corrupt} when the tensors do not match it
     */
    public static State read(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        try {
            ArtifactFolder.recover(target);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", target + ": cannot recover the training checkpoint (" + e + ")", e);
        }
        Path stateFile = target.resolve(STATE_FILE);
        JsonNode json;
        try {
            json = JSON.readTree(stateFile.toFile());
        } catch (IOException e) {
            throw new InfuseException("artifact-config", stateFile + ": not valid JSON (" + e.getMessage()
                    + "); delete the checkpoint folder to start the run over", e);
        }
        Field f = new Field(stateFile, json);
        int format = f.integer("format");
        if (format != FORMAT) {
            throw new InfuseException("artifact-format-version", stateFile + ": checkpoint format " + format
                    + ", this Infuse reads format " + FORMAT + "; delete the checkpoint folder to start over");
        }
        Path tensorsFile = target.resolve(TENSORS_FILE);
        String sha = f.text("tensors_sha256");
        if (!sha.equals(Fingerprints.sha256(tensorsFile))) {
            throw new InfuseException("artifact-corrupt", tensorsFile + ": does not match the SHA-256 recorded in "
                    + stateFile + "; delete the checkpoint folder to start the run over");
        }
        SafeTensorFile tensors = SafeTensorsCodec.read(tensorsFile, false);
        Map<String, Map<String, float[]>> current = new LinkedHashMap<>();
        Map<String, Map<String, float[]>> best = new LinkedHashMap<>();
        Map<String, float[]> slots = new LinkedHashMap<>();
        for (var e : tensors.tensors().entrySet()) {
            String key = e.getKey();
            float[] values = e.getValue().floats();
            if (key.startsWith("adam/")) {
                slots.put(key.substring("adam/".length()), values);
                continue;
            }
            String[] parts = key.split("/", 3);
            if (parts.length != 3 || !(parts[0].equals("current") || parts[0].equals("best"))) {
                throw new InfuseException("artifact-corrupt", tensorsFile + ": unexpected tensor '" + key
                        + "'; expected current/<component>/<name>, best/<component>/<name> or adam/<slot>");
            }
            (parts[0].equals("current") ? current : best).computeIfAbsent(parts[1], c -> new LinkedHashMap<>())
                    .put(parts[2], values);
        }
        List<TrainingReport.EpochRecord> history = new ArrayList<>();
        for (JsonNode e : f.array("history")) {
            Field r = new Field(stateFile, e);
            history.add(new TrainingReport.EpochRecord(r.integer("epoch"), r.number("loss"), r.metrics("metrics"),
                    r.number("seconds"), r.number("examples_per_second")));
        }
        JsonNode score = json.get("best_score");
        // Optional: checkpoints written before they were recorded resume all the same.
        JsonNode elapsed = json.get("elapsed_seconds");
        JsonNode peak = json.get("peak_rss_bytes");
        return new State(f.text("run_key"), f.object("run"), f.integer("epoch"), f.longValue("step"),
                f.integer("best_epoch"), score == null || score.isNull() ? Double.NEGATIVE_INFINITY : score.asDouble(),
                f.integer("since_best"), f.bool("finished"), f.bool("stopped_early"), f.metrics("best_metrics"), history,
                current, best, f.longValue("optimizer_step"), slots,
                elapsed != null && elapsed.isNumber() ? elapsed.asDouble() : 0,
                peak != null && peak.canConvertToLong() ? peak.asLong() : -1);
    }

    private static Map<String, TensorData> tensors(State s) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        s.current().forEach((c, w) -> w.forEach((n, v) -> out.put("current/" + c + "/" + n, TensorData.f32(v, v.length))));
        s.best().forEach((c, w) -> w.forEach((n, v) -> out.put("best/" + c + "/" + n, TensorData.f32(v, v.length))));
        s.optimizerSlots().forEach((n, v) -> out.put("adam/" + n, TensorData.f32(v, v.length)));
        return out;
    }

    private static Map<String, Object> json(State s, String tensorsSha) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("run_key", s.runKey());
        m.put("run", s.run());
        m.put("epoch", s.epoch());
        m.put("step", s.step());
        m.put("best_epoch", s.bestEpoch());
        m.put("best_score", Double.isFinite(s.bestScore()) ? s.bestScore() : null);
        m.put("since_best", s.sinceBest());
        m.put("finished", s.finished());
        m.put("stopped_early", s.stoppedEarly());
        m.put("best_metrics", s.bestMetrics());
        List<Map<String, Object>> history = new ArrayList<>();
        for (TrainingReport.EpochRecord e : s.history()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("epoch", e.epoch());
            r.put("loss", e.meanLoss());
            r.put("metrics", e.metrics());
            r.put("seconds", e.seconds());
            r.put("examples_per_second", e.examplesPerSecond());
            history.add(r);
        }
        m.put("history", history);
        m.put("optimizer_step", s.optimizerStep());
        m.put("elapsed_seconds", s.elapsedSeconds());
        m.put("peak_rss_bytes", s.peakRssBytes());
        m.put("tensors_sha256", tensorsSha);
        return m;
    }

    /** Typed access to required fields, each error naming the file and field. */
    private record Field(Path file, JsonNode node) {
        JsonNode get(String name, boolean ok) {
            JsonNode v = node == null ? null : node.get(name);
            if (v == null || !ok) {
                throw new InfuseException("artifact-config", file + ": field '" + name + "' is missing or has the wrong "
                        + "type; delete the checkpoint folder to start the run over");
            }
            return v;
        }

        JsonNode raw(String name) {
            JsonNode v = node == null ? null : node.get(name);
            return get(name, v != null);
        }

        int integer(String name) {
            JsonNode v = raw(name);
            return get(name, v.canConvertToInt() && v.isIntegralNumber()).intValue();
        }

        long longValue(String name) {
            JsonNode v = raw(name);
            return get(name, v.isIntegralNumber() && v.canConvertToLong()).longValue();
        }

        double number(String name) {
            JsonNode v = raw(name);
            return get(name, v.isNumber() || v.isTextual()).asDouble();
        }

        boolean bool(String name) {
            return get(name, raw(name).isBoolean()).booleanValue();
        }

        String text(String name) {
            return get(name, raw(name).isTextual()).textValue();
        }

        JsonNode array(String name) {
            return get(name, raw(name).isArray());
        }

        Map<String, Object> object(String name) {
            JsonNode v = get(name, raw(name).isObject());
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.convertValue(v, LinkedHashMap.class);
            return m;
        }

        Map<String, Double> metrics(String name) {
            JsonNode v = get(name, raw(name).isObject());
            Map<String, Double> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                var e = it.next();
                out.put(e.getKey(), e.getValue().asDouble());
            }
            return out;
        }
    }
}
