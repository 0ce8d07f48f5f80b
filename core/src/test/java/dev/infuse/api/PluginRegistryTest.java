package dev.infuse.api;

import static dev.infuse.api.PluginJars.adapter;
import static dev.infuse.api.PluginJars.adapters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.internal.plugin.PluginClassLoader;
import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.InfusePlugin;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.Spi;
import dev.infuse.testfixtures.IsolationMarker;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery scenarios with plugin jars built at test time. */
class PluginRegistryTest {
    @TempDir
    Path work;

    private PluginRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    private Path plugins() throws Exception {
        return Files.createDirectories(work.resolve("plugins"));
    }

    private Path jar(String file, Map<String, String> sources, Map<String, List<String>> services) throws Exception {
        return PluginJars.build(work, plugins().resolve(file), sources, services);
    }

    private Path adapterJar(String file, String className, String name, String version, String spi) throws Exception {
        return jar(file, Map.of(className, adapter(className, name, version, spi)), adapters(className));
    }

    private PluginRegistry folderOnly() throws Exception {
        registry = PluginRegistry.builder().scanHost(false).pluginsDirectory(plugins()).build();
        return registry;
    }

    private static final BackboneSpec SPEC = new BackboneSpec("bert", 2, 8, 2, 16, 30, 16);

    private static final PluginContext NO_CONTEXT = new PluginContext() {
        @Override
        public Path cacheDirectory() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long seed() {
            return 1;
        }

        @Override
        public <T> T service(Class<T> type) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void goodAdapterJarIsFoundWithItsJarAsOrigin() throws Exception {
        Path jar = jar("good.jar", Map.of("acme.Good", adapter("acme.Good", "good-adapter", "1.2.0", "1.0",
                """
                public String description() { return "a good adapter"; }
                public List<ParameterSpec> parameters() { return List.of(new ParameterSpec("rank", "int", "8", "rank")); }
                """, "return null;")), adapters("acme.Good"));

        PluginRegistry r = folderOnly();

        assertThat(r.problems()).isEmpty();
        assertThat(r.available(PluginKind.ADAPTER)).containsExactly("good-adapter");
        assertThat(r.available(PluginKind.BACKBONE)).isEmpty();
        PluginInfo info = r.info(PluginKind.ADAPTER, "good-adapter");
        assertThat(info.origin()).isEqualTo(jar.toAbsolutePath().toString());
        assertThat(info.version()).isEqualTo("1.2.0");
        assertThat(info.requestedSpiVersion()).isEqualTo("1.0");
        assertThat(info.description()).isEqualTo("a good adapter");
        assertThat(info.providerClass()).isEqualTo("acme.Good");
        assertThat(info.parameters()).extracting(p -> p.name()).containsExactly("rank");
        assertThat(r.plugins()).containsExactly(info);
        AdapterProvider provider = r.adapter("good-adapter");
        assertThat(provider.getClass().getClassLoader()).isInstanceOf(PluginClassLoader.class);
        assertThat(r.forName(PluginKind.ADAPTER, "good-adapter")).isSameAs(provider);
    }

    @Test
    void unknownNameListsAvailableAndSuggestsClosest() throws Exception {
        adapterJar("a.jar", "acme.A", "factual", "1.0.0", "1.0");
        adapterJar("b.jar", "acme.B", "linguistic", "1.0.0", "1.0");
        PluginRegistry r = folderOnly();

        assertThatThrownBy(() -> r.adapter("factul"))
                .isInstanceOf(InfuseException.class)
                .hasFieldOrPropertyWithValue("code", "plugin-not-found")
                .hasMessage("no adapter named 'factul'; did you mean 'factual'?; available adapters: factual, linguistic");
        assertThatThrownBy(() -> r.fusion("sum"))
                .hasFieldOrPropertyWithValue("code", "plugin-not-found")
                .hasMessageContaining("no fusion plugins are installed");
    }

    @Test
    void otherMajorSpiVersionIsRefusedWithAnExplainingMessage() throws Exception {
        Path jar = adapterJar("future.jar", "acme.Future", "future", "2.3.1", "2.0");
        PluginRegistry r = folderOnly();

        assertThat(r.available(PluginKind.ADAPTER)).isEmpty();
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo("plugin-spi-version");
            assertThat(p.origin()).isEqualTo(jar.toAbsolutePath().toString());
            assertThat(p.message()).isEqualTo("plugin 'future' 2.3.1 from " + jar.toAbsolutePath()
                    + " was built for Infuse SPI 2.0 but this host provides " + dev.infuse.spi.Spi.VERSION + "; rebuild it against SPI 1.x");
        });
        assertThatThrownBy(() -> r.adapter("future"))
                .hasFieldOrPropertyWithValue("code", "plugin-spi-version")
                .hasMessageContaining("was refused")
                .hasMessageContaining("Infuse SPI 2.0");
    }

    /** Source of a task provider whose create returns null. */
    private static String task(String className, String name, String spi) {
        int dot = className.lastIndexOf('.');
        return """
                package %s;

                import dev.infuse.spi.*;

                public class %s implements TaskProvider {
                    public String name() { return "%s"; }
                    public String version() { return "1.0.0"; }
                    public String requestedSpiVersion() { return "%s"; }
                    public Task create(PluginConfig options, PluginContext context) { return null; }
                }
                """.formatted(className.substring(0, dot), className.substring(dot + 1), name, spi);
    }

    @Test
    void taskPluginsFollowTheSameHandshakeAndDuplicateRules() throws Exception {
        Map<String, List<String>> services = Map.of("dev.infuse.spi.TaskProvider", List.of("acme.MyTask"));
        jar("my-task.jar", Map.of("acme.MyTask", task("acme.MyTask", "my-task", Spi.VERSION)), services);
        jar("old-task.jar", Map.of("acme.OldTask", task("acme.OldTask", "old-task", "1.0")),
                Map.of("dev.infuse.spi.TaskProvider", List.of("acme.OldTask")));
        jar("future-task.jar", Map.of("acme.FutureTask", task("acme.FutureTask", "future-task", "2.0")),
                Map.of("dev.infuse.spi.TaskProvider", List.of("acme.FutureTask")));
        jar("twin-a.jar", Map.of("acme.TwinA", task("acme.TwinA", "twin-task", Spi.VERSION)),
                Map.of("dev.infuse.spi.TaskProvider", List.of("acme.TwinA")));
        jar("twin-b.jar", Map.of("acme.TwinB", task("acme.TwinB", "twin-task", Spi.VERSION)),
                Map.of("dev.infuse.spi.TaskProvider", List.of("acme.TwinB")));
        PluginRegistry r = folderOnly();

        // A task built against SPI 1.0 (before tasks existed as a kind's minor) still loads; another major is refused.
        assertThat(r.available(PluginKind.TASK)).contains("my-task", "old-task", "twin-task").doesNotContain("future-task");
        assertThat(r.info(PluginKind.TASK, "my-task").origin()).endsWith("my-task.jar");
        assertThatThrownBy(() -> r.forName(PluginKind.TASK, "future-task")).hasFieldOrPropertyWithValue("code", "plugin-spi-version");
        assertThatThrownBy(() -> r.forName(PluginKind.TASK, "twin-task")).hasFieldOrPropertyWithValue("code", "plugin-duplicate")
                .hasMessageContaining("twin-a.jar").hasMessageContaining("twin-b.jar");
        assertThatThrownBy(() -> r.createTask("my-task", PluginConfig.empty("task"), NO_CONTEXT))
                .hasFieldOrPropertyWithValue("code", "plugin-failed");
    }

    @Test
    void newerMinorSpiVersionIsRefused() throws Exception {
        adapterJar("newer.jar", "acme.Newer", "newer", "1.0.0", "1.9");
        adapterJar("garbled.jar", "acme.Garbled", "garbled", "1.0.0", "one");
        PluginRegistry r = folderOnly();

        assertThat(r.available(PluginKind.ADAPTER)).isEmpty();
        assertThat(r.problems()).extracting(PluginProblem::code).containsOnly("plugin-spi-version");
        assertThat(r.problems()).anySatisfy(p -> assertThat(p.message())
                .contains("plugin 'newer' 1.0.0", "built for Infuse SPI 1.9 but this host provides " + dev.infuse.spi.Spi.VERSION));
        assertThat(r.problems()).anySatisfy(p -> assertThat(p.message())
                .contains("requests Infuse SPI 'one', which is not a version"));
    }

    @Test
    void badNameIsRefused() throws Exception {
        adapterJar("bad.jar", "acme.Bad", "Bad_Name", "1.0.0", "1.0");
        PluginRegistry r = folderOnly();

        assertThat(r.plugins()).isEmpty();
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo("plugin-bad-name");
            assertThat(p.message()).contains("acme.Bad", "'Bad_Name'", "[a-z][a-z0-9-]{0,39}");
        });
    }

    @Test
    void duplicateNamesFailLoudlyNamingBothJars() throws Exception {
        Path a = adapterJar("a.jar", "acme.One", "twin", "1.0.0", "1.0");
        Path b = adapterJar("b.jar", "acme.Two", "twin", "2.0.0", "1.0");
        PluginRegistry r = folderOnly();

        assertThat(r.plugins()).extracting(PluginInfo::origin)
                .containsExactly(a.toAbsolutePath().toString(), b.toAbsolutePath().toString());
        assertThat(r.available(PluginKind.ADAPTER)).containsExactly("twin");
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo("plugin-duplicate");
            assertThat(p.message()).contains("adapter 'twin' is provided 2 times",
                    a.toAbsolutePath().toString(), b.toAbsolutePath().toString(), "acme.One", "acme.Two");
        });
        assertThatThrownBy(() -> r.adapter("twin"))
                .hasFieldOrPropertyWithValue("code", "plugin-duplicate")
                .hasMessageContaining(a.toAbsolutePath().toString())
                .hasMessageContaining(b.toAbsolutePath().toString());

        assertThatThrownBy(() -> PluginRegistry.builder().scanHost(false).pluginsDirectory(plugins()).strict(true).build())
                .isInstanceOf(InfuseException.class)
                .hasFieldOrPropertyWithValue("code", "plugin-duplicate")
                .hasMessageContaining("strict mode");
    }

    @Test
    void providerThatThrowsInItsConstructorIsSkippedAndOthersStillLoad() throws Exception {
        Path broken = jar("broken.jar", Map.of("acme.Broken", adapter("acme.Broken", "broken", "1.0.0", "1.0",
                "public Broken() { throw new IllegalStateException(\"no model here\"); }", "return null;")),
                adapters("acme.Broken"));
        adapterJar("good.jar", "acme.Good", "good", "1.0.0", "1.0");
        PluginRegistry r = folderOnly();

        assertThat(r.available(PluginKind.ADAPTER)).containsExactly("good");
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo("plugin-load-failed");
            assertThat(p.origin()).isEqualTo(broken.toAbsolutePath().toString());
            assertThat(p.message()).contains("acme.Broken", "no model here", "skipped");
        });
        assertThatThrownBy(() -> r.adapter("broken")).hasFieldOrPropertyWithValue("code", "plugin-not-found");
    }

    @Test
    void servicesEntryNamingAMissingClassIsReportedAndTheNextEntryStillLoads() throws Exception {
        Path jar = jar("mixed.jar", Map.of("acme.Real", adapter("acme.Real", "real", "1.0.0", "1.0")),
                adapters("acme.Missing", "acme.Real"));
        PluginRegistry r = folderOnly();

        assertThat(r.available(PluginKind.ADAPTER)).containsExactly("real");
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo("plugin-load-failed");
            assertThat(p.origin()).isEqualTo(jar.toAbsolutePath().toString());
            assertThat(p.message()).contains("acme.Missing", "META-INF/services/dev.infuse.spi.AdapterProvider");
        });
    }

    @Test
    void emptyOrMissingFolderMeansNoPluginsAndNoProblems() throws Exception {
        PluginRegistry empty = folderOnly();
        assertThat(empty.plugins()).isEmpty();
        assertThat(empty.problems()).isEmpty();

        try (PluginRegistry missing = PluginRegistry.builder().scanHost(false)
                .pluginsDirectory(work.resolve("does-not-exist")).build()) {
            assertThat(missing.plugins()).isEmpty();
            assertThat(missing.problems()).isEmpty();
        }
    }

    @Test
    void filesThatAreNotJarsAreReported() throws Exception {
        Path notes = PluginJars.writeBytes(plugins().resolve("notes.txt"), "not a plugin");
        Path corrupt = PluginJars.writeBytes(plugins().resolve("corrupt.jar"), "not a zip either");
        PluginJars.writeBytes(plugins().resolve(".DS_Store"), "ignored");
        Files.createDirectories(plugins().resolve("empty-plugin"));
        adapterJar("good.jar", "acme.Good", "good", "1.0.0", "1.0");
        PluginRegistry r = folderOnly();

        assertThat(r.available(PluginKind.ADAPTER)).containsExactly("good");
        assertThat(r.problems()).extracting(PluginProblem::code, PluginProblem::origin).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("plugin-not-a-jar", notes.toAbsolutePath().toString()),
                org.assertj.core.groups.Tuple.tuple("plugin-bad-jar", corrupt.toAbsolutePath().toString()),
                org.assertj.core.groups.Tuple.tuple("plugin-bad-folder",
                        plugins().resolve("empty-plugin").toAbsolutePath().toString()));
    }

    @Test
    void pluginSeesItsOwnCopyOfANonSharedClassAndNotTheHostsLibraries() throws Exception {
        String marker = """
                package dev.infuse.testfixtures;
                public final class IsolationMarker {
                    public static String who() { return "plugin copy"; }
                }
                """;
        jar("isolated.jar", Map.of(
                "dev.infuse.testfixtures.IsolationMarker", marker,
                "acme.Isolated", adapter("acme.Isolated", "isolated", "1.0.0", "1.0", """
                        public String description() {
                            boolean jackson;
                            try {
                                Class.forName("com.fasterxml.jackson.databind.ObjectMapper", false, getClass().getClassLoader());
                                jackson = true;
                            } catch (ClassNotFoundException e) {
                                jackson = false;
                            }
                            return dev.infuse.testfixtures.IsolationMarker.who() + "|jackson=" + jackson;
                        }
                        """, "return null;")), adapters("acme.Isolated"));
        PluginRegistry r = folderOnly();

        assertThat(IsolationMarker.who()).isEqualTo("host copy");
        assertThat(r.info(PluginKind.ADAPTER, "isolated").description()).isEqualTo("plugin copy|jackson=false");
        // The SPI type is shared: the plugin's class implements the host's interface.
        assertThat(r.forName(PluginKind.ADAPTER, "isolated")).isInstanceOf(AdapterProvider.class);
    }

    @Test
    void subFolderPluginLoadsItsOwnDependencyJars() throws Exception {
        Path dir = Files.createDirectories(plugins().resolve("with-deps"));
        PluginJars.build(work, dir.resolve("helper-lib.jar"), Map.of("lib.Helper", """
                package lib;
                public final class Helper { public static String text() { return "from helper jar"; } }
                """), Map.of());
        Path helperClasses = work.resolve("helper-only.jar");
        PluginJars.build(work, helperClasses, Map.of("lib.Helper", """
                package lib;
                public final class Helper { public static String text() { return "compile only"; } }
                """), Map.of());
        // Compile the plugin against the helper, but jar only the plugin's own classes.
        String source = adapter("acme.Deps", "deps", "1.0.0", "1.0",
                "public String description() { return lib.Helper.text(); }", "return null;");
        String cp = System.getProperty("java.class.path");
        System.setProperty("java.class.path", cp + java.io.File.pathSeparator + helperClasses);
        try {
            PluginJars.build(work, dir.resolve("deps-plugin.jar"), Map.of("acme.Deps", source), adapters("acme.Deps"));
        } finally {
            System.setProperty("java.class.path", cp);
        }
        Path pluginJar = dir.resolve("deps-plugin.jar");
        try (java.util.jar.JarFile jf = new java.util.jar.JarFile(pluginJar.toFile())) {
            jf.stream().forEach(e -> assertThat(e.getName()).doesNotStartWith("lib/"));
        }
        PluginRegistry r = folderOnly();

        assertThat(r.problems()).isEmpty();
        PluginInfo info = r.info(PluginKind.ADAPTER, "deps");
        assertThat(info.description()).isEqualTo("from helper jar");
        assertThat(info.origin()).isEqualTo(pluginJar.toAbsolutePath().toString());
    }

    @Test
    void classPathProvidersAreFoundThroughTheHostLoader() throws Exception {
        Path jar = PluginJars.build(work, work.resolve("cp/on-class-path.jar"),
                Map.of("acme.OnPath", adapter("acme.OnPath", "on-path", "1.0.0", "1.0")), adapters("acme.OnPath"));
        try (URLClassLoader host = new URLClassLoader(new URL[] {jar.toUri().toURL()}, PluginRegistry.class.getClassLoader());
                PluginRegistry r = PluginRegistry.builder().hostClassLoader(host).withoutPluginsDirectory().build()) {
            assertThat(r.problems()).isEmpty();
            assertThat(r.info(PluginKind.ADAPTER, "on-path").origin()).isEqualTo(jar.toAbsolutePath().toString());
            assertThat(r.pluginsDirectory()).isNull();
        }
    }

    @Test
    void hostProvidersAreNotFoundTwiceThroughPluginLoaders() throws Exception {
        Path hostJar = PluginJars.build(work, work.resolve("cp/host.jar"),
                Map.of("acme.HostOnly", adapter("acme.HostOnly", "host-only", "1.0.0", "1.0")), adapters("acme.HostOnly"));
        adapterJar("folder.jar", "acme.InFolder", "in-folder", "1.0.0", "1.0");
        try (URLClassLoader host = new URLClassLoader(new URL[] {hostJar.toUri().toURL()}, PluginRegistry.class.getClassLoader());
                PluginRegistry r = PluginRegistry.builder().hostClassLoader(host).pluginsDirectory(plugins()).build()) {
            assertThat(r.problems()).isEmpty();
            assertThat(r.plugins()).extracting(PluginInfo::name)
                    .containsExactly("host-only", "in-folder", "add", "attention", "concat", "residual");
        }
    }

    @Test
    void createConsumesConfigRunsWithThePluginLoaderAndWrapsFailures() throws Exception {
        jar("create.jar", Map.of("acme.Creator", adapter("acme.Creator", "creator", "1.0.0", "1.0", "", """
                int rank = config.getInt("rank", 4);
                if (config.getBoolean("explode", false)) {
                    throw new IllegalStateException("boom");
                }
                if (config.getBoolean("refuse", false)) {
                    throw new InfuseException("config-bad-value", "adapter 'creator': refuse was set");
                }
                if (config.getBoolean("nothing", false)) {
                    return null;
                }
                boolean ownLoader = Thread.currentThread().getContextClassLoader() == getClass().getClassLoader();
                Map<String, Object> cfg = Map.of("rank", rank, "tcclIsPluginLoader", ownLoader);
                return new KnowledgeAdapter() {
                    public String name() { return "creator"; }
                    public Map<String, Object> config() { return cfg; }
                };
                """)), adapters("acme.Creator"));
        PluginRegistry r = folderOnly();
        String origin = r.info(PluginKind.ADAPTER, "creator").origin();

        PluginConfig config = PluginConfig.of("adapter 'creator'", Map.of("rank", "16"));
        KnowledgeAdapter adapter = r.createAdapter("creator", config, SPEC, NO_CONTEXT);
        assertThat(adapter.config()).containsEntry("rank", 16).containsEntry("tcclIsPluginLoader", true);
        assertThat(config.effective()).containsEntry("rank", 16);
        assertThat(Thread.currentThread().getContextClassLoader()).isNotInstanceOf(PluginClassLoader.class);

        assertThatThrownBy(() -> r.createAdapter("creator",
                PluginConfig.of("adapter 'creator'", Map.of("rnak", "16")), SPEC, NO_CONTEXT))
                .hasFieldOrPropertyWithValue("code", "config-unknown-key")
                .hasMessageContaining("did you mean 'rank'");
        assertThatThrownBy(() -> r.createAdapter("creator",
                PluginConfig.of("adapter 'creator'", Map.of("explode", true)), SPEC, NO_CONTEXT))
                .isInstanceOf(InfuseException.class)
                .hasFieldOrPropertyWithValue("code", "plugin-failed")
                .hasMessage("plugin 'creator' (" + origin + ") failed in create: boom")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> r.createAdapter("creator",
                PluginConfig.of("adapter 'creator'", Map.of("refuse", true)), SPEC, NO_CONTEXT))
                .hasFieldOrPropertyWithValue("code", "config-bad-value")
                .hasMessage("adapter 'creator': refuse was set");
        assertThatThrownBy(() -> r.createAdapter("creator",
                PluginConfig.of("adapter 'creator'", Map.of("nothing", true)), SPEC, NO_CONTEXT))
                .hasFieldOrPropertyWithValue("code", "plugin-failed")
                .hasMessageContaining("returned null");
    }

    @Test
    void callAsPluginSwapsAndRestoresTheContextLoader() throws Exception {
        adapterJar("good.jar", "acme.Good", "good", "1.0.0", "1.0");
        PluginRegistry r = folderOnly();
        InfusePlugin plugin = r.adapter("good");
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        ClassLoader during = PluginRegistry.callAsPlugin(plugin, () -> Thread.currentThread().getContextClassLoader());

        assertThat(during).isSameAs(plugin.getClass().getClassLoader()).isNotSameAs(before);
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    @Test
    void defaultFolderFollowsInfuseHome() {
        assertThat(PluginRegistry.infuseHome("/opt/infuse", "/home/u")).isEqualTo(Path.of("/opt/infuse"));
        assertThat(PluginRegistry.infuseHome(null, "/home/u")).isEqualTo(Path.of("/home/u/.infuse"));
        assertThat(PluginRegistry.infuseHome(" ", "/home/u")).isEqualTo(Path.of("/home/u/.infuse"));
        assertThat(PluginRegistry.defaultPluginsDirectory().getFileName().toString()).isEqualTo("plugins");
    }

    @Test
    void coreProvidesExactlyTheBuiltInFusions() {
        try (PluginRegistry r = PluginRegistry.builder().withoutPluginsDirectory().strict(true).build()) {
            assertThat(r.plugins()).extracting(PluginInfo::name).containsExactly("add", "attention", "concat", "residual");
            assertThat(r.available(dev.infuse.spi.PluginKind.FUSION)).containsExactly("add", "attention", "concat", "residual");
        }
    }
}
