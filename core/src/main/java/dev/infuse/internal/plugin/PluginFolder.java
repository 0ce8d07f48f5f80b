package dev.infuse.internal.plugin;

import dev.infuse.api.PluginProblem;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a plugins folder: each {@code *.jar} directly inside is one plugin, and each sub-folder is
 * one plugin made of the jars directly inside it (the plugin jar plus its own dependencies). Every
 * plugin gets its own {@link PluginClassLoader}. Hidden entries (names starting with a dot) are
 * ignored; any other file is reported as {@code plugin-not-a-jar}.
 */
public final class PluginFolder {
    private static final Logger LOG = LoggerFactory.getLogger(PluginFolder.class);

    /** One plugin found in the folder, with the loader that reads it. */
    public record Entry(Path path, PluginClassLoader loader) {}

    private PluginFolder() {}

    /**
     * Scans {@code folder}. A missing folder means no plugins; unreadable entries become problems and
     * do not stop the scan.
     */
    public static List<Entry> scan(Path folder, ClassLoader host, List<PluginProblem> problems) {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(folder)) {
            LOG.debug("plugins folder {} does not exist: no folder plugins", folder);
            return entries;
        }
        String folderText = folder.toAbsolutePath().toString();
        if (!Files.isDirectory(folder)) {
            problems.add(new PluginProblem("plugin-bad-folder", folderText,
                    "plugins folder " + folderText + " is not a directory; point it at a folder of plugin jars"));
            return entries;
        }
        List<Path> children;
        try (Stream<Path> list = Files.list(folder)) {
            children = list.sorted().toList();
        } catch (IOException e) {
            problems.add(new PluginProblem("plugin-bad-folder", folderText,
                    "cannot list plugins folder " + folderText + ": " + e.getMessage()));
            return entries;
        }
        for (Path child : children) {
            String name = child.getFileName().toString();
            String origin = child.toAbsolutePath().toString();
            if (name.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(child)) {
                List<URL> jars = jarsIn(child, problems);
                if (jars == null) {
                    continue;
                }
                if (jars.isEmpty()) {
                    problems.add(new PluginProblem("plugin-bad-folder", origin, "plugin folder " + origin
                            + " contains no jar; put the plugin jar and its dependency jars directly inside it"));
                    continue;
                }
                entries.add(new Entry(child, new PluginClassLoader(origin, jars, host)));
            } else if (name.endsWith(".jar")) {
                URL url = checkedJar(child, problems);
                if (url != null) {
                    entries.add(new Entry(child, new PluginClassLoader(origin, List.of(url), host)));
                }
            } else {
                problems.add(new PluginProblem("plugin-not-a-jar", origin, "file " + origin
                        + " in the plugins folder is not a jar; the folder holds only plugin jars (*.jar)"
                        + " and plugin sub-folders, so move it elsewhere"));
            }
        }
        return entries;
    }

    /** The valid jars directly in a plugin sub-folder, or null if one of them is broken. */
    private static List<URL> jarsIn(Path dir, List<PluginProblem> problems) {
        List<Path> jars;
        try (Stream<Path> list = Files.list(dir)) {
            jars = list.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            problems.add(new PluginProblem("plugin-bad-folder", dir.toAbsolutePath().toString(),
                    "cannot list plugin folder " + dir.toAbsolutePath() + ": " + e.getMessage()));
            return null;
        }
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            URL url = checkedJar(jar, problems);
            if (url == null) {
                return null;
            }
            urls.add(url);
        }
        return urls;
    }

    private static URL checkedJar(Path jar, List<PluginProblem> problems) {
        String origin = jar.toAbsolutePath().toString();
        try (JarFile opened = new JarFile(jar.toFile())) {
            LOG.debug("plugin jar {} has {} entries", origin, opened.size());
            return jar.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            problems.add(new PluginProblem("plugin-bad-jar", origin, "plugin jar " + origin
                    + " cannot be read as a jar (" + e.getMessage() + "); replace it with a complete copy"));
            return null;
        }
    }
}
