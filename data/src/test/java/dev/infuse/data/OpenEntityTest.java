package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static dev.infuse.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenEntityTest {
    @TempDir
    Path dir;

    private static final String L1 = "{\"y_str\": [\"date\", \"time\", \"weekday\"], \"annot_id\": \"NYT:1\", "
            + "\"mention_span\": \"late Monday night\", \"left_context_token\": [\"On\"], "
            + "\"right_context_token\": [\",\", \"30th\"]}";
    private static final String L2 = "{\"y_str\": [\"expert\", \"person\", \"group\"], \"mention_span\": \"She\", "
            + "\"left_context_token\": [], \"right_context_token\": [\"said\", \".\"]}";
    private static final String L3 = "{\"y_str\": [\"weekday\"], \"mention_span\": \"Monday\", "
            + "\"left_context_token\": [], \"right_context_token\": []}";

    @Test
    void readsTokensMentionAndGeneralLabels() {
        ReadResult<EntityTypingExample> r = OpenEntity.read(write(dir, "dev.json", L1 + "\n" + L2 + "\n" + L3 + "\n"));
        assertThat(r.records()).hasSize(3);
        EntityTypingExample a = r.records().get(0);
        assertThat(a.id()).isEqualTo("NYT:1");
        assertThat(a.tokens()).containsExactly("On", "late", "Monday", "night", ",", "30th");
        assertThat(a.mention()).isEqualTo(new Span(1, 4));
        assertThat(a.mentionTokens()).containsExactly("late", "Monday", "night");
        assertThat(a.labels()).containsExactly("time");
        assertThat(a.rawLabels()).containsExactly("date", "time", "weekday");
        EntityTypingExample b = r.records().get(1);
        assertThat(b.id()).isEqualTo("line 2");
        assertThat(b.labels()).as("canonical order").containsExactly("group", "person");
        assertThat(b.mention()).isEqualTo(new Span(0, 1));
        EntityTypingExample c = r.records().get(2);
        assertThat(c.labels()).as("kept with no general type").isEmpty();
        assertThat(r.report().count("no-general-type")).isEqualTo(1);
        assertThat(OpenEntity.GENERAL_TYPES).hasSize(9);
    }

    @Test
    void emptyFile() {
        fails("data-empty", () -> OpenEntity.read(write(dir, "e.json", "")));
    }

    @Test
    void truncatedAndMalformedLines() {
        var e = fails("data-format", () -> OpenEntity.read(write(dir, "t.json", L1 + "\n" + L2.substring(0, 50) + "\n" + L3)));
        assertThat(e.getMessage()).contains("t.json:2: malformed JSON");
        String bad = L2.replace("[\"said\", \".\"]", "\"said .\"");
        var e2 = fails("data-format", () -> OpenEntity.read(write(dir, "m.json", L1 + "\n" + bad + "\n" + L3)));
        assertThat(e2.getMessage()).contains("m.json:2:").contains("field 'right_context_token'")
                .contains("expected an array of strings");
        var e3 = fails("data-format", () -> OpenEntity.read(write(dir, "n.json", "[1, 2]")));
        assertThat(e3.getMessage()).contains("n.json:1: line is not a JSON object");
    }

    @Test
    void emptyMentionIsAnError() {
        String bad = L3.replace("\"Monday\"", "\"  \"");
        assertThat(fails("data-format", () -> OpenEntity.read(write(dir, "x.json", bad))).getMessage())
                .contains("field 'mention_span': is empty");
    }

    @Test
    void wrongEncodingAndHugeLine() {
        byte[] enc = TestFiles.withLatin1(L1 + "\n" + L2 + "\n", "She");
        assertThat(fails("data-format", () -> OpenEntity.read(TestFiles.writeBytes(dir, "w.json", enc))).getMessage())
                .contains("w.json:2: malformed UTF-8");
        fails("data-format", () -> OpenEntity.read(write(dir, "h.json", TestFiles.hugeLine())));
    }
}
