package dev.infuse.kg;

import java.util.List;

/**
 * Trained TransE embeddings with their vocabularies.
 *
 * @param entityVectors row-major [entities, dimension]
 * @param relationVectors row-major [relations, dimension]
 */
public record TransEModel(TransEConfig config, Vocabulary entities, Vocabulary relations, float[] entityVectors,
        float[] relationVectors) {

    /** The entity table as an {@link EntityEmbeddings} (shares the array). */
    public EntityEmbeddings entityEmbeddings() {
        return new EntityEmbeddings(entities.ids(), config.dimension(), entityVectors);
    }

    /** The relation table as an {@link EntityEmbeddings} keyed by relation id (shares the array). */
    public EntityEmbeddings relationEmbeddings() {
        return new EntityEmbeddings(relations.ids(), config.dimension(), relationVectors);
    }

    /** Filtered link prediction on {@code triples}, filtering with every triple in {@code known}. */
    public LinkPrediction.Metrics evaluate(Triples triples, List<Triples> known, int threads) {
        return LinkPrediction.evaluate(entityVectors, relationVectors, config.dimension(), config.norm(), triples, known, threads);
    }
}
