/**
 * KILM-style knowledge infilling as a plug-in over a frozen backbone: five special tokens with
 * embeddings of their own and an optional side network fused before the masked-LM head. The
 * descriptions (WordNet) live in {@code dev.infuse.data}, the infilling task ({@code entity-infill})
 * in {@code dev.infuse.tasks}.
 */
module dev.infuse.adapter.kilm {
    requires transitive dev.infuse.core;
    requires transitive dev.infuse.data;
    requires com.fasterxml.jackson.databind;

    exports dev.infuse.adapter.kilm;

    provides dev.infuse.spi.AdapterProvider with dev.infuse.adapter.kilm.KilmAdapterProvider;
}
