/**
 * Map-tuning knowledge plugins: knowledge-graph entity embeddings mapped into the backbone's
 * input-embedding space and inserted as pseudo-tokens before entity mentions.
 */
module dev.infuse.adapter.maptuning {
    requires dev.infuse.core;
    requires dev.infuse.kg;

    provides dev.infuse.spi.AdapterProvider with dev.infuse.adapter.maptuning.MapTuningProvider;
}
