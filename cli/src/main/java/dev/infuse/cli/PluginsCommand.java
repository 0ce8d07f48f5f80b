package dev.infuse.cli;

import dev.infuse.api.Infuse;
import dev.infuse.api.PluginInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code infuse plugins}: every discovered plugin with version and origin, then the built-in tasks
 * (tasks are not a plugin point: they ship in the {@code tasks} module, so they share its version
 * and jar).
 */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List every discovered backbone, adapter and fusion, and every task, with version and origin jar.")
final class PluginsCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--parameters", description = "Also list each plugin's configuration keys.")
    boolean parameters;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Infuse infuse = common.open(spec.commandLine().getErr())) {
            List<PluginInfo> plugins = infuse.registry().plugins();
            out.printf("%-9s %-14s %-9s %-4s %s%n", "KIND", "NAME", "VERSION", "SPI", "ORIGIN");
            for (PluginInfo p : plugins) {
                out.printf("%-9s %-14s %-9s %-4s %s%n", p.kind().label(), p.name(), p.version(), p.requestedSpiVersion(), p.origin());
                if (!p.description().isEmpty()) {
                    out.printf("          %s%n", p.description());
                }
                if (parameters) {
                    p.parameters().forEach(s -> out.printf("          --%s (%s, default %s): %s%n", s.name(), s.type(),
                            s.defaultValue() == null ? "required" : s.defaultValue(), s.description()));
                }
            }
            out.printf("plugins folder: %s%n", infuse.registry().pluginsDirectory());
            return 0;
        }
    }
}
