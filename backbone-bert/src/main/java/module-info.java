/**
 * The BERT backbone, built from Infuse's own network blocks in TensorFlow Java ops: {@code bert}
 * loads Google's weights from a checkpoint or SavedModel {@code variables/} folder (never running
 * the SavedModel's graph), {@code bert-random} builds a tiny randomly initialised BERT for tests.
 * Nothing is exported: the providers are found through {@link java.util.ServiceLoader}.
 */
module dev.infuse.backbone.bert {
    requires dev.infuse.core;
    requires com.fasterxml.jackson.databind;

    provides dev.infuse.spi.BackboneProvider with
            dev.infuse.backbone.bert.BertProvider,
            dev.infuse.backbone.bert.RandomBertProvider;
}
