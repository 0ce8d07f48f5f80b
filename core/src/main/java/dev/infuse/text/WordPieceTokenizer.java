package dev.infuse.text;

import dev.infuse.spi.TokenizedText;
import dev.infuse.spi.Tokenizer;
import java.nio.file.Path;
import java.util.List;

/**
 * BERT WordPiece tokenization from a {@code vocab.txt}, with character offsets and added tokens
 * that never split. (Stub: the implementation lands with the tokenizer work.)
 */
public final class WordPieceTokenizer implements Tokenizer {

    private WordPieceTokenizer() {}

    /**
     * @param vocabulary a BERT {@code vocab.txt}: one token per line, line number = id
     * @param lowercase true for uncased models (lower-cases and strips accents)
     */
    public static WordPieceTokenizer fromVocabulary(Path vocabulary, boolean lowercase) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override public TokenizedText encode(String text) { throw new UnsupportedOperationException(); }
    @Override public TokenizedText encodePair(String a, String b) { throw new UnsupportedOperationException(); }
    @Override public int baseVocabularySize() { throw new UnsupportedOperationException(); }
    @Override public int vocabularySize() { throw new UnsupportedOperationException(); }
    @Override public int tokenId(String token) { throw new UnsupportedOperationException(); }
    @Override public String token(int id) { throw new UnsupportedOperationException(); }
    @Override public int clsId() { throw new UnsupportedOperationException(); }
    @Override public int sepId() { throw new UnsupportedOperationException(); }
    @Override public int padId() { throw new UnsupportedOperationException(); }
    @Override public int maskId() { throw new UnsupportedOperationException(); }
    @Override public int unknownId() { throw new UnsupportedOperationException(); }
    @Override public Tokenizer withAddedTokens(List<String> tokens) { throw new UnsupportedOperationException(); }
    @Override public List<String> addedTokens() { throw new UnsupportedOperationException(); }
}
