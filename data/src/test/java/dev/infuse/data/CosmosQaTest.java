package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cosmos QA's CSV release: quoted multi-line contexts, the answer index, and one error per bad record. */
class CosmosQaTest {
    static final String HEADER = "id,context,question,answer0,answer1,answer2,answer3,label\n";

    @TempDir
    Path tmp;

    Path write(String name, String text) throws Exception {
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void readsQuotedMultiLineRecordsWithTheirAnswerIndex() throws Exception {
        Path f = write("valid.csv", HEADER
                + "q1,\"I went out, and \"\"it\"\" rained.\nThen I came back.\",Why did I come back?,Rain,Sun,Snow,None of the above,0\n"
                + "q2,A short day.,What happened?,a,b,c,d,3\n");
        List<MultipleChoiceExample> r = CosmosQa.read(f).records();
        assertThat(r).hasSize(2);
        MultipleChoiceExample a = r.get(0);
        assertThat(a.id()).isEqualTo("q1");
        assertThat(a.context()).isEqualTo("I went out, and \"it\" rained.\nThen I came back.");
        assertThat(a.question()).isEqualTo("Why did I come back?");
        assertThat(a.choices()).containsExactly("Rain", "Sun", "Snow", "None of the above");
        assertThat(a.label()).isZero();
        assertThat(r.get(1).label()).isEqualTo(3);
    }

    @Test
    void everyBadRecordIsOneDataErrorNamingFileLineAndColumn() throws Exception {
        assertThatThrownBy(() -> CosmosQa.read(write("nolabel.csv", "id,context,question,answer0,answer1,answer2,answer3\nq,c,q,a,b,c,d\n")))
                .isInstanceOf(InfuseException.class).hasMessageContaining("nolabel.csv:1:").hasMessageContaining("no column 'label'")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("data-format");
        // The second record starts on line 4: the first one's context spans two lines.
        assertThatThrownBy(() -> CosmosQa.read(write("range.csv", HEADER + "q1,\"two\nlines\",q,a,b,c,d,1\nq2,c,q,a,b,c,d,4\n")))
                .isInstanceOf(InfuseException.class).hasMessageContaining("range.csv:4:").hasMessageContaining("field 'label': is 4")
                .hasMessageContaining("an answer index 0-3");
        assertThatThrownBy(() -> CosmosQa.read(write("word.csv", HEADER + "q,c,q,a,b,c,d,first\n")))
                .isInstanceOf(InfuseException.class).hasMessageContaining("word.csv:2:").hasMessageContaining("field 'label'")
                .hasMessageContaining("an integer");
        assertThatThrownBy(() -> CosmosQa.read(write("blank.csv", HEADER + "q,c,q,a,,c,d,1\n")))
                .isInstanceOf(InfuseException.class).hasMessageContaining("blank.csv:2:").hasMessageContaining("field 'answer1': missing");
        assertThatThrownBy(() -> CosmosQa.read(write("quote.csv", HEADER + "q,\"never closed,q,a,b,c,d,1\n")))
                .isInstanceOf(InfuseException.class).hasMessageContaining("quote.csv").hasMessageContaining("not valid CSV");
        assertThatThrownBy(() -> CosmosQa.read(write("empty.csv", HEADER)))
                .isInstanceOf(InfuseException.class).extracting(e -> ((InfuseException) e).code()).isEqualTo("data-empty");
        assertThatThrownBy(() -> CosmosQa.read(tmp.resolve("absent.csv")))
                .isInstanceOf(InfuseException.class).extracting(e -> ((InfuseException) e).code()).isEqualTo("data-missing");
    }
}
