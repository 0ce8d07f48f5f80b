package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static dev.infuse.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrexRcTest {
    @TempDir
    Path dir;

    private static final String L1 = "{\"token\": [\"Allan\", \"Peiper\", \"was\", \"born\", \"in\", \"Alexandra\", \".\"], "
            + "\"subj_start\": 0, \"subj_end\": 1, \"obj_start\": 5, \"obj_end\": 5, \"relation\": \"P19\", "
            + "\"subj_id\": \"Q1886736\", \"obj_id\": \"Q2643563\"}";
    private static final String L2 = "{\"id\": \"x7\", \"token\": [\"A\", \"B\"], \"subj_start\": 1, \"subj_end\": 1, "
            + "\"obj_start\": 0, \"obj_end\": 0, \"relation\": \"P31\"}";

    @Test
    void readsInclusiveSpansAndOptionalIds() {
        ReadResult<RelationInstance> r = TrexRc.read(write(dir, "t.jsonl", L1 + "\n\n" + L2 + "\n"));
        assertThat(r.records()).hasSize(2);
        RelationInstance a = r.records().get(0);
        assertThat(a.id()).isEqualTo("1");
        assertThat(a.head()).isEqualTo(new Span(0, 2));
        assertThat(a.tail()).isEqualTo(new Span(5, 6));
        assertThat(a.headId()).isEqualTo("Q1886736");
        assertThat(a.relation()).isEqualTo("P19");
        RelationInstance b = r.records().get(1);
        assertThat(b.id()).isEqualTo("x7");
        assertThat(b.headId()).isNull();
        assertThat(b.tailTokens()).containsExactly("A");
    }

    @Test
    void emptyFile() {
        fails("data-empty", () -> TrexRc.read(write(dir, "e.jsonl", "\n  \n")));
    }

    @Test
    void truncatedJsonLine() {
        var e = fails("data-format", () -> TrexRc.read(write(dir, "t.jsonl", L1 + "\n" + L2.substring(0, 30) + "\n")));
        assertThat(e.getMessage()).startsWith(dir.resolve("t.jsonl") + ":2: malformed JSON");
    }

    @Test
    void wrongEncoding() {
        byte[] b = TestFiles.withLatin1(L1 + "\n" + L2 + "\n" + L1 + "\n", "\"B\"");
        var e = fails("data-format", () -> TrexRc.read(TestFiles.writeBytes(dir, "enc.jsonl", b)));
        assertThat(e.getMessage()).contains("enc.jsonl:2: malformed UTF-8");
    }

    @Test
    void malformedLineInTheMiddle() {
        String bad = L2.replace("\"relation\": \"P31\"", "\"relation\": 31");
        var e = fails("data-format", () -> TrexRc.read(write(dir, "m.jsonl", L1 + "\n" + bad + "\n" + L1 + "\n")));
        assertThat(e.getMessage()).contains("m.jsonl:2:").contains("field 'relation'").contains("expected a string");
    }

    @Test
    void outOfRangeSpan() {
        String bad = L1.replace("\"obj_end\": 5", "\"obj_end\": 7");
        var e = fails("data-format", () -> TrexRc.read(write(dir, "o.jsonl", bad + "\n")));
        assertThat(e.getMessage()).contains("o.jsonl:1:").contains("field 'obj_end'").contains("out of range");
        String reversed = L1.replace("\"subj_end\": 1", "\"subj_end\": -1");
        fails("data-format", () -> TrexRc.read(write(dir, "r.jsonl", reversed + "\n")));
    }

    @Test
    void missingField() {
        String bad = L1.replace("\"subj_start\": 0, ", "");
        var e = fails("data-format", () -> TrexRc.read(write(dir, "f.jsonl", bad)));
        assertThat(e.getMessage()).contains("field 'subj_start': missing");
    }

    @Test
    void hugeLine() {
        var e = fails("data-format", () -> TrexRc.read(write(dir, "h.jsonl", L1 + "\n" + TestFiles.hugeLine() + "\n")));
        assertThat(e.getMessage()).contains("h.jsonl:2: line longer than");
    }
}
