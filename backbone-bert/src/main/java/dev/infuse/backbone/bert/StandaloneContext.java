package dev.infuse.backbone.bert;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginContext;
import java.nio.file.Path;

/** The context used when a backbone is created directly from code rather than by the runtime. */
record StandaloneContext(Path cacheDirectory, long seed) implements PluginContext {

    @Override
    public <T> T service(Class<T> type) {
        throw new InfuseException("plugin-missing-service", "no service " + type.getName()
                + " outside the Infuse runtime");
    }
}
