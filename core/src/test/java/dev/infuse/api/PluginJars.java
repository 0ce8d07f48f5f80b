package dev.infuse.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Module;
import dev.infuse.spi.InfusePlugin;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds small plugin jars at test time: compiles Java sources against the test class path with
 * the system compiler, adds {@code META-INF/services} files, and jars the result.
 */
final class PluginJars {
    private PluginJars() {}

    /**
     * @param work scratch folder for sources and classes
     * @param jar the jar to write
     * @param sources binary class name to source text
     * @param services service interface name to provider class names (file lines)
     */
    static Path build(Path work, Path jar, Map<String, String> sources, Map<String, List<String>> services)
            throws IOException {
        Path base = Files.createTempDirectory(work, "build-");
        Path src = base.resolve("src");
        Path classes = Files.createDirectories(base.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", classPath(),
                "--release", "17", "-proc:none", "-nowarn"));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            args.add(file.toString());
        }
        if (!sources.isEmpty()) {
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            assertThat(javac).as("a JDK with javac").isNotNull();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = javac.run(null, null, err, args.toArray(String[]::new));
            assertThat(rc).as("javac: %s", err.toString(StandardCharsets.UTF_8)).isZero();
        }
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    put(out, classes.relativize(f).toString().replace(File.separatorChar, '/'), Files.readAllBytes(f));
                }
            }
            for (Map.Entry<String, List<String>> e : services.entrySet()) {
                put(out, "META-INF/services/" + e.getKey(),
                        (String.join("\n", e.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }

    /** The test class path plus the locations of the libraries the SPI's signatures use. */
    static String classPath() {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (Class<?> anchor : List.of(InfusePlugin.class, Module.class,
                org.tensorflow.Operand.class, org.tensorflow.ndarray.Shape.class, org.slf4j.Logger.class)) {
            try {
                entries.add(Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Writes bytes that are not a jar, for negative tests. */
    static Path writeBytes(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    /**
     * Source of an adapter provider.
     *
     * @param members extra members (may override description(), guiceModule(), ...)
     * @param createBody body of {@code create(config, backbone, context)}
     */
    static String adapter(String className, String name, String version, String spi, String members,
            String createBody) {
        int dot = className.lastIndexOf('.');
        return """
                package %s;

                import dev.infuse.spi.*;
                import java.util.*;

                public class %s implements AdapterProvider {
                    public String name() { return "%s"; }
                    public String version() { return "%s"; }
                    public String requestedSpiVersion() { return "%s"; }
                    %s
                    public KnowledgeAdapter create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
                        %s
                    }
                }
                """.formatted(className.substring(0, dot), className.substring(dot + 1), name, version, spi,
                members, createBody);
    }

    /** Source of an adapter provider with a trivial create. */
    static String adapter(String className, String name, String version, String spi) {
        return adapter(className, name, version, spi, "", "return null;");
    }

    /** A services entry for adapter providers. */
    static Map<String, List<String>> adapters(String... classNames) {
        return Map.of("dev.infuse.spi.AdapterProvider", List.of(classNames));
    }
}
