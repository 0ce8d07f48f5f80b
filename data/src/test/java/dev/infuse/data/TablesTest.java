package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TSV and CSV tables read as typed records, with one error naming file, line and column. */
class TablesTest {
    @TempDir
    Path dir;

    record Row(long line, List<String> tokens, int start, String label, String note) {}

    static Map<String, Tables.Kind> columns() {
        Map<String, Tables.Kind> c = new LinkedHashMap<>();
        c.put("words", Tables.Kind.LIST);
        c.put("start", Tables.Kind.INTEGER);
        c.put("label", Tables.Kind.TEXT);
        c.put("note", Tables.Kind.TEXT);
        return c;
    }

    List<Row> read(String name, String text, Tables.Format format) throws Exception {
        Path f = Files.writeString(dir.resolve(name), text);
        return Tables.read(f, format, columns(), r -> new Row(r.line(), r.strings("words"), r.integer("start"), r.scalar("label"),
                r.optionalText("note")));
    }

    @Test
    void tsvCellsAreTypedQuotesAreLiteralAndEmptyCellsMissing() throws Exception {
        List<Row> rows = read("a.tsv", "label\twords\tstart\tnote\textra\n"
                + "born-in\tada was \"near london\t0\tfirst\tx\n"
                + "7\t[\"New York\", \"is\", \"big\"]\t2\t\tx\n", Tables.Format.TSV);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).tokens()).containsExactly("ada", "was", "\"near", "london");
        assertThat(rows.get(0).label()).isEqualTo("born-in");
        assertThat(rows.get(0).note()).isEqualTo("first");
        assertThat(rows.get(1).tokens()).as("a JSON array cell").containsExactly("New York", "is", "big");
        assertThat(rows.get(1).start()).isEqualTo(2);
        assertThat(rows.get(1).label()).isEqualTo("7");
        assertThat(rows.get(1).note()).as("an empty cell is a missing value").isNull();
    }

    @Test
    void csvQuotedCellsMayHoldCommasQuotesAndLineBreaks() throws Exception {
        List<Row> rows = read("a.csv", "words,start,label,note\n"
                + "\"a, b\",0,x,\"say \"\"hi\"\"\"\n"
                + "c d,1,y,\"two\nlines\"\n"
                + "e,0,z,last\n", Tables.Format.CSV);
        assertThat(rows).extracting(Row::tokens).containsExactly(List.of("a,", "b"), List.of("c", "d"), List.of("e"));
        assertThat(rows.get(0).note()).isEqualTo("say \"hi\"");
        assertThat(rows.get(1).note()).isEqualTo("two\nlines");
        assertThat(rows.get(2).line()).as("lines count the quoted line break").isEqualTo(5);
    }

    @Test
    void everyBadTableIsOneDataErrorNamingFileLineAndColumn() {
        assertThatThrownBy(() -> read("h.tsv", "words\tstart\tnote\na\t0\tn\n", Tables.Format.TSV))
                .isInstanceOf(InfuseException.class).hasMessageContaining("h.tsv:1:")
                .hasMessageContaining("no column 'label'").extracting(e -> ((InfuseException) e).code()).isEqualTo("data-format");
        assertThatThrownBy(() -> read("i.tsv", "words\tstart\tlabel\tnote\na\t0\tx\tn\nb\tone\ty\tn\n", Tables.Format.TSV))
                .hasMessageContaining("i.tsv:3:").hasMessageContaining("field 'start'").hasMessageContaining("an integer");
        assertThatThrownBy(() -> read("m.tsv", "words\tstart\tlabel\tnote\na\t\tx\tn\n", Tables.Format.TSV))
                .hasMessageContaining("m.tsv:2:").hasMessageContaining("field 'start': missing");
        assertThatThrownBy(() -> read("c.tsv", "words\tstart\tlabel\tnote\na\t0\tx\tn\tsurplus\n", Tables.Format.TSV))
                .isInstanceOf(InfuseException.class).hasMessageContaining("c.tsv").hasMessageContaining("not valid TSV");
        assertThatThrownBy(() -> read("j.tsv", "words\tstart\tlabel\tnote\n[\"a\", 3\t0\tx\tn\n", Tables.Format.TSV))
                .hasMessageContaining("j.tsv:2:").hasMessageContaining("field 'words'").hasMessageContaining("JSON array");
        assertThatThrownBy(() -> read("q.csv", "words,start,label,note\n\"a,0,x,n\n", Tables.Format.CSV))
                .isInstanceOf(InfuseException.class).hasMessageContaining("q.csv").hasMessageContaining("not valid CSV");
        assertThatThrownBy(() -> read("e.tsv", "words\tstart\tlabel\tnote\n", Tables.Format.TSV))
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("data-empty");
        assertThatThrownBy(() -> read("none.tsv", null, Tables.Format.TSV)).isInstanceOf(Exception.class);
    }

    @Test
    void aHugeFieldIsAnErrorNotAnOutOfMemoryCrash() throws Exception {
        Path f = dir.resolve("huge.tsv");
        Files.writeString(f, "words\tstart\tlabel\tnote\n" + "a".repeat(Tables.MAX_FIELD_CHARS + 10) + "\t0\tx\tn\n");
        assertThatThrownBy(() -> Tables.read(f, Tables.Format.TSV, columns(), r -> r.line()))
                .isInstanceOf(InfuseException.class).hasMessageContaining("huge.tsv").hasMessageContaining("not valid TSV");
    }
}
