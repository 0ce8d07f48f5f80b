package dev.infuse.api;

import static dev.infuse.api.PluginJars.adapter;
import static dev.infuse.api.PluginJars.adapters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.PluginKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Guice runtime: plugin modules, the plugin context and creation through the façade. */
class InfuseTest {
    @TempDir
    Path work;

    private static final BackboneSpec SPEC = new BackboneSpec("bert", 2, 8, 2, 16, 30, 16);

    private static final String TIMES_SEVEN_MODULE = """
            public Optional<com.google.inject.Module> guiceModule() {
                return Optional.of(new com.google.inject.AbstractModule() {
                    @Override protected void configure() {
                        bind(java.util.function.IntUnaryOperator.class).toInstance(x -> x * 7);
                    }
                });
            }
            """;

    private Path plugins() throws Exception {
        return Files.createDirectories(work.resolve("plugins"));
    }

    private void guicePlugin() throws Exception {
        PluginJars.build(work, plugins().resolve("guice.jar"), Map.of("acme.GuicePlugin",
                adapter("acme.GuicePlugin", "guice-demo", "1.0.0", "1.0", TIMES_SEVEN_MODULE, """
                        int factor = context.service(java.util.function.IntUnaryOperator.class)
                                .applyAsInt(config.getInt("x", 1));
                        Map<String, Object> cfg = Map.of("product", factor, "seed", context.seed(),
                                "cache", context.cacheDirectory().toString());
                        return new KnowledgeAdapter() {
                            public String name() { return "guice-demo"; }
                            public Map<String, Object> config() { return cfg; }
                        };
                        """)), adapters("acme.GuicePlugin"));
    }

    private Infuse.Builder infuse() throws Exception {
        return Infuse.builder().pluginsDirectory(plugins()).cacheDirectory(work.resolve("cache")).seed(7);
    }

    @Test
    void pluginServiceBoundInItsGuiceModuleIsReachableThroughTheContext() throws Exception {
        guicePlugin();
        try (Infuse infuse = infuse().build()) {
            PluginContext context = infuse.context(PluginKind.ADAPTER, "guice-demo");
            assertThat(context.service(IntUnaryOperator.class).applyAsInt(6)).isEqualTo(42);
            assertThat(context.seed()).isEqualTo(7);

            KnowledgeAdapter adapter = infuse.createAdapter("guice-demo",
                    PluginConfig.of("adapter 'guice-demo'", Map.of("x", 3)), SPEC);
            assertThat(adapter.config()).containsEntry("product", 21).containsEntry("seed", 7L);
            Path cache = work.resolve("cache").resolve("adapter").resolve("guice-demo").toAbsolutePath();
            assertThat(adapter.config()).containsEntry("cache", cache.toString());
            assertThat(cache).isDirectory();

            assertThat(infuse.injector().getInstance(PluginRegistry.class)).isSameAs(infuse.registry());
            assertThat(infuse.injector().getInstance(InfuseSettings.class))
                    .isEqualTo(new InfuseSettings(work.resolve("cache").toAbsolutePath(), 7));
        }
    }

    @Test
    void unboundServiceIsAClearError() throws Exception {
        guicePlugin();
        try (Infuse infuse = infuse().build()) {
            assertThatThrownBy(() -> infuse.context(PluginKind.ADAPTER, "guice-demo").service(LongSupplier.class))
                    .isInstanceOf(InfuseException.class)
                    .hasFieldOrPropertyWithValue("code", "plugin-missing-service")
                    .hasMessageContaining("adapter 'guice-demo'")
                    .hasMessageContaining("java.util.function.LongSupplier");
        }
    }

    @Test
    void hostModulesAreInstalledToo() throws Exception {
        try (Infuse infuse = infuse().addModule(new AbstractModule() {
            @Override
            protected void configure() {
                bind(LongSupplier.class).toInstance(() -> 99L);
            }
        }).build()) {
            assertThat(infuse.context(PluginKind.FUSION, "any").service(LongSupplier.class).getAsLong()).isEqualTo(99L);
        }
    }

    @Test
    void moduleThatFailsToConfigureNamesThePlugin() throws Exception {
        PluginJars.build(work, plugins().resolve("bad-module.jar"), Map.of("acme.BadModule",
                adapter("acme.BadModule", "bad-module", "1.0.0", "1.0", """
                        public Optional<com.google.inject.Module> guiceModule() {
                            return Optional.of(new com.google.inject.AbstractModule() {
                                @Override protected void configure() {
                                    throw new IllegalStateException("module exploded");
                                }
                            });
                        }
                        """, "return null;")), adapters("acme.BadModule"));

        assertThatThrownBy(() -> infuse().build())
                .isInstanceOf(InfuseException.class)
                .hasFieldOrPropertyWithValue("code", "plugin-guice-module")
                .hasMessageContaining("adapter 'bad-module' 1.0.0 from ")
                .hasMessageContaining("module exploded");
    }

    @Test
    void conflictingBindingsNameBothPlugins() throws Exception {
        guicePlugin();
        PluginJars.build(work, plugins().resolve("clash.jar"), Map.of("acme.Clash",
                adapter("acme.Clash", "clash", "1.0.0", "1.0", TIMES_SEVEN_MODULE, "return null;")),
                adapters("acme.Clash"));

        assertThatThrownBy(() -> infuse().build())
                .isInstanceOf(InfuseException.class)
                .hasFieldOrPropertyWithValue("code", "plugin-guice-module")
                .hasMessageContaining("adapter 'clash'")
                .hasMessageContaining("adapter 'guice-demo'");
    }
}
