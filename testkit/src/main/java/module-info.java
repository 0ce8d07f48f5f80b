/**
 * Test support for Infuse and its plugins: a tiny random BERT built in process, a toy classification
 * task, and the conformance suite every adapter provider should pass.
 */
module dev.infuse.testkit {
    requires transitive dev.infuse.core;
    requires transitive org.junit.jupiter.api;
    requires transitive org.assertj.core;

    exports dev.infuse.testkit;

    uses dev.infuse.spi.BackboneProvider;
    uses dev.infuse.spi.FusionProvider;
}
