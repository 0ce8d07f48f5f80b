package dev.infuse.spi;

import java.util.List;

/**
 * The backbone's tokenizer. Implementations are immutable and thread-safe.
 *
 * <p>Plugins that need tokens of their own (entity markers, pseudo-tokens, KILM's
 * {@code <ent>}) declare them in {@link KnowledgeAdapter#addedTokens()}; the runtime builds a
 * tokenizer {@linkplain #withAddedTokens extended} by all of them. Added tokens are never split,
 * match exactly (case-sensitive) and get ids from {@link #baseVocabularySize()} upwards, i.e. outside
 * the backbone's embedding table, so they can only reach the model through an adapter that owns their
 * embeddings.
 */
public interface Tokenizer {

    /** {@code [CLS] text [SEP]}, with offsets into {@code text}. */
    TokenizedText encode(String text);

    /** {@code [CLS] a [SEP] b [SEP]}; offsets of {@code b}'s tokens are into {@code b}. */
    TokenizedText encodePair(String a, String b);

    /** Size of the backbone's own vocabulary. */
    int baseVocabularySize();

    /** Base vocabulary plus added tokens. */
    int vocabularySize();

    /** The id of a token string, or -1 if it is not in the vocabulary. */
    int tokenId(String token);

    /** The token string of an id. */
    String token(int id);

    int clsId();

    int sepId();

    int padId();

    int maskId();

    int unknownId();

    /**
     * A tokenizer that also knows {@code tokens}, in order, after the ones already added.
     *
     * @throws InfuseException {@code config-token-collision} if a token is already in the base
     *     vocabulary (it would be ambiguous whose embedding it uses)
     */
    Tokenizer withAddedTokens(List<String> tokens);

    /** The tokens added so far, in id order. */
    List<String> addedTokens();
}
