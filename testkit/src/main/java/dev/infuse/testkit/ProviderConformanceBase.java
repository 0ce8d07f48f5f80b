package dev.infuse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.InfusePlugin;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.SpiVersion;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What every conformance suite of the test kit shares: one tiny random BERT for the test class, and
 * the checks of the rules every provider follows (name, version, SPI handshake, described and consumed
 * configuration). Extend a suite for your plugin's kind, not this class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ProviderConformanceBase {
    private Backbone backbone;

    ProviderConformanceBase() {}

    /** The tiny backbone of this test class. */
    protected final Backbone backbone() {
        return backbone;
    }

    @BeforeAll
    void createBackbone() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void closeBackbone() {
        if (backbone != null) {
            backbone.close();
        }
    }

    /** A lower-case name of at most 40 characters, a version, and an SPI version this host accepts. */
    static void assertProviderRules(InfusePlugin p) {
        assertThat(p.name()).matches("[a-z][a-z0-9-]{0,39}");
        assertThat(p.version()).isNotBlank();
        assertThat(SpiVersion.current().accepts(SpiVersion.parse(p.requestedSpiVersion())))
                .as("SPI version %s accepted by host %s", p.requestedSpiVersion(), SpiVersion.current()).isTrue();
    }

    /** Every key of an effective configuration is described in the provider's {@code parameters()}. */
    static void assertDocumented(InfusePlugin p, Set<String> effectiveKeys) {
        Set<String> documented = p.parameters().stream().map(ParameterSpec::name).collect(Collectors.toSet());
        assertThat(documented).containsAll(effectiveKeys);
    }

    /** A key nobody reads is reported by {@link PluginConfig#requireAllConsumed()}, naming it. */
    static void assertUnknownKeyRejected(String owner, Map<String, Object> config, Consumer<PluginConfig> create) {
        Map<String, Object> cfg = new HashMap<>(config);
        cfg.put("no_such_key_xyz", 1);
        PluginConfig c = PluginConfig.of(owner, cfg);
        create.accept(c);
        assertThatThrownBy(c::requireAllConsumed).isInstanceOf(InfuseException.class).hasMessageContaining("no_such_key_xyz");
    }
}
