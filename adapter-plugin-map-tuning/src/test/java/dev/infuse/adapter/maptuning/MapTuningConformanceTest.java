package dev.infuse.adapter.maptuning;

import dev.infuse.spi.AdapterProvider;
import dev.infuse.testkit.AdapterProviderConformance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

class MapTuningConformanceTest extends AdapterProviderConformance {
    static final Path EMBEDDINGS;

    static {
        try {
            EMBEDDINGS = Files.createTempFile("map-tuning-conformance", ".txt");
            Files.writeString(EMBEDDINGS, "Q1\t0.1 0.2 0.3 0.4\nQ2\t-0.5 0.1 0.0 0.2\nQ3\t0.3 -0.3 0.9 -0.1\n");
            EMBEDDINGS.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected AdapterProvider provider() {
        return new MapTuningProvider();
    }

    @Override
    protected Map<String, Object> smallConfig() {
        return Map.of("embeddings", EMBEDDINGS.toString());
    }
}
