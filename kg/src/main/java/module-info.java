/**
 * Knowledge graphs for Infuse: triples readers (labelled TSV, OpenKE id files), entity-embedding
 * files, a TransE trainer in TensorFlow Java and filtered link-prediction evaluation.
 */
module dev.infuse.kg {
    requires transitive dev.infuse.core;
    requires dev.infuse.data;
    requires me.tongfei.progressbar;
    requires com.fasterxml.jackson.databind;

    exports dev.infuse.kg;
}
