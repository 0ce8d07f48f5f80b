package dev.infuse.spi;

/**
 * The architecture of a backbone: enough for an adapter to size itself and for an artifact to
 * refuse a backbone it was not trained on.
 *
 * @param architecture family name, e.g. {@code bert}
 * @param layers number of transformer layers
 * @param hiddenSize model width {@code H}
 * @param heads attention heads
 * @param intermediateSize feed-forward width
 * @param vocabularySize size of the word-embedding table (added tokens excluded)
 * @param maxPositions longest sequence the position embeddings cover
 */
public record BackboneSpec(String architecture, int layers, int hiddenSize, int heads, int intermediateSize,
        int vocabularySize, int maxPositions) {

    /** A compact description such as {@code bert L12 H768 A12 I3072 V30522 P512}. */
    public String describe() {
        return architecture + " L" + layers + " H" + hiddenSize + " A" + heads + " I" + intermediateSize
                + " V" + vocabularySize + " P" + maxPositions;
    }
}
