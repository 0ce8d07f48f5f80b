package dev.infuse.internal.artifact;

import dev.infuse.api.ArtifactKind;
import dev.infuse.api.ArtifactManifest;
import dev.infuse.api.Fingerprints;
import dev.infuse.api.LoadedArtifact;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.TensorData;
import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes artifact folders. A folder is written complete into a hidden sibling
 * {@code .<name>.tmp-<random>}, forced to disk, and renamed into place; an existing artifact is
 * first renamed aside to {@code .<name>.bak-<random>} and deleted only after the new one is in
 * place. So at every instant either {@code <name>} or its backup is a complete artifact.
 *
 * <p>Recovery: before writing, a backup whose artifact is missing (a crash between the two renames)
 * is renamed back, and leftover temp and backup folders are deleted. Reading never changes the
 * disk: it ignores temp folders and, when the artifact is missing but a backup exists, reads the
 * backup with a warning. Two processes writing the same folder at once are not supported.
 */
public final class ArtifactFolder {
    /** Manifest of the main plugin. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** Weights of the main plugin. */
    public static final String WEIGHTS_FILE = "adapter.safetensors";
    static final String HEAD_DIR = "head";
    static final String HEAD_CONFIG_FILE = "head_config.json";
    static final String HEAD_WEIGHTS_FILE = "head.safetensors";
    // Manifests are a few kilobytes; refuse to buffer anything absurd.
    private static final long MAX_CONFIG_BYTES = 16L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactFolder.class);

    private ArtifactFolder() {}

    /** Lets tests stop a write at a named step, as a crash or I/O error would. */
    @FunctionalInterface
    interface Checkpoint {
        /** Called at {@code main-written}, {@code head-written}, {@code before-swap} and {@code moved-aside}. */
        void reached(String step) throws IOException;
    }

    // ---------------------------------------------------------------- writing

    /** See {@link dev.infuse.api.Artifacts#write}; {@code headManifest} and {@code headWeights} may be null. */
    public static ArtifactManifest write(Path dir, ArtifactManifest manifest, Map<String, TensorData> weights,
            ArtifactManifest headManifest, Map<String, TensorData> headWeights) {
        return write(dir, manifest, weights, headManifest, headWeights, step -> {});
    }

    static ArtifactManifest write(Path dir, ArtifactManifest manifest, Map<String, TensorData> weights,
            ArtifactManifest headManifest, Map<String, TensorData> headWeights, Checkpoint checkpoint) {
        return write(dir, manifest, weights, headManifest, headWeights, Map.of(), checkpoint);
    }

    /**
     * Writes an artifact with extra files copied into it ({@code attachments}: plain name in the
     * folder to source file), e.g. the entity files a map-tuning adapter reads (see {@link AdapterFiles}).
     */
    public static ArtifactManifest write(Path dir, ArtifactManifest manifest, Map<String, TensorData> weights,
            ArtifactManifest headManifest, Map<String, TensorData> headWeights, Map<String, Path> attachments) {
        return write(dir, manifest, weights, headManifest, headWeights, attachments, step -> {});
    }

    static ArtifactManifest write(Path dir, ArtifactManifest manifest, Map<String, TensorData> weights,
            ArtifactManifest headManifest, Map<String, TensorData> headWeights, Map<String, Path> attachments,
            Checkpoint checkpoint) {
        for (String n : attachments.keySet()) {
            if (n.equals(CONFIG_FILE) || n.equals(WEIGHTS_FILE) || n.equals(HEAD_DIR) || n.startsWith(".")) {
                throw new IllegalArgumentException("attachment name " + n + " is reserved");
            }
        }
        Path target = dir.toAbsolutePath().normalize();
        // A head may be an artifact of its own (a downstream model's head, reused plug-and-play),
        // but then it carries no nested head.
        if (manifest.plugin().kind() == ArtifactKind.HEAD && headManifest != null) {
            throw new IllegalArgumentException("a head artifact cannot hold another head");
        }
        if ((headManifest == null) != (headWeights == null)) {
            throw new IllegalArgumentException("give both the head's manifest and its weights, or neither");
        }
        if (headManifest != null && headManifest.plugin().kind() != ArtifactKind.HEAD) {
            throw new IllegalArgumentException("head manifest has plugin kind " + headManifest.plugin().kind()
                    + " (expected HEAD)");
        }
        // Fail on unstorable configuration before any file is written.
        encode(target.resolve(CONFIG_FILE), manifest.withWeights(new ArtifactManifest.Weights(WEIGHTS_FILE, "", 0)));
        if (headManifest != null) {
            encode(target.resolve(HEAD_DIR).resolve(HEAD_CONFIG_FILE),
                    headManifest.withWeights(new ArtifactManifest.Weights(HEAD_WEIGHTS_FILE, "", 0)));
        }

        Path parent = target.getParent();
        String name = target.getFileName().toString();
        Path temp = parent.resolve("." + name + ".tmp-" + AtomicFiles.randomSuffix());
        Path backup = null;
        boolean swapped = false;
        try {
            Files.createDirectories(parent);
            recover(target);
            refuseNonArtifact(target);
            Files.createDirectory(temp);
            ArtifactManifest written = writePart(temp, CONFIG_FILE, WEIGHTS_FILE, manifest, weights);
            for (Map.Entry<String, Path> a : attachments.entrySet()) {
                try (var in = Files.newInputStream(a.getValue());
                        var out = Files.newOutputStream(temp.resolve(a.getKey()), java.nio.file.StandardOpenOption.CREATE_NEW)) {
                    in.transferTo(out);
                }
            }
            checkpoint.reached("main-written");
            if (headManifest != null) {
                Path headDir = Files.createDirectory(temp.resolve(HEAD_DIR));
                writePart(headDir, HEAD_CONFIG_FILE, HEAD_WEIGHTS_FILE, headManifest, headWeights);
                AtomicFiles.fsyncDirectory(headDir);
                checkpoint.reached("head-written");
            }
            AtomicFiles.fsyncDirectory(temp);
            checkpoint.reached("before-swap");
            if (Files.exists(target)) {
                backup = parent.resolve("." + name + ".bak-" + AtomicFiles.randomSuffix());
                Files.move(target, backup, StandardCopyOption.ATOMIC_MOVE);
                checkpoint.reached("moved-aside");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            swapped = true;
            AtomicFiles.fsyncDirectory(parent);
            if (backup != null) {
                deleteTreeQuietly(backup);
            }
            return written;
        } catch (IOException e) {
            throw new InfuseException("artifact-io", target + ": could not write the artifact (" + e + ")", e);
        } finally {
            if (!swapped) {
                deleteTreeQuietly(temp);
                if (backup != null && !Files.exists(target)) {
                    restore(backup, target);
                }
            }
        }
    }

    private static ArtifactManifest writePart(Path dir, String configName, String weightsName,
            ArtifactManifest manifest, Map<String, TensorData> weights) {
        Path weightsFile = dir.resolve(weightsName);
        SafeTensorsCodec.write(weightsFile, weights, Map.of(
                "producer", "infuse " + InfuseVersion.current(),
                "plugin", manifest.plugin().kind().label() + "/" + manifest.plugin().name()));
        long parameters = 0;
        for (TensorData t : weights.values()) {
            parameters += t.size();
        }
        ArtifactManifest written = manifest.withWeights(
                new ArtifactManifest.Weights(weightsName, Fingerprints.sha256(weightsFile), parameters));
        Path configFile = dir.resolve(configName);
        AtomicFiles.write(configFile, encode(configFile, written));
        return written;
    }

    private static byte[] encode(Path configFile, ArtifactManifest manifest) {
        try {
            return ManifestJson.write(manifest);
        } catch (IllegalArgumentException e) {
            throw new InfuseException("artifact-invalid", configFile + ": " + e.getMessage());
        }
    }

    /** An existing folder is replaced only if it is an artifact (or empty): never a user's other files. */
    private static void refuseNonArtifact(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new InfuseException("artifact-io", target + ": exists and is not a folder (expected a new path "
                    + "or an artifact folder to replace)");
        }
        if (Files.exists(target.resolve(CONFIG_FILE))) {
            return;
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isPresent()) {
                throw new InfuseException("artifact-io", target + ": exists and is not an artifact folder (no "
                        + CONFIG_FILE + "); refusing to replace it (expected a new path or an artifact folder)");
            }
        }
    }

    /** Puts back a backup orphaned by a crash, and removes leftovers of interrupted writes. */
    static void recover(Path target) throws IOException {
        List<Path> backups = siblings(target, ".bak-");
        if (!Files.exists(target) && !backups.isEmpty()) {
            Path newest = backups.get(backups.size() - 1);
            Files.move(newest, target, StandardCopyOption.ATOMIC_MOVE);
            backups.remove(newest);
            LOG.warn("{}: an interrupted save had moved the previous artifact aside; restored it", target);
        }
        List<Path> leftovers = new ArrayList<>(backups);
        leftovers.addAll(siblings(target, ".tmp-"));
        for (Path p : leftovers) {
            LOG.info("{}: removing {} left by an interrupted save", target, p.getFileName());
            deleteTreeQuietly(p);
        }
    }

    /** Hidden siblings {@code .<name><marker>*}, oldest first. */
    static List<Path> siblings(Path target, String marker) throws IOException {
        String prefix = "." + target.getFileName() + marker;
        List<Path> out = new ArrayList<>();
        Path parent = target.getParent();
        if (!Files.isDirectory(parent)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent,
                p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p))) {
            ds.forEach(out::add);
        }
        out.sort(Comparator.comparing(ArtifactFolder::modified).thenComparing(Path::toString));
        return out;
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static void restore(Path backup, Path target) {
        try {
            Files.move(backup, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.error("{}: could not move the previous artifact back from {} ({}); the next save or load will",
                    target, backup.getFileName(), e.toString());
        }
    }

    static void deleteTreeQuietly(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(AtomicFiles::deleteQuietly);
        } catch (IOException e) {
            LOG.warn("{}: could not delete ({})", root, e.toString());
        }
    }

    // ---------------------------------------------------------------- reading

    /** See {@link dev.infuse.api.Artifacts#read(Path, boolean)}. */
    public static LoadedArtifact read(Path dir, boolean allowNonFinite) {
        Path folder = locate(dir);
        LoadedArtifact main = readPart(folder, CONFIG_FILE, null, allowNonFinite);
        Optional<LoadedArtifact> head = Optional.empty();
        List<String> ignored = new ArrayList<>(main.ignoredKeys());
        Path headDir = folder.resolve(HEAD_DIR);
        if (Files.isDirectory(headDir)) {
            LoadedArtifact h = readPart(headDir, HEAD_CONFIG_FILE, ArtifactKind.HEAD, allowNonFinite);
            head = Optional.of(h);
            h.ignoredKeys().forEach(k -> ignored.add(HEAD_DIR + "/" + k));
        }
        warnIgnored(folder, main.manifest(), ignored);
        return new LoadedArtifact(folder, main.manifest(), main.weights(), head, ignored);
    }

    /** See {@link dev.infuse.api.Artifacts#readManifest}. */
    public static ArtifactManifest readManifest(Path dir) {
        Path folder = locate(dir);
        ManifestJson.Parsed parsed = parseConfig(folder.resolve(CONFIG_FILE), null);
        warnIgnored(folder, parsed.manifest(), parsed.ignoredKeys());
        return parsed.manifest();
    }

    private static Path locate(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            return target;
        }
        if (Files.exists(target)) {
            throw new InfuseException("artifact-missing", target + ": is a file (expected an artifact folder "
                    + "containing " + CONFIG_FILE + ")");
        }
        try {
            List<Path> backups = siblings(target, ".bak-");
            if (!backups.isEmpty()) {
                Path backup = backups.get(backups.size() - 1);
                LOG.warn("{}: missing after an interrupted save; reading the previous version from {}", target,
                        backup.getFileName());
                return backup;
            }
        } catch (IOException e) {
            // Fall through to the plain "missing" error.
        }
        throw new InfuseException("artifact-missing", target + ": no such artifact folder (expected a folder "
                + "containing " + CONFIG_FILE + ")");
    }

    private static LoadedArtifact readPart(Path dir, String configName, ArtifactKind expected, boolean allowNonFinite) {
        ManifestJson.Parsed parsed = parseConfig(dir.resolve(configName), expected);
        ArtifactManifest m = parsed.manifest();
        Path weightsFile = dir.resolve(m.weights().file());
        if (!Files.isRegularFile(weightsFile)) {
            throw new InfuseException("artifact-missing", weightsFile + ": missing (expected the weights file named "
                    + "by 'weights.file' in " + configName + ")");
        }
        String actual = Fingerprints.sha256(weightsFile);
        if (!actual.equals(m.weights().sha256())) {
            throw new InfuseException("artifact-corrupt", weightsFile + ": SHA-256 is " + actual + " but "
                    + configName + " records " + m.weights().sha256()
                    + " (expected them equal; the file was changed, truncated or replaced after saving)");
        }
        SafeTensorFile st = SafeTensorsCodec.read(weightsFile, allowNonFinite);
        long parameters = 0;
        for (TensorData t : st.tensors().values()) {
            parameters += t.size();
        }
        if (parameters != m.weights().parameters()) {
            throw new InfuseException("artifact-corrupt", weightsFile + ": holds " + parameters + " parameters but "
                    + configName + " records " + m.weights().parameters() + " (expected them equal)");
        }
        return new LoadedArtifact(dir, m, st.tensors(), Optional.empty(), parsed.ignoredKeys());
    }

    private static ManifestJson.Parsed parseConfig(Path file, ArtifactKind expected) {
        byte[] content;
        try {
            if (!Files.isRegularFile(file)) {
                throw new InfuseException("artifact-missing", file + ": missing (expected an artifact folder "
                        + "written by Infuse, with " + file.getFileName() + ")");
            }
            long size = Files.size(file);
            if (size > MAX_CONFIG_BYTES) {
                throw new InfuseException("artifact-config", file + ": is " + size + " bytes (expected at most "
                        + MAX_CONFIG_BYTES + ")");
            }
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", file + ": could not read (" + e + ")", e);
        }
        return ManifestJson.parse(file, content, expected);
    }

    /** Forward compatibility: keys from a newer Infuse are dropped, with one warning for all of them. */
    private static void warnIgnored(Path folder, ArtifactManifest m, List<String> ignored) {
        if (!ignored.isEmpty()) {
            LOG.warn("{}: ignoring {} key(s) this Infuse ({}) does not know, written by Infuse {}: {}", folder,
                    ignored.size(), InfuseVersion.current(), m.infuseVersion(), String.join(", ", ignored));
        }
    }
}
