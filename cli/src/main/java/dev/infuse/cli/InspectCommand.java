package dev.infuse.cli;

import dev.infuse.api.ArtifactManifest;
import dev.infuse.api.Artifacts;
import dev.infuse.api.LoadedArtifact;
import dev.infuse.api.Infuse;
import dev.infuse.api.Provenance;
import dev.infuse.spi.PluginKind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code infuse inspect DIR}: an artifact's plugin, configuration, backbone fingerprint, weights
 * and provenance, after verifying the weights file against its recorded SHA-256.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show an artifact's configuration, provenance and fingerprint (and verify its weights).")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "DIR", description = "An artifact folder (adapter_config.json + adapter.safetensors).")
    Path directory;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        LoadedArtifact artifact = Artifacts.read(directory);
        print(out, "", artifact);
        out.flush();
        // The artifact is only usable if its plugin is installed: an unknown one is an error (exit 3), not a listing.
        ArtifactManifest m = artifact.manifest();
        PluginKind kind = switch (m.plugin().kind()) {
            case ADAPTER -> PluginKind.ADAPTER;
            case FUSION -> PluginKind.FUSION;
            case HEAD -> null; // heads are built into the tasks, not plugins
        };
        if (kind != null) {
            try (Infuse infuse = common.open(spec.commandLine().getErr())) {
                try {
                    infuse.registry().info(kind, m.plugin().name());
                } catch (dev.infuse.spi.InfuseException e) {
                    throw new dev.infuse.spi.InfuseException(e.code(), directory + ": the artifact cannot be used here: " + e.getMessage(), e);
                }
            }
        }
        artifact.head().ifPresent(h -> print(out, "head: ", h));
        if (!artifact.ignoredKeys().isEmpty()) {
            out.printf("ignored unknown keys: %s%n", artifact.ignoredKeys());
        }
        return 0;
    }

    private static void print(PrintWriter out, String prefix, LoadedArtifact a) {
        ArtifactManifest m = a.manifest();
        out.printf("%s%s '%s' %s (format %d, SPI %s, Infuse %s)%n", prefix, m.plugin().kind().name().toLowerCase(java.util.Locale.ROOT),
                m.plugin().name(), m.plugin().version(), m.formatVersion(), m.spiVersion(), m.infuseVersion());
        out.printf("  folder       %s%n", a.directory());
        out.printf("  backbone     %s (%s)%n  fingerprint  %s%n", m.backbone().name(), m.backbone().spec(), m.backbone().fingerprint());
        out.printf("  weights      %s, %,d parameters, sha256 %s (verified)%n", m.weights().file(), m.weights().parameters(), m.weights().sha256());
        printMap(out, "  config", m.config());
        Provenance p = m.provenance();
        out.printf("  created      %s, seed %d%n", p.created(), p.seed());
        printMap(out, "  hyper-params", p.hyperParameters());
        printMap(out, "  metrics", p.metrics());
        p.data().forEach(d -> out.printf("  data         %s (%,d bytes, sha256 %s)%n", d.path(), d.bytes(), d.sha256()));
        out.printf("  environment  java %s, %s, %d cores, %,d MB%n", p.java(), p.os(), p.machine().cores(), p.machine().memory() >> 20);
    }

    private static void printMap(PrintWriter out, String label, Map<String, ?> map) {
        if (!map.isEmpty()) {
            out.printf("%-14s %s%n", label, map);
        }
    }
}
