/**
 * KILM-style knowledge infilling as a plug-in over a frozen backbone: five special tokens with
 * embeddings of their own, an optional side network fused before the masked-LM head, entity
 * descriptions from WordNet (WN18RR's {@code entity2text.txt}, WordNet 3.1 through extjwnl), the
 * description-infilling data and its evaluation.
 */
module dev.infuse.adapter.kilm {
    requires transitive dev.infuse.core;
    requires transitive dev.infuse.data;
    requires com.fasterxml.jackson.databind;
    requires extjwnl;
    requires extjwnl.data.wn31;

    exports dev.infuse.adapter.kilm;

    provides dev.infuse.spi.AdapterProvider with dev.infuse.adapter.kilm.KilmAdapterProvider;
}
