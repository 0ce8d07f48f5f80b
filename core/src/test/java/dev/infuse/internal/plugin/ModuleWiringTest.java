package dev.infuse.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.PluginKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Maven module of the repository declares each provider twice and consistently: the
 * {@code provides X with A, B} clauses of its {@code module-info.java} equal the lines of its
 * {@code META-INF/services/X} files, in both directions. Without the services file a provider is
 * silently missed on the class path; without {@code provides} on the module path.
 */
class ModuleWiringTest {
    private static final Pattern PROVIDES =
            Pattern.compile("\\bprovides\\s+([\\w.]+)\\s+with\\s+([\\w.\\s,]+?)\\s*;");
    private static final Pattern USES = Pattern.compile("\\buses\\s+([\\w.]+)\\s*;");

    /** Service interface to provider class names, from module-info source text. */
    static Map<String, Set<String>> provides(String moduleInfo) {
        Map<String, Set<String>> result = new TreeMap<>();
        Matcher m = PROVIDES.matcher(stripComments(moduleInfo));
        while (m.find()) {
            Set<String> impls = result.computeIfAbsent(m.group(1), k -> new TreeSet<>());
            for (String impl : m.group(2).split(",")) {
                impls.add(impl.strip());
            }
        }
        return result;
    }

    static Set<String> uses(String moduleInfo) {
        Set<String> result = new TreeSet<>();
        Matcher m = USES.matcher(stripComments(moduleInfo));
        while (m.find()) {
            result.add(m.group(1));
        }
        return result;
    }

    static String stripComments(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    }

    /** Service interface to provider class names, from a module's META-INF/services folder. */
    static Map<String, Set<String>> servicesFiles(Path servicesDir) throws IOException {
        Map<String, Set<String>> result = new TreeMap<>();
        if (!Files.isDirectory(servicesDir)) {
            return result;
        }
        try (Stream<Path> files = Files.list(servicesDir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                Set<String> lines = new TreeSet<>();
                for (String line : Files.readAllLines(f)) {
                    int hash = line.indexOf('#');
                    String entry = (hash >= 0 ? line.substring(0, hash) : line).strip();
                    if (!entry.isEmpty()) {
                        // A nested provider class is listed by its binary name (Outer$Inner), module-info names it Outer.Inner.
                        lines.add(entry.replace('$', '.'));
                    }
                }
                result.put(f.getFileName().toString(), lines);
            }
        }
        return result;
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        Path root = null;
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml"))) {
                root = p;
            }
        }
        assertThat(root).as("a pom.xml above %s", dir).isNotNull();
        return root;
    }

    @Test
    void parserHandlesMultiLineProvidesAndComments() {
        String text = """
                module x.y {
                    // provides dev.Commented with a.B;
                    /* provides dev.Block with
                       c.D; */
                    provides dev.infuse.spi.AdapterProvider
                        with a.b.One,
                             a.b.Two;
                    provides dev.infuse.spi.FusionProvider with a.b.Sum;
                    uses dev.infuse.spi.AdapterProvider;
                }
                """;
        assertThat(provides(text)).isEqualTo(Map.of(
                "dev.infuse.spi.AdapterProvider", Set.of("a.b.One", "a.b.Two"),
                "dev.infuse.spi.FusionProvider", Set.of("a.b.Sum")));
        assertThat(uses(text)).containsExactly("dev.infuse.spi.AdapterProvider");
    }

    @Test
    void everyModulesProvidesClausesEqualItsServicesFiles() throws IOException {
        Path root = repositoryRoot();
        List<String> checked = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        try (Stream<Path> children = Files.list(root)) {
            for (Path module : children.filter(p -> Files.isRegularFile(p.resolve("pom.xml"))).sorted().toList()) {
                Path info = module.resolve("src/main/java/module-info.java");
                if (!Files.isRegularFile(info)) {
                    continue;
                }
                checked.add(module.getFileName().toString());
                Map<String, Set<String>> declared = provides(Files.readString(info));
                Map<String, Set<String>> listed = servicesFiles(module.resolve("src/main/resources/META-INF/services"));
                Set<String> services = new TreeSet<>(declared.keySet());
                services.addAll(listed.keySet());
                for (String service : services) {
                    Set<String> a = declared.getOrDefault(service, Set.of());
                    Set<String> b = listed.getOrDefault(service, Set.of());
                    if (!a.equals(b)) {
                        mismatches.add(module.getFileName() + ": " + service + ": module-info provides " + a
                                + " but META-INF/services lists " + b);
                    }
                }
            }
        }
        assertThat(checked).as("modules with a module-info under %s", root).contains("core");
        assertThat(mismatches).isEmpty();
    }

    @Test
    void coreUsesEveryPluginKind() throws IOException {
        Path info = repositoryRoot().resolve("core/src/main/java/module-info.java");
        Set<String> uses = uses(Files.readString(info));
        for (PluginKind kind : PluginKind.values()) {
            assertThat(uses).as("core's module-info must declare 'uses' for %s", kind).contains(kind.providerType().getName());
        }
    }
}
