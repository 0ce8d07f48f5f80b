package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static dev.infuse.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConllUTest {
    @TempDir
    Path dir;

    private static String row(String id, String form, String head, String rel) {
        return String.join("\t", id, form, form.toLowerCase(), "X", "_", "_", head, rel, head + ":" + rel, "_");
    }

    private static final String GOOD = String.join("\n",
            "# sent_id = 1",
            "# text = I didn't go.",
            row("1", "I", "4", "nsubj"),
            "2-3\tdidn't\t_\t_\t_\t_\t_\t_\t_\t_",
            row("2", "did", "4", "aux"),
            row("3", "n't", "4", "advmod"),
            row("4", "go", "0", "root"),
            "4.1\tgo\tgo\tVERB\t_\t_\t_\t_\t4:conj\t_",
            row("5", ".", "4", "punct"),
            "",
            "# sent_id = 2",
            row("1", "Yes", "0", "root"),
            "");

    @Test
    void readsWordsHeadsRelationsAndComments() {
        ReadResult<DependencySentence> r = ConllU.read(write(dir, "a.conllu", GOOD));
        assertThat(r.records()).hasSize(2);
        DependencySentence s = r.records().get(0);
        assertThat(s.forms()).containsExactly("I", "did", "n't", "go", ".");
        assertThat(s.heads()).containsExactly(4, 4, 4, 0, 4);
        assertThat(s.relations()).containsExactly("nsubj", "aux", "advmod", "root", "punct");
        assertThat(s.comments()).containsExactly("# sent_id = 1", "# text = I didn't go.");
        assertThat(r.records().get(1).heads()).containsExactly(0);
        assertThat(r.report().count("multiword-token-lines")).isEqualTo(1);
        assertThat(r.report().count("empty-node-lines")).isEqualTo(1);
    }

    @Test
    void lastSentenceWithoutBlankLineAndCrlf() {
        ReadResult<DependencySentence> r = ConllU.read(write(dir, "b.conllu",
                row("1", "Hi", "0", "root") + "\r\n" + row("2", "!", "1", "punct")));
        assertThat(r.records()).hasSize(1);
        assertThat(r.records().get(0).heads()).containsExactly(0, 1);
    }

    @Test
    void emptyFile() {
        fails("data-empty", () -> ConllU.read(write(dir, "e.conllu", "")));
        fails("data-empty", () -> ConllU.read(write(dir, "f.conllu", "\n\n")));
    }

    @Test
    void wrongColumnCountNamesLine() {
        String bad = GOOD.replace(row("3", "n't", "4", "advmod"), "3\tn't\t4");
        var e = fails("data-format", () -> ConllU.read(write(dir, "c.conllu", bad)));
        assertThat(e.getMessage()).contains("c.conllu:6: 3 columns; expected 10 tab-separated");
    }

    @Test
    void nonIntegerAndOutOfRangeHeads() {
        String nonInt = GOOD.replace(row("2", "did", "4", "aux"), row("2", "did", "four", "aux"));
        assertThat(fails("data-format", () -> ConllU.read(write(dir, "n.conllu", nonInt))).getMessage())
                .contains("n.conllu:5: HEAD (column 7) 'four'");
        String range = GOOD.replace(row("3", "n't", "4", "advmod"), row("3", "n't", "6", "advmod"));
        assertThat(fails("data-format", () -> ConllU.read(write(dir, "r.conllu", range))).getMessage())
                .contains("r.conllu:6: HEAD 6 out of range").contains("[0, 5]");
    }

    @Test
    void wordIdsMustRunInOrder() {
        String bad = GOOD.replace(row("3", "n't", "4", "advmod"), row("7", "n't", "4", "advmod"));
        assertThat(fails("data-format", () -> ConllU.read(write(dir, "i.conllu", bad))).getMessage())
                .contains("i.conllu:6: word id '7'; expected word id 3");
    }

    @Test
    void wrongEncodingAndHugeLine() {
        byte[] enc = TestFiles.withLatin1(GOOD, "Yes\tyes");
        assertThat(fails("data-format", () -> ConllU.read(TestFiles.writeBytes(dir, "x.conllu", enc))).getMessage())
                .contains("x.conllu:12: malformed UTF-8");
        fails("data-format", () -> ConllU.read(write(dir, "h.conllu", GOOD + TestFiles.hugeLine())));
    }

    @Test
    void writerReplacesOnlyTheHeadColumn() throws Exception {
        Path original = write(dir, "gold.conllu", GOOD);
        Path out = dir.resolve("pred.conllu");
        ConllU.writeWithHeads(original, out, List.of(new int[] {2, 0, 2, 2, 4}, new int[] {0}));
        List<String> lines = Files.readAllLines(out);
        List<String> gold = GOOD.lines().toList();
        assertThat(lines).hasSize(gold.size() + 1);
        assertThat(lines.get(2)).isEqualTo(String.join("\t", "1", "I", "i", "X", "_", "_", "2", "nsubj", "4:nsubj", "_"));
        assertThat(lines.get(3)).isEqualTo(gold.get(3));
        assertThat(lines.get(5)).isEqualTo(String.join("\t", "3", "n't", "n't", "X", "_", "_", "2", "advmod", "4:advmod", "_"));
        assertThat(lines.get(7)).isEqualTo(gold.get(7));
        assertThat(lines.get(0)).isEqualTo("# sent_id = 1");
        assertThat(lines.get(lines.size() - 1)).isEmpty();
        DependencySentence reread = ConllU.read(out).records().get(0);
        assertThat(reread.heads()).containsExactly(2, 0, 2, 2, 4);
        assertThat(reread.relations()).containsExactly("nsubj", "aux", "advmod", "root", "punct");
    }

    @Test
    void writerChecksSentenceAndWordCounts() {
        Path original = write(dir, "gold.conllu", GOOD);
        Path out = dir.resolve("pred.conllu");
        fails("data-mismatch", () -> ConllU.writeWithHeads(original, out, List.of(new int[] {2, 0, 2, 2, 4})));
        fails("data-mismatch", () -> ConllU.writeWithHeads(original, out, List.of(new int[] {2, 0, 2, 2}, new int[] {0})));
        fails("data-format", () -> ConllU.writeWithHeads(original, out, List.of(new int[] {2, 0, 2, 2, 9}, new int[] {0})));
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void sentenceEqualityCoversHeads() {
        var a = new DependencySentence(List.of("a"), new int[] {0}, List.of("root"), List.of());
        var b = new DependencySentence(List.of("a"), new int[] {0}, List.of("root"), List.of());
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        int[] h = a.heads();
        h[0] = 5;
        assertThat(a.head(0)).isZero();
    }
}
