/** K-Adapter linguistic adapter: side network pretrained on dependency-head prediction. */
module dev.infuse.adapter.linguistic {
    requires dev.infuse.core;

    provides dev.infuse.spi.AdapterProvider with dev.infuse.adapter.linguistic.LinguisticAdapterProvider;
}
