package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level {@code precision:} of a study file becomes the backbone's {@code precision} key. */
class StudyPrecisionTest {
    @TempDir
    Path tmp;

    private Study parse(String yaml) throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        return StudyFile.parse(tmp.resolve("study.yaml"), yaml, null);
    }

    private static final String REST = """
            data: data
            tasks: [semeval]
            methods:
              - name: baseline
                adapters: []
            """;

    @Test
    void precisionGoesIntoTheBackboneConfig() throws Exception {
        Study s = parse("backbone: {name: bert-random, config: {layers: 2}}\nprecision: BF16\n" + REST);
        assertThat(s.backbone().config()).containsEntry("precision", "bf16").containsEntry("layers", 2);
        assertThat(parse("backbone: bert\n" + REST).backbone().config()).doesNotContainKey("precision");
    }

    @Test
    void anUnknownPrecisionNamesTheLineAndTheAcceptedValues() {
        assertThatThrownBy(() -> parse("backbone: bert\nprecision: fp16\n" + REST))
                .isInstanceOf(InfuseException.class)
                .hasMessageContaining("study.yaml:2")
                .hasMessageContaining("fp32, bf16 or auto")
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("config-bad-value");
    }

    @Test
    void precisionInBothPlacesIsRefused() {
        assertThatThrownBy(() -> parse("backbone: {name: bert, config: {precision: fp32}}\nprecision: bf16\n" + REST))
                .isInstanceOf(InfuseException.class)
                .extracting(e -> ((InfuseException) e).code()).isEqualTo("config-invalid");
    }
}
