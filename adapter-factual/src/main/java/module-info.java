/** K-Adapter factual adapter: side network pretrained on relation classification over Wikidata-aligned sentences. */
module dev.infuse.adapter.factual {
    requires dev.infuse.core;

    provides dev.infuse.spi.AdapterProvider with dev.infuse.adapter.factual.FactualAdapterProvider;
}
