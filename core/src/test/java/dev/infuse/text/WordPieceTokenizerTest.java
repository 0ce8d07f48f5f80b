package dev.infuse.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.TokenizedText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceTokenizerTest {

    /** Line number minus one is the id. */
    private static final List<String> VOCAB = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", // 0-4
            "the", "hello", "world", ",", "!", // 5-9
            ".", "un", "##aff", "##able", "paris", // 10-14
            "is", "in", "france", "cafe", "eclair", // 15-19
            "##s", "visited", "he"); // 20-22

    @TempDir
    static Path dir;

    private static Path vocabFile;
    private static WordPieceTokenizer uncased;
    private static WordPieceTokenizer withEntities;

    @BeforeAll
    static void setUp() throws IOException {
        vocabFile = write("vocab.txt", VOCAB);
        uncased = WordPieceTokenizer.fromVocabulary(vocabFile, true);
        withEntities = uncased.withAddedTokens(List.of("<ent>", "[E]", "</ent>"));
    }

    @AfterAll
    static void tearDown() {
        uncased.close();
        withEntities.close();
    }

    private static Path write(String name, List<String> lines) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private static void assertTokens(TokenizedText t, String[] tokens, int[] ids, int[] start, int[] end) {
        assertThat(t.tokens()).containsExactly(tokens);
        assertThat(t.ids()).containsExactly(ids);
        assertThat(t.charStart()).as("charStart").containsExactly(start);
        assertThat(t.charEnd()).as("charEnd").containsExactly(end);
    }

    @Test
    void specialIdsAndSizesComeFromTheVocabulary() {
        assertThat(uncased.padId()).isZero();
        assertThat(uncased.unknownId()).isEqualTo(1);
        assertThat(uncased.clsId()).isEqualTo(2);
        assertThat(uncased.sepId()).isEqualTo(3);
        assertThat(uncased.maskId()).isEqualTo(4);
        assertThat(uncased.baseVocabularySize()).isEqualTo(23);
        assertThat(uncased.vocabularySize()).isEqualTo(23);
        assertThat(uncased.tokenId("paris")).isEqualTo(14);
        assertThat(uncased.tokenId("Paris")).isEqualTo(-1);
        assertThat(uncased.token(20)).isEqualTo("##s");
        assertThat(uncased.addedTokens()).isEmpty();
        assertThatThrownBy(() -> uncased.token(23)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void simpleWords() {
        TokenizedText t = uncased.encode("hello world");
        assertTokens(t, new String[] {"[CLS]", "hello", "world", "[SEP]"}, new int[] {2, 6, 7, 3},
                new int[] {0, 0, 6, 0}, new int[] {0, 5, 11, 0});
        assertThat(t.typeIds()).containsExactly(0, 0, 0, 0);
    }

    @Test
    void wordSplitIntoContinuationPieces() {
        assertTokens(uncased.encode("unaffable"), new String[] {"[CLS]", "un", "##aff", "##able", "[SEP]"},
                new int[] {2, 11, 12, 13, 3}, new int[] {0, 0, 2, 5, 0}, new int[] {0, 2, 5, 9, 0});
    }

    @Test
    void uppercaseAndAccentsAreNormalisedButOffsetsPointIntoTheOriginal() {
        String text = "  Café ÉCLAIRS!";
        TokenizedText t = uncased.encode(text);
        assertTokens(t, new String[] {"[CLS]", "cafe", "eclair", "##s", "!", "[SEP]"},
                new int[] {2, 18, 19, 20, 9, 3}, new int[] {0, 2, 7, 13, 14, 0}, new int[] {0, 6, 13, 14, 15, 0});
        assertThat(text.substring(t.charStart()[1], t.charEnd()[1])).isEqualTo("Café");
        assertThat(text.substring(t.charStart()[2], t.charEnd()[3])).isEqualTo("ÉCLAIRS");
    }

    @Test
    void casedTokenizerKeepsCaseAndAccents() {
        try (WordPieceTokenizer cased = WordPieceTokenizer.fromVocabulary(vocabFile, false)) {
            assertThat(cased.lowercase()).isFalse();
            assertThat(cased.encode("Hello hello café").ids()).containsExactly(2, 1, 6, 1, 3);
        }
    }

    @Test
    void punctuationIsSplitOff() {
        assertTokens(uncased.encode("hello, world!."), new String[] {"[CLS]", "hello", ",", "world", "!", ".", "[SEP]"},
                new int[] {2, 6, 8, 7, 9, 10, 3}, new int[] {0, 0, 5, 7, 12, 13, 0}, new int[] {0, 5, 6, 12, 13, 14, 0});
    }

    @Test
    void unknownWordBecomesUnk() {
        assertTokens(uncased.encode("hello xyzzy"), new String[] {"[CLS]", "hello", "[UNK]", "[SEP]"},
                new int[] {2, 6, 1, 3}, new int[] {0, 0, 6, 0}, new int[] {0, 5, 11, 0});
    }

    @Test
    void overlongWordBecomesUnk() {
        String longWord = "un".repeat(60);
        assertThat(uncased.encode(longWord).ids()).containsExactly(2, 1, 3);
    }

    @Test
    void emptyTextIsJustTheTemplate() {
        assertTokens(uncased.encode(""), new String[] {"[CLS]", "[SEP]"}, new int[] {2, 3}, new int[] {0, 0}, new int[] {0, 0});
    }

    @Test
    void offsetsAreUtf16IndicesAroundSupplementaryCharacters() {
        String text = "\uD83D\uDE00 hello \uD83D\uDE00world";
        TokenizedText t = uncased.encode(text);
        assertThat(t.tokens()).containsExactly("[CLS]", "[UNK]", "hello", "[UNK]", "[SEP]");
        assertThat(t.charStart()).containsExactly(0, 0, 3, 9, 0);
        assertThat(t.charEnd()).containsExactly(0, 2, 8, 16, 0);
        assertThat(text.substring(3, 8)).isEqualTo("hello");
    }

    @Test
    void loneSurrogateDoesNotBreakEncoding() {
        // It reaches the library as U+FFFD, which BERT's text cleaning drops like any invalid character.
        TokenizedText t = uncased.encode("\uD800 hello");
        assertThat(t.tokens()).containsExactly("[CLS]", "hello", "[SEP]");
        assertThat(t.charStart()[1]).isEqualTo(2);
        assertThat(t.charEnd()[1]).isEqualTo(7);
    }

    @Test
    void pairEncodingHasTypeIdsAndOffsetsIntoEachText() {
        TokenizedText t = uncased.encodePair("hello world", "Paris is");
        assertTokens(t, new String[] {"[CLS]", "hello", "world", "[SEP]", "paris", "is", "[SEP]"},
                new int[] {2, 6, 7, 3, 14, 15, 3}, new int[] {0, 0, 6, 0, 0, 6, 0}, new int[] {0, 5, 11, 0, 5, 8, 0});
        assertThat(t.typeIds()).containsExactly(0, 0, 0, 0, 1, 1, 1);
    }

    @Test
    void addedTokensGetIdsAfterTheBaseVocabularyAndNeverSplit() {
        assertThat(withEntities.baseVocabularySize()).isEqualTo(23);
        assertThat(withEntities.vocabularySize()).isEqualTo(26);
        assertThat(withEntities.addedTokens()).containsExactly("<ent>", "[E]", "</ent>");
        assertThat(withEntities.tokenId("<ent>")).isEqualTo(23);
        assertThat(withEntities.tokenId("[E]")).isEqualTo(24);
        assertThat(withEntities.token(25)).isEqualTo("</ent>");

        String text = "<ent>Paris</ent> is in France";
        TokenizedText t = withEntities.encode(text);
        assertTokens(t, new String[] {"[CLS]", "<ent>", "paris", "</ent>", "is", "in", "france", "[SEP]"},
                new int[] {2, 23, 14, 25, 15, 16, 17, 3}, new int[] {0, 0, 5, 10, 17, 20, 23, 0},
                new int[] {0, 5, 10, 16, 19, 22, 29, 0});

        assertTokens(withEntities.encode("he[E]visited[E]paris"),
                new String[] {"[CLS]", "he", "[E]", "visited", "[E]", "paris", "[SEP]"},
                new int[] {2, 22, 24, 21, 24, 14, 3}, new int[] {0, 0, 2, 5, 12, 15, 0}, new int[] {0, 2, 5, 12, 15, 20, 0});
    }

    @Test
    void addedTokensAreCaseSensitive() {
        TokenizedText t = withEntities.encode("<ENT>paris");
        assertThat(t.ids()).doesNotContain(23, 24, 25).contains(14);
    }

    @Test
    void addingTokensLeavesTheOriginalUnchanged() {
        assertThat(uncased.tokenId("<ent>")).isEqualTo(-1);
        assertThat(uncased.vocabularySize()).isEqualTo(23);
        assertThat(uncased.encode("<ent>paris").ids()).doesNotContain(23).contains(14);
    }

    @Test
    void addedTokensAccumulateInOrder() {
        try (WordPieceTokenizer one = uncased.withAddedTokens(List.of("<ent>"));
                WordPieceTokenizer two = one.withAddedTokens(List.of("[E]"))) {
            assertThat(two.addedTokens()).containsExactly("<ent>", "[E]");
            assertThat(two.encode("[E]<ent>").ids()).containsExactly(2, 24, 23, 3);
            assertThat(one.vocabularySize()).isEqualTo(24);
        }
    }

    @Test
    void tokenSpanMapsAnEntityToItsTokens() {
        String text = "he visited Paris.";
        TokenizedText t = uncased.encode(text);
        int start = text.indexOf("Paris");
        assertThat(t.tokenSpan(start, start + 5)).containsExactly(3, 4);
        assertThat(t.tokens()[3]).isEqualTo("paris");

        TokenizedText split = uncased.encode("he visited unaffable paris");
        assertThat(split.tokenSpan(11, 20)).containsExactly(3, 6);
        // A span inside one piece maps to that piece; a span over whitespace only maps to nothing.
        assertThat(split.tokenSpan(13, 14)).containsExactly(4, 5);
        assertThat(split.tokenSpan(10, 11)).isNull();

        String marked = "<ent>Paris</ent> is in France";
        TokenizedText m = withEntities.encode(marked);
        assertThat(m.tokenSpan(0, marked.indexOf(" is"))).containsExactly(1, 4);
    }

    @Test
    void addedTokenInTheBaseVocabularyIsACollision() {
        assertThatThrownBy(() -> uncased.withAddedTokens(List.of("<ent>", "paris")))
                .isInstanceOfSatisfying(InfuseException.class, e -> {
                    assertThat(e.code()).isEqualTo("config-token-collision");
                    assertThat(e.getMessage()).contains("'paris'", "id 14");
                });
        assertThatThrownBy(() -> uncased.withAddedTokens(List.of("[MASK]")))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-token-collision"));
    }

    @Test
    void duplicateAddedTokensAreACollision() {
        assertThatThrownBy(() -> uncased.withAddedTokens(List.of("<ent>", "[E]", "<ent>")))
                .isInstanceOfSatisfying(InfuseException.class, e -> {
                    assertThat(e.code()).isEqualTo("config-token-collision");
                    assertThat(e.getMessage()).contains("'<ent>'", "id 23");
                });
        assertThatThrownBy(() -> withEntities.withAddedTokens(List.of("[E]")))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-token-collision"));
        assertThatThrownBy(() -> uncased.withAddedTokens(List.of("")))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.code()).isEqualTo("config-bad-value"));
    }

    @Test
    void emptyVocabularyIsRejected() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocabulary(empty, true))
                .isInstanceOfSatisfying(InfuseException.class, e -> {
                    assertThat(e.code()).isEqualTo("backbone-invalid-vocabulary");
                    assertThat(e.getMessage()).contains(empty.toString(), "empty");
                    assertThat(e.exitCode()).isEqualTo(4);
                });
    }

    @Test
    void vocabularyWithoutUnkIsRejected() throws IOException {
        List<String> noUnk = new ArrayList<>(VOCAB);
        noUnk.set(1, "[UNUSED]");
        Path file = write("no-unk.txt", noUnk);
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocabulary(file, true))
                .isInstanceOfSatisfying(InfuseException.class, e -> {
                    assertThat(e.code()).isEqualTo("backbone-invalid-vocabulary");
                    assertThat(e.getMessage()).contains(file.toString(), "[UNK]");
                });
    }

    @Test
    void duplicateAndEmptyLinesAreRejectedWithTheirLineNumber() throws IOException {
        List<String> dup = new ArrayList<>(VOCAB);
        dup.add("hello");
        Path file = write("dup.txt", dup);
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocabulary(file, true))
                .isInstanceOfSatisfying(InfuseException.class, e -> {
                    assertThat(e.code()).isEqualTo("backbone-invalid-vocabulary");
                    assertThat(e.getMessage()).contains(file.toString(), "line 24", "'hello'", "line 7");
                });

        List<String> blank = new ArrayList<>(VOCAB);
        blank.add(6, "");
        Path blankFile = write("blank.txt", blank);
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocabulary(blankFile, true))
                .isInstanceOfSatisfying(InfuseException.class, e -> assertThat(e.getMessage()).contains("line 7", "empty"));
    }

    @Test
    void missingVocabularyIsRejected() {
        Path missing = dir.resolve("nope/vocab.txt");
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocabulary(missing, true))
                .isInstanceOfSatisfying(InfuseException.class, e -> {
                    assertThat(e.code()).isEqualTo("backbone-invalid-vocabulary");
                    assertThat(e.getMessage()).contains(missing.toString(), "does not exist");
                });
    }

    @Test
    void windowsLineEndingsAreAccepted() throws IOException {
        Path crlf = Files.writeString(dir.resolve("crlf.txt"), String.join("\r\n", VOCAB) + "\r\n");
        try (WordPieceTokenizer t = WordPieceTokenizer.fromVocabulary(crlf, true)) {
            assertThat(t.baseVocabularySize()).isEqualTo(23);
            assertThat(t.encode("hello").ids()).containsExactly(2, 6, 3);
        }
    }

    @Test
    void longTextsAreNeitherTruncatedNorPadded() {
        String text = "hello world ".repeat(600);
        TokenizedText t = uncased.encode(text);
        assertThat(t.length()).isEqualTo(1202);
        assertThat(uncased.encodeBatch(List.of("hello", "hello world hello")).stream().map(TokenizedText::length))
                .containsExactly(3, 5);
    }

    @Test
    void batchEncodingMatchesSingleEncoding() {
        List<String> texts = List.of("hello world", "Café ÉCLAIRS", "", "\uD83D\uDE00 paris", "unaffable, he visited");
        List<TokenizedText> batch = uncased.encodeBatch(texts);
        assertThat(batch).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.get(i)).as(texts.get(i)).isEqualTo(uncased.encode(texts.get(i)));
        }
    }

    @Test
    void concurrentEncodingGivesTheSameResults() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            texts.add("<ent>Paris</ent> is in France " + "unaffable ".repeat(i % 7) + i);
        }
        List<TokenizedText> expected = texts.stream().map(withEntities::encode).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                results.add(pool.submit(() -> {
                    for (int r = 0; r < 20; r++) {
                        for (int i = 0; i < texts.size(); i++) {
                            if (!withEntities.encode(texts.get(i)).equals(expected.get(i))) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tenThousandShortSentencesEncodeSinglyAndBatchedAlike() {
        // Speed is measured by HostSideBench (docs/BENCHMARKS.md), not asserted here.
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            texts.add("Hello, World! He visited Paris in France, number " + i + ".");
        }
        List<TokenizedText> batch = uncased.encodeBatch(texts);
        assertThat(batch).hasSize(10_000);
        for (int i = 0; i < 10_000; i += 997) {
            assertThat(batch.get(i)).isEqualTo(uncased.encode(texts.get(i)));
        }
    }

    @Test
    void closedTokenizerRefusesToEncodeButCloseIsIdempotent() {
        // Checked on the instance: the global live counter is also decreased by the background cleaner
        // of other tests' unreachable tokenizers, so comparing it before and after would race.
        WordPieceTokenizer t = WordPieceTokenizer.fromVocabulary(vocabFile, true);
        assertThat(t.nativeReleased()).isFalse();
        t.close();
        assertThat(t.nativeReleased()).isTrue();
        t.close();
        assertThat(t.nativeReleased()).isTrue();
        assertThatThrownBy(() -> t.encode("hello")).isInstanceOf(IllegalStateException.class);
        assertThat(t.tokenId("hello")).isEqualTo(6);
    }
}
