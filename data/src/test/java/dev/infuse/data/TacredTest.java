package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static dev.infuse.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TacredTest {
    @TempDir
    Path dir;

    private static final String R1 = "{\"id\": \"a1\", \"relation\": \"per:spouse\", \"token\": [\"Edwards\", \"married\", "
            + "\"Julie\", \"Andrews\", \".\"], \"subj_start\": 0, \"subj_end\": 0, \"obj_start\": 2, \"obj_end\": 3, "
            + "\"subj_type\": \"PERSON\", \"obj_type\": \"PERSON\", \"stanford_pos\": [\"NNP\"]}";
    private static final String R2 = "{\"id\": \"a2\", \"relation\": \"no_relation\", \"token\": [\"It\", \"rained\"], "
            + "\"subj_start\": 0, \"subj_end\": 0, \"obj_start\": 1, \"obj_end\": 1, "
            + "\"subj_type\": \"PERSON\", \"obj_type\": \"DATE\"}";

    @Test
    void readsExamples() {
        ReadResult<TacredExample> r = Tacred.read(write(dir, "dev.json", "[" + R1 + ",\n" + R2 + "]"));
        assertThat(r.records()).hasSize(2);
        TacredExample a = r.records().get(0);
        assertThat(a.id()).isEqualTo("a1");
        assertThat(a.subject()).isEqualTo(new Span(0, 1));
        assertThat(a.object()).isEqualTo(new Span(2, 4));
        assertThat(a.subjectType()).isEqualTo("PERSON");
        assertThat(a.relation()).isEqualTo("per:spouse");
        RelationInstance ri = a.toRelationInstance();
        assertThat(ri.tailTokens()).containsExactly("Julie", "Andrews");
        assertThat(ri.headId()).isNull();
        assertThat(r.records().get(1).relation()).isEqualTo(Tacred.NO_RELATION);
    }

    @Test
    void emptyFileAndEmptyArray() {
        fails("data-empty", () -> Tacred.read(write(dir, "e.json", "")));
        fails("data-empty", () -> Tacred.read(write(dir, "a.json", " [ ] ")));
    }

    @Test
    void truncated() {
        var e = fails("data-format", () -> Tacred.read(write(dir, "t.json", "[" + R1 + ",\n" + R2.substring(0, 40))));
        assertThat(e.getMessage()).contains("t.json:2:");
    }

    @Test
    void wrongEncoding() {
        byte[] b = TestFiles.withLatin1("[" + R1 + ",\n" + R2 + "]", "rained");
        var e = fails("data-format", () -> Tacred.read(TestFiles.writeBytes(dir, "enc.json", b)));
        assertThat(e.getMessage()).contains("enc.json:2:").containsIgnoringCase("utf-8");
    }

    @Test
    void badRecordNamesIndexAndField() {
        String bad = R2.replace("\"obj_end\": 1", "\"obj_end\": 2");
        var e = fails("data-format", () -> Tacred.read(write(dir, "b.json", "[" + R1 + ", " + bad + ", " + R1 + "]")));
        assertThat(e.getMessage()).contains("record 1,").contains("field 'obj_end'").contains("out of range");
        String noType = R1.replace("\"subj_type\": \"PERSON\", ", "");
        var e2 = fails("data-format", () -> Tacred.read(write(dir, "c.json", "[" + noType + "]")));
        assertThat(e2.getMessage()).contains("record 0,").contains("field 'subj_type': missing");
    }

    @Test
    void topLevelMustBeArray() {
        var e = fails("data-format", () -> Tacred.read(write(dir, "o.json", R1)));
        assertThat(e.getMessage()).contains("top level");
    }
}
