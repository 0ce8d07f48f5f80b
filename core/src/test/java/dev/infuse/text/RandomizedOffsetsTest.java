package dev.infuse.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.TokenizedText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Character offsets of the WordPiece tokenizer on random texts (seeded, see {@link RandomSeed}):
 * mixed case, accents, digits (unknown words), CJK characters, punctuation, a character outside the
 * BMP, runs of spaces, tabs and newlines. Each token's span, folded as the tokenizer folds, is the
 * token (without {@code ##}); continuation pieces start where the previous piece ended; spans
 * increase; every non-space character is covered by exactly one token.
 */
@ExtendWith(RandomSeed.class)
class RandomizedOffsetsTest {
    private static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "a", "b", "c", "ab", "abc", "ba", "##a", "##b", "##c", "##bc", "##ca", "e", "##e", "cafe", "中", "国",
            ",", ".", "!", "'", "-", "(", ")", "A", "B", "Ab", "##A", "##B", "é", "##é", "É");
    private static final String[] FRAGMENTS = {"a", "b", "c", "ab", "abc", "A", "B", "C", "é", "É", "á", "e", "cafe", "Café",
        "7", "42", "中", "国", "中国", ",", ".", "!", "'", "-", "(", ")", "\uD83D\uDE00", "ß", "x"};
    private static final String[] SPACES = {"", "", " ", " ", "  ", "\t", "\n", " \n "};

    @TempDir
    static Path dir;
    private static WordPieceTokenizer uncased;
    private static WordPieceTokenizer cased;

    @BeforeAll
    static void setUp() throws IOException {
        Path vocab = Files.writeString(dir.resolve("vocab.txt"), String.join("\n", VOCAB) + "\n", StandardCharsets.UTF_8);
        uncased = WordPieceTokenizer.fromVocabulary(vocab, true);
        cased = WordPieceTokenizer.fromVocabulary(vocab, false);
    }

    @AfterAll
    static void tearDown() {
        uncased.close();
        cased.close();
    }

    static String text(SplittableRandom r) {
        StringBuilder s = new StringBuilder(SPACES[r.nextInt(SPACES.length)]);
        for (int i = 0, n = r.nextInt(25); i < n; i++) {
            s.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]).append(SPACES[r.nextInt(SPACES.length)]);
        }
        return s.toString();
    }

    static String fold(String s, boolean lowercase) {
        if (!lowercase) {
            return s;
        }
        return Normalizer.normalize(s.toLowerCase(Locale.ROOT), Normalizer.Form.NFD).replaceAll("\\p{M}", "");
    }

    @RepeatedTest(200)
    void offsetsPointAtWhatEachTokenWasMadeOf(SplittableRandom r) {
        boolean lowercase = r.nextBoolean();
        String text = text(r);
        TokenizedText t = (lowercase ? uncased : cased).encode(text);
        String where = "text '" + text.replace("\n", "\\n").replace("\t", "\\t") + "' (" + (lowercase ? "uncased" : "cased") + ") -> "
                + String.join(" ", t.tokens());
        int n = t.length();
        assertThat(t.tokens()[0]).isEqualTo("[CLS]");
        assertThat(t.tokens()[n - 1]).isEqualTo("[SEP]");
        int[] cover = new int[text.length()];
        int previousEnd = 0;
        int previousStart = 0;
        for (int i = 1; i < n - 1; i++) {
            String tok = t.tokens()[i];
            int s = t.charStart()[i];
            int e = t.charEnd()[i];
            assertThat(s).as("start of %s in %s", tok, where).isBetween(0, text.length() - 1);
            assertThat(e).as("end of %s in %s", tok, where).isBetween(s + 1, text.length());
            assertThat(s).as("starts increase: %s in %s", tok, where).isGreaterThanOrEqualTo(previousStart);
            String span = text.substring(s, e);
            if (tok.equals("[UNK]")) {
                assertThat(span.strip()).as("[UNK] span in %s", where).isEqualTo(span).isNotEmpty();
            } else {
                assertThat(fold(span, lowercase)).as("span of %s in %s", tok, where).isEqualTo(tok.startsWith("##") ? tok.substring(2) : tok);
            }
            if (tok.startsWith("##")) {
                assertThat(s).as("continuation %s starts where the previous piece ended in %s", tok, where).isEqualTo(previousEnd);
            }
            for (int c = s; c < e; c++) {
                cover[c]++;
            }
            previousStart = s;
            previousEnd = e;
        }
        for (int c = 0; c < text.length(); c++) {
            boolean space = Character.isWhitespace(text.charAt(c));
            assertThat(cover[c]).as("character %d ('%s') covered in %s", c, text.charAt(c), where).isEqualTo(space ? 0 : 1);
        }
    }
}
