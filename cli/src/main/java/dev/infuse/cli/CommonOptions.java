package dev.infuse.cli;

import dev.infuse.api.Infuse;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every subcommand shares. */
final class CommonOptions {
    @Option(names = "--plugins", paramLabel = "DIR",
            description = "Folder of third-party plugin jars (default: $INFUSE_HOME/plugins, else ~/.infuse/plugins).")
    Path plugins;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Cache folder for extracted models and activations (default: $INFUSE_HOME/cache, else ~/.infuse/cache).")
    Path cache;

    @Option(names = "--verbose", description = "Print stack traces on errors (and, through the infuse launcher, TensorFlow's native log lines).")
    boolean verbose;

    /** Opens the runtime and prints every plugin problem (broken jar, wrong SPI, duplicate) as one warning line. */
    Infuse open(java.io.PrintWriter err) {
        Infuse.Builder b = Infuse.builder();
        if (plugins != null) {
            b.pluginsDirectory(plugins);
        }
        if (cache != null) {
            b.cacheDirectory(cache);
        }
        Infuse infuse = b.build();
        infuse.registry().problems().forEach(p -> err.printf("warning[%s]: %s%n", p.code(), p.message()));
        return infuse;
    }
}
