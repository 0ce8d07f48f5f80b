package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static dev.infuse.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SemEval2010Test {
    @TempDir
    Path dir;

    private static final String GOOD = String.join("\r\n",
            "1\t\"The system has an arrayed <e1>configuration</e1> of antenna <e2>elements</e2>.\"",
            "Component-Whole(e2,e1)",
            "Comment: Not a collection.",
            "",
            "2\t\"The <e2>\"cradle\"</e2> held the <e1>child</e1>.\"",
            "Other",
            "Comment:",
            "",
            "") ;

    @Test
    void readsCleanTextSpansAndLabels() {
        ReadResult<SemEvalExample> r = SemEval2010.read(write(dir, "TRAIN_FILE.TXT", GOOD));
        assertThat(r.records()).hasSize(2);
        SemEvalExample a = r.records().get(0);
        assertThat(a.id()).isEqualTo("1");
        assertThat(a.text()).isEqualTo("The system has an arrayed configuration of antenna elements.");
        assertThat(a.e1()).isEqualTo(new Span(26, 39));
        assertThat(a.e1Text()).isEqualTo("configuration");
        assertThat(a.e2Text()).isEqualTo("elements");
        assertThat(a.label()).isEqualTo("Component-Whole(e2,e1)");
        SemEvalExample b = r.records().get(1);
        assertThat(b.text()).isEqualTo("The \"cradle\" held the child.");
        assertThat(b.e2Text()).isEqualTo("\"cradle\"");
        assertThat(b.e1Text()).isEqualTo("child");
        assertThat(b.label()).isEqualTo("Other");
    }

    @Test
    void labelsAreTheNineteen() {
        assertThat(SemEval2010.LABELS).hasSize(19).contains("Entity-Origin(e2,e1)", "Other");
        assertThat(SemEval2010.relationType("Message-Topic(e1,e2)")).isEqualTo("Message-Topic");
    }

    @Test
    void readsUnlabelledTestLayout() {
        ReadResult<SemEvalExample> r = SemEval2010.readUnlabelled(write(dir, "TEST_FILE.TXT",
                "8001\t\"The <e1>a</e1> b <e2>c</e2>.\"\r\n8002\t\"<e1>x</e1><e2>y</e2>\"\r\n"));
        assertThat(r.records()).extracting(SemEvalExample::label).containsExactly(null, null);
        assertThat(r.records().get(1).e2()).isEqualTo(new Span(1, 2));
    }

    @Test
    void emptyFile() {
        fails("data-empty", () -> SemEval2010.read(write(dir, "e.txt", "\r\n")));
    }

    @Test
    void missingMarkerNamesLine() {
        String bad = GOOD.replace("<e2>\"cradle\"</e2>", "\"cradle\"");
        var e = fails("data-format", () -> SemEval2010.read(write(dir, "m.txt", bad)));
        assertThat(e.getMessage()).contains("m.txt:5:").contains("<e2> missing");
    }

    @Test
    void unbalancedOrRepeatedMarkers() {
        String closeFirst = GOOD.replace("<e1>child</e1>", "</e1>child<e1>");
        assertThat(fails("data-format", () -> SemEval2010.read(write(dir, "a.txt", closeFirst))).getMessage())
                .contains("a.txt:5:").contains("before its opening marker");
        String twice = GOOD.replace("<e1>child</e1>", "<e1>child</e1> <e1>x</e1>");
        assertThat(fails("data-format", () -> SemEval2010.read(write(dir, "b.txt", twice))).getMessage())
                .contains("appears twice");
        String nested = GOOD.replace("<e1>child</e1>", "<e1>ch<e2>il</e2>d</e1>").replace("<e2>\"cradle\"</e2>", "cradle");
        assertThat(fails("data-format", () -> SemEval2010.read(write(dir, "c.txt", nested))).getMessage())
                .contains("overlap");
    }

    @Test
    void unknownLabelNamesLine() {
        String bad = GOOD.replace("Component-Whole(e2,e1)", "Component-Whole(e2,e2)");
        var e = fails("data-format", () -> SemEval2010.read(write(dir, "l.txt", bad)));
        assertThat(e.getMessage()).contains("l.txt:2: unknown label 'Component-Whole(e2,e2)'");
    }

    @Test
    void malformedSentenceLineAndEncoding() {
        String bad = GOOD.replace("2\t\"The", "two\t\"The");
        assertThat(fails("data-format", () -> SemEval2010.read(write(dir, "s.txt", bad))).getMessage())
                .contains("s.txt:5: not a sentence line");
        byte[] enc = TestFiles.withLatin1(GOOD, "held");
        assertThat(fails("data-format", () -> SemEval2010.read(TestFiles.writeBytes(dir, "x.txt", enc))).getMessage())
                .contains("x.txt:5: malformed UTF-8");
    }

    @Test
    void hugeLine() {
        fails("data-format", () -> SemEval2010.read(write(dir, "h.txt", TestFiles.hugeLine())));
    }

    @Test
    void answersRoundTripInTheScorerFormat() throws Exception {
        Map<String, String> answers = new LinkedHashMap<>();
        answers.put("3", "Other");
        answers.put("1", "Cause-Effect(e1,e2)");
        Path p = dir.resolve("answers.txt");
        SemEval2010.writeAnswers(p, answers);
        assertThat(Files.readString(p)).isEqualTo("3\tOther\n1\tCause-Effect(e1,e2)\n");
        assertThat(SemEval2010.readAnswers(p)).containsExactlyEntriesOf(answers);
        assertThat(Files.list(dir)).as("no temp file left").hasSize(1);
    }

    @Test
    void answerWriterAndReaderRejectBadInput() {
        fails("data-format", () -> SemEval2010.writeAnswers(dir.resolve("a.txt"), Map.of("x1", "Other")));
        fails("data-format", () -> SemEval2010.writeAnswers(dir.resolve("b.txt"), Map.of("1", "Nope")));
        assertThat(Files.exists(dir.resolve("a.txt"))).isFalse();
        assertThat(fails("data-format", () -> SemEval2010.readAnswers(write(dir, "c.txt", "1\tOther\n1\tOther\n")))
                .getMessage()).contains("c.txt:2:").contains("appears twice");
        assertThat(fails("data-format", () -> SemEval2010.readAnswers(write(dir, "d.txt", "1\tOther\n2\tFoo\n")))
                .getMessage()).contains("d.txt:2: unknown label 'Foo'");
        fails("data-empty", () -> SemEval2010.readAnswers(write(dir, "e.txt", "")));
    }
}
