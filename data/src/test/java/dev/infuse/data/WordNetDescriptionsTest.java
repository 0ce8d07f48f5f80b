package dev.infuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.spi.InfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.sf.extjwnl.data.POS;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordNetDescriptionsTest {

    @Test
    void readsWn18rrAndCountsWhatItSkips(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("entity2text.txt");
        Files.writeString(f, """
                08769179\tsaxony, an area in Germany around the upper Elbe river; the original home of the Saxons
                00590383\tchieftainship,\s
                no tab on this line
                01990168\tfounder, sink below the surface
                02530003\tfounder, fail utterly; collapse; "The project foundered"
                """);
        Descriptions d = WordNetDescriptions.readWn18rr(f);
        assertThat(d.entities()).extracting(EntityDescription::id).containsExactly("08769179", "01990168", "02530003");
        assertThat(d.entities().get(2).description()).isEqualTo("fail utterly; collapse");
        assertThat(d.entities().get(2).context()).isEqualTo("The project foundered");
        assertThat(d.count("context-from-wn18rr")).isEqualTo(1);
        assertThat(d.entities().get(0).title()).isEqualTo("saxony");
        assertThat(d.entities().get(0).description()).startsWith("an area in Germany").endsWith("the Saxons");
        assertThat(d.count("missing-description")).isEqualTo(1);
        assertThat(d.count("malformed-line")).isEqualTo(1);
    }

    @Test
    void aFileWithNoUsableLineIsAnError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("entity2text.txt");
        Files.writeString(f, "garbage\nmore garbage\n");
        assertThatThrownBy(() -> WordNetDescriptions.readWn18rr(f)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("entity2text.txt").extracting(x -> ((InfuseException) x).code()).isEqualTo("data-format");
        assertThatThrownBy(() -> WordNetDescriptions.readWn18rr(dir.resolve("absent.txt")))
                .isInstanceOf(InfuseException.class).extracting(x -> ((InfuseException) x).code()).isEqualTo("data-missing");
    }

    @Test
    void embeddedWordNet31GivesDefinitionsAndUsageExamples() {
        Descriptions d = WordNetDescriptions.wordNet31(List.of(POS.ADVERB));
        assertThat(d.entities().size()).isGreaterThan(3000);
        assertThat(d.entities()).allSatisfy(e -> {
            assertThat(e.id()).startsWith("wn31-r-");
            assertThat(e.description()).isNotBlank().doesNotContain("\"");
        });
        List<EntityDescription> withContext = d.entities().stream().filter(e -> !e.context().isEmpty()).toList();
        assertThat(withContext.size()).isGreaterThan(500);
        // The context is a usage example of the synset: one of its quoted examples, which mentions a lemma;
        // the first lemma (the title) is mentioned in most of them.
        long mentioningTitle = withContext.stream().filter(e -> WordNetDescriptions.findMention(e.context(), e.title()) != null).count();
        assertThat(mentioningTitle).isGreaterThan(withContext.size() / 2);
        assertThat(withContext).allSatisfy(e -> assertThat(e.context()).doesNotContain("\"").isNotEqualTo(e.description()));
    }

    @Test
    void glossSplitsDefinitionFromExamples() {
        var g = WordNetDescriptions.Gloss.parse("move fast by using one's feet; \"Don't run--you'll fall!\"; \"He runs every day\"");
        assertThat(g.definition()).isEqualTo("move fast by using one's feet");
        assertThat(g.examples()).containsExactly("Don't run--you'll fall!", "He runs every day");
        assertThat(g.exampleWith(List.of("walk"))).isEmpty();
        assertThat(g.exampleWith(List.of("run"))).isEqualTo("Don't run--you'll fall!");
        assertThat(WordNetDescriptions.findMention("He runs every day", "run")).containsExactly(3, 7);
        assertThat(WordNetDescriptions.findMention("the rerun", "run")).isNull();
    }
}
