/**
 * Infuse core: the plugin SPI ({@code dev.infuse.spi}), reusable network blocks ({@code dev.infuse.nn}),
 * the WordPiece tokenizer ({@code dev.infuse.text}) and the user-facing runtime ({@code dev.infuse.api}).
 * Everything under {@code dev.infuse.internal} is implementation and not exported.
 */
module dev.infuse.core {
    requires transitive tensorflow;
    requires transitive org.tensorflow.ndarray;
    requires transitive com.google.guice;
    // Guice is an automatic module and cannot require jakarta.inject itself; without this the
    // injector fails on the module path with ClassNotFoundException: jakarta.inject.Provider.
    requires transitive jakarta.inject;
    requires transitive org.slf4j;
    requires com.fasterxml.jackson.databind;
    requires ai.djl.tokenizers;
    requires me.tongfei.progressbar;
    // Physical memory size for artifact provenance.
    requires jdk.management;

    exports dev.infuse.spi;
    exports dev.infuse.nn;
    exports dev.infuse.text;
    exports dev.infuse.api;
    exports dev.infuse.heads;

    opens dev.infuse.internal.plugin to com.google.guice;
    // The one bounded line reader, shared with Infuse's own reader modules only.
    exports dev.infuse.internal.io to dev.infuse.data, dev.infuse.kg;

    uses dev.infuse.spi.BackboneProvider;
    uses dev.infuse.spi.AdapterProvider;
    uses dev.infuse.spi.FusionProvider;
    uses dev.infuse.spi.TaskProvider;
    uses dev.infuse.spi.LayerPluginProvider;

    provides dev.infuse.spi.FusionProvider with
            dev.infuse.internal.fusion.ConcatFusion,
            dev.infuse.internal.fusion.AddFusion,
            dev.infuse.internal.fusion.AttentionFusion,
            dev.infuse.internal.fusion.ResidualFusion;
}
