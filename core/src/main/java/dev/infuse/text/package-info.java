/**
 * Text processing for backbones: {@link dev.infuse.text.WordPieceTokenizer}, BERT WordPiece
 * tokenization with character offsets and added tokens.
 */
package dev.infuse.text;
