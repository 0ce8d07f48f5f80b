package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.ItemMetric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task files: what they describe, and one error naming the file and key for each mistake. */
class TaskFileTest {
    @TempDir
    Path dir;

    private InfuseException error(String yaml) throws Exception {
        Path f = Files.writeString(dir.resolve("t.yaml"), yaml);
        try {
            Tasks.builtIn().create(f.toString(), Map.of());
        } catch (InfuseException e) {
            assertThat(e.getMessage()).contains(f.toString());
            return e;
        }
        throw new AssertionError("no error for " + yaml);
    }

    @Test
    void describesItsTaskAndResolvesDataNextToTheFile() throws Exception {
        Files.writeString(dir.resolve("d.jsonl"), "{}\n");
        Path f = Files.writeString(dir.resolve("t.yaml"), "name: my-task\nshape: classification\ntrain: d.jsonl\n"
                + "fields: {text: s, label: y}\nmetric: accuracy\n");
        var task = Tasks.builtIn().create(f.toString(), Map.of());
        assertThat(task.name()).isEqualTo("my-task");
        assertThat(task.metric()).isEqualTo(ItemMetric.of("accuracy", ItemMetric.Kind.RATIO));
        assertThat(Tasks.resolve(task, null, null, null).train()).isEqualTo(dir.resolve("d.jsonl").toAbsolutePath());
        // By name from an include folder.
        assertThat(Tasks.builtIn().including(List.of(dir)).create("t", Map.of()).name()).isEqualTo("my-task");
        assertThat(Tasks.builtIn().including(List.of(dir)).names()).contains("t", "semeval");
    }

    @Test
    void everyMistakeIsOneErrorNamingFileAndKey() throws Exception {
        assertThat(error("name: x\nshape: classification\ntrain: a\nfields: {text: s, label: y}\ncolour: red\n"))
                .hasMessageContaining("unknown key 'colour'").extracting(InfuseException::code).isEqualTo("config-unknown-key");
        assertThat(error("name: x\nshape: ranking\ntrain: a\n")).hasMessageContaining("shape 'ranking'")
                .hasMessageContaining("classification, relation, entity-typing");
        assertThat(error("name: x\nshape: relation\ntrain: a\nfields: {tokens: t, subject: [a, b], label: y}\n"))
                .hasMessageContaining("fields.object is required");
        assertThat(error("name: x\nshape: relation\ntrain: a\nfields: {tokens: t, subject: a, object: [c, d], label: y}\n"))
                .hasMessageContaining("fields.subject").hasMessageContaining("[start_field, end_field]");
        assertThat(error("name: x\nshape: entity-typing\ntrain: a\nfields: {tokens: t, mention: [a, b], labels: l}\n"))
                .hasMessageContaining("types");
        assertThat(error("name: x\nshape: classification\ntrain: a\nfields: {text: s, label: y}\nmetric: bleu\n"))
                .hasMessageContaining("metric 'bleu'");
        assertThat(error("name: Bad_Name\nshape: classification\ntrain: a\nfields: {text: s, label: y}\n"))
                .hasMessageContaining("name 'Bad_Name'");
        assertThat(error("name: x\nshape: [unclosed\n")).extracting(InfuseException::code).isEqualTo("config-syntax");
        assertThatThrownBy(() -> Tasks.builtIn().create("semevl", Map.of())).hasMessageContaining("did you mean 'semeval'")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("config-unknown-task");
        assertThatThrownBy(() -> Tasks.builtIn().create(dir.resolve("none.yaml").toString(), Map.of()))
                .hasMessageContaining("does not exist");
    }

    @Test
    void markersReachTheShapesThatMarkMentionsAndAreRefusedElsewhere() throws Exception {
        Path rel = Files.writeString(dir.resolve("rel.yaml"), "name: r\nshape: relation\ntrain: d.jsonl\n"
                + "fields: {tokens: t, subject: [a, b], object: [c, d], label: y}\n");
        Path cls = Files.writeString(dir.resolve("cls.yaml"), "name: c\nshape: classification\ntrain: d.jsonl\n"
                + "fields: {text: s, label: y}\n");
        assertThat(Tasks.builtIn().create(rel.toString(), Map.of("markers", "authors")).name()).isEqualTo("r");
        assertThatThrownBy(() -> Tasks.builtIn().create(rel.toString(), Map.of("markers", "dollar")))
                .hasMessageContaining("markers 'dollar'");
        assertThatThrownBy(() -> Tasks.builtIn().create(cls.toString(), Map.of("markers", "authors")))
                .isInstanceOf(InfuseException.class).hasMessageContaining("markers");
    }
}
