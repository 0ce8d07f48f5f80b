package dev.infuse.spi;

/**
 * A per-token model input an adapter derives from a tokenised text, e.g. the knowledge-graph row of
 * every pseudo-token. Batches pad it to {@code [batch, time]} with {@code padding} and feed it as
 * the int32 model input {@code name} (declared by the adapter with {@link ModelScope#input}).
 *
 * @param name model input name
 * @param values one value per token of the text
 * @param padding value of padded positions
 */
public record TokenInput(String name, int[] values, int padding) {}
