package dev.infuse.spi;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * What an input-side adapter sees: the word embeddings about to enter the frozen encoder, with the
 * ids they came from.
 *
 * @param embeddings {@code [batch, time, H]} word embeddings, possibly already modified by adapters
 *     earlier in the list
 * @param inputIds {@code [batch, time]} token ids, added tokens included (ids at or above the base
 *     vocabulary size; their rows in {@code embeddings} hold the padding token's embedding until an
 *     adapter replaces them)
 * @param tokenizer the tokenizer in use, to look up the ids of added tokens
 */
public record InputEmbeddings(Operand<TFloat32> embeddings, Operand<TInt32> inputIds, Tokenizer tokenizer) {

    /** A copy with other embeddings. */
    public InputEmbeddings with(Operand<TFloat32> newEmbeddings) {
        return new InputEmbeddings(newEmbeddings, inputIds, tokenizer);
    }
}
