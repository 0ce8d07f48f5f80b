package dev.infuse.data;

import static dev.infuse.data.TestFiles.fails;
import static dev.infuse.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FewRelTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            {"P177": [{"tokens": ["The", "Cape", "Bridge", "crosses", "the", "Mississippi", "."],
                       "h": ["cape bridge", "Q5034838", [[1, 2]]], "t": ["mississippi", "Q1497", [[5]]]},
                      {"tokens": ["A", "B", "C", "A"],
                       "h": ["a", "Q1", [[0], [3]]], "t": ["c", "Q3", [[2]]]}],
             "P19": [{"tokens": ["X", "born", "in", "Y"], "h": ["x", "Q10", [[0]]], "t": ["y", "Q11", [[3]]]}]}
            """;

    @Test
    void readsInstancesWithSpansIdsAndEntityIds() {
        ReadResult<RelationInstance> r = FewRel.read(write(dir, "val.json", GOOD));
        assertThat(r.records()).hasSize(3);
        RelationInstance a = r.records().get(0);
        assertThat(a.id()).isEqualTo("P177/0");
        assertThat(a.relation()).isEqualTo("P177");
        assertThat(a.head()).isEqualTo(new Span(1, 3));
        assertThat(a.headTokens()).containsExactly("Cape", "Bridge");
        assertThat(a.tail()).isEqualTo(new Span(5, 6));
        assertThat(a.headId()).isEqualTo("Q5034838");
        assertThat(a.tailId()).isEqualTo("Q1497");
        RelationInstance b = r.records().get(1);
        assertThat(b.id()).isEqualTo("P177/1");
        assertThat(b.head()).as("first mention kept").isEqualTo(new Span(0, 1));
        assertThat(r.records().get(2).id()).isEqualTo("P19/0");
        assertThat(r.report().count("additional-mentions-ignored")).isEqualTo(1);
    }

    @Test
    void emptyFileAndEmptyObjectAreDataEmpty() {
        fails("data-empty", () -> FewRel.read(write(dir, "a.json", "")));
        fails("data-empty", () -> FewRel.read(write(dir, "b.json", "{}")));
    }

    @Test
    void truncatedJsonNamesFileAndLine() {
        String truncated = GOOD.substring(0, GOOD.indexOf("\"P19\""));
        var e = fails("data-format", () -> FewRel.read(write(dir, "t.json", truncated)));
        assertThat(e.getMessage()).contains("t.json:").contains("expected FewRel JSON");
    }

    @Test
    void malformedUtf8IsReportedWithLine() {
        byte[] bytes = TestFiles.withLatin1(GOOD, "born");
        var e = fails("data-format", () -> FewRel.read(TestFiles.writeBytes(dir, "enc.json", bytes)));
        assertThat(e.getMessage()).contains("enc.json:5:").containsIgnoringCase("UTF-8");
    }

    @Test
    void utf16IsRefused() {
        byte[] bytes = GOOD.getBytes(java.nio.charset.StandardCharsets.UTF_16);
        var e = fails("data-format", () -> FewRel.read(TestFiles.writeBytes(dir, "u16.json", bytes)));
        assertThat(e.getMessage()).contains("not UTF-8");
    }

    @Test
    void badRecordInTheMiddleNamesRecordAndField() {
        String bad = GOOD.replace("\"h\": [\"a\", \"Q1\", [[0], [3]]]", "\"h\": [\"a\", 7, [[0]]]");
        var e = fails("data-format", () -> FewRel.read(write(dir, "m.json", bad)));
        assertThat(e.getMessage()).contains("m.json:3:").contains("record P177/1").contains("field 'h[1]'");
    }

    @Test
    void outOfRangeIndexNamesRecordAndField() {
        String bad = GOOD.replace("[[5]]", "[[7]]");
        var e = fails("data-format", () -> FewRel.read(write(dir, "o.json", bad)));
        assertThat(e.getMessage()).contains("record P177/0").contains("field 't[2][0]'")
                .contains("token index 7 out of range").contains("[0, 7)");
    }

    @Test
    void nonContiguousMentionIsAnError() {
        String bad = GOOD.replace("[[1, 2]]", "[[1, 3]]");
        var e = fails("data-format", () -> FewRel.read(write(dir, "c.json", bad)));
        assertThat(e.getMessage()).contains("not contiguous");
    }

    @Test
    void missingFileIsDataMissing() {
        fails("data-missing", () -> FewRel.read(dir.resolve("nope.json")));
    }

    @Test
    void longSingleLineFileIsStreamed() {
        // FewRel ships as one long line: no line limit applies to JSON files.
        String tokens = "\"w\",".repeat(DataFiles.MAX_LINE_BYTES / 4 + 10) + "\"end\"";
        String json = "{\"P1\": [{\"tokens\": [" + tokens + "], \"h\": [\"w\", \"Q1\", [[0]]], \"t\": [\"e\", \"Q2\", [[1]]]}]}";
        ReadResult<RelationInstance> r = FewRel.read(write(dir, "long.json", json));
        assertThat(r.records().get(0).tokens()).hasSize(DataFiles.MAX_LINE_BYTES / 4 + 11);
    }

    @Test
    void readsRelationNames() {
        Map<String, FewRel.RelationName> names = FewRel.readRelationNames(write(dir, "pid2name.json",
                "{\"P19\": [\"place of birth\", \"where born\"], \"P20\": [\"place of death\", \"where died\"]}"));
        assertThat(names.keySet()).containsExactly("P19", "P20");
        assertThat(names.get("P19")).isEqualTo(new FewRel.RelationName("place of birth", "where born"));
        var e = fails("data-format", () -> FewRel.readRelationNames(write(dir, "bad.json", "{\"P19\": [\"x\"]}")));
        assertThat(e.getMessage()).contains("P19");
        fails("data-empty", () -> FewRel.readRelationNames(write(dir, "empty.json", "{}")));
        assertThat(List.of()).isEmpty();
    }
}
