/** A parallel adapter on the feed-forward sub-layer, written against the Infuse SPI only (an in-layer plug-in). */
module com.example.parallel {
    requires dev.infuse.core;

    provides dev.infuse.spi.LayerPluginProvider with com.example.parallel.ParallelAdapterProvider;
}
