package dev.infuse.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fusion_config} in a study file: a study-wide default, a method's own, and part of the cell's recipe. */
class StudyFusionConfigTest {
    @TempDir
    Path tmp;

    @Test
    void methodsCarryTheirFusionConfigurationIntoTheRecipe() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("s.yaml"), """
                data: data
                tasks: [semeval]
                fusion: attention
                fusion_config: {temperature: 2.0}
                methods:
                  - name: warm
                    adapters: [{adapter: factual, mode: control}]
                  - name: hot
                    fusion_config: {temperature: 4.0}
                    adapters: [{adapter: factual, mode: control}]
                """);
        Study s = StudyFile.read(file, null);
        assertThat(s.method("warm").fusionConfig()).isEqualTo(Map.of("temperature", 2.0));
        assertThat(s.method("hot").fusionConfig()).isEqualTo(Map.of("temperature", 4.0));
        Cell warm = new Cell(Cell.Stage.EVALUATION, "warm", "semeval", 1, tmp.resolve("w"));
        Cell hot = new Cell(Cell.Stage.EVALUATION, "hot", "semeval", 1, tmp.resolve("h"));
        assertThat(Recipes.recipe(s, warm)).contains("fusion attention fusion_config {temperature=2.0}");
        assertThat(Recipes.recipe(s, hot)).contains("fusion_config {temperature=4.0}");
    }
}
