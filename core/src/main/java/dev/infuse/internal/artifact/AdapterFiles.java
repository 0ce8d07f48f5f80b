package dev.infuse.internal.artifact;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ParameterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collections;
import java.util.WeakHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Files an adapter's configuration refers to (keys its provider declares with type {@code file}).
 *
 * <p>Saving an artifact copies each into the artifact folder and stores its plain name there
 * ({@code <key>-<file name>}); loading one resolves such names inside the artifact folder only: an
 * absolute path, a {@code ..} step, a symbolic link leading out, or anything but a regular file is
 * refused ({@code artifact-config}). Paths given on the command line or in a study file are not
 * confined: they are the user's own.
 */
public final class AdapterFiles {
    /** The {@link ParameterSpec#type()} of a key whose value is a file. */
    public static final String FILE_TYPE = "file";

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Map<KnowledgeAdapter, Map<String, Path>> FILES = Collections.synchronizedMap(new WeakHashMap<>());

    private AdapterFiles() {}

    /** The keys of {@code parameters} whose values are files. */
    public static List<String> fileKeys(List<ParameterSpec> parameters) {
        return parameters.stream().filter(p -> FILE_TYPE.equals(p.type())).map(ParameterSpec::name).toList();
    }

    /** Remembers the files {@code adapter} was created from (its file keys' non-blank values), for saving it. */
    public static void remember(KnowledgeAdapter adapter, List<String> fileKeys) {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String key : fileKeys) {
            Object v = adapter.config().get(key);
            if (v != null && !v.toString().isBlank()) {
                files.put(key, Path.of(v.toString()).toAbsolutePath().normalize());
            }
        }
        if (!files.isEmpty()) {
            FILES.put(adapter, files);
        }
    }

    /** Forgets {@code adapter} (when it is closed). */
    public static void forget(KnowledgeAdapter adapter) {
        FILES.remove(adapter);
    }

    /** The files {@code adapter} was created from, by key. */
    public static Map<String, Path> of(KnowledgeAdapter adapter) {
        Map<String, Path> f = FILES.get(adapter);
        return f == null ? Map.of() : f;
    }

    /** The name a file of {@code key} gets inside an artifact folder. */
    public static String nameInArtifact(String key, Path file) {
        String name = (key + "-" + file.getFileName()).replaceAll("[^A-Za-z0-9._-]", "_");
        return name.length() > 128 ? name.substring(0, 128) : name;
    }

    /**
     * The artifact's configuration with every file key resolved inside {@code dir}.
     *
     * @throws InfuseException {@code artifact-config} for a value that is not a plain name of a
     *     regular file inside the folder (naming the key and the value); {@code artifact-missing} if
     *     that file does not exist
     */
    public static Map<String, Object> confine(Path dir, Map<String, Object> config, List<String> fileKeys) {
        Map<String, Object> out = new LinkedHashMap<>(config);
        Path configFile = dir.resolve(ArtifactFolder.CONFIG_FILE);
        for (String key : fileKeys) {
            Object v = config.get(key);
            if (v == null || v.toString().isBlank()) {
                continue;
            }
            String value = v.toString();
            if (!PLAIN.matcher(value).matches() || value.equals("..")) {
                throw new InfuseException("artifact-config", configFile + ": config key '" + key + "' is \"" + value
                        + "\"; a file an artifact refers to must be inside the artifact folder, named plainly (e.g. "
                        + key + "-entities.tsv), not a path");
            }
            Path file = dir.resolve(value);
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new InfuseException("artifact-missing", configFile + ": config key '" + key + "' names " + file
                        + ", which does not exist");
            }
            try {
                Path real = file.toRealPath();
                if (!real.startsWith(dir.toRealPath()) || !Files.isRegularFile(real)) {
                    throw new InfuseException("artifact-config", configFile + ": config key '" + key + "' names " + file
                            + ", which leads out of the artifact folder or is not a regular file");
                }
                out.put(key, real.toString());
            } catch (IOException e) {
                throw new InfuseException("artifact-io", configFile + ": cannot resolve config key '" + key + "' (" + e + ")", e);
            }
        }
        return out;
    }
}
