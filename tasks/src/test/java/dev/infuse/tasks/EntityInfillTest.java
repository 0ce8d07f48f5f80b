package dev.infuse.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.Batch;
import dev.infuse.data.EntityDescription;
import dev.infuse.data.WordNetSplit;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.Tokenizer;
import dev.infuse.testkit.TinyBackbones;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tensorflow.types.TInt32;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EntityInfillTest {
    private Backbone backbone;
    private Tokenizer tok;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
        tok = backbone.tokenizer().withAddedTokens(EntityInfill.MARKERS);
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    private int id(String t) {
        return tok.tokenId(t);
    }

    @Test
    void layoutIsClsContextMarkersTitleSepMasksEnd() {
        EntityDescription e = new EntityDescription("e1", "paris", "capital city of france", "he was born in paris");
        EntityInfill d = EntityInfill.of(List.of(e), tok, List.of(), EntityInfill.Markers.ADDED, 16, 64);
        EntityInfill.Example x = d.examples().get(0);
        int[] desc = EntityInfill.pieces(tok, "capital city of france");
        assertThat(desc).hasSize(4);
        int[] expected = concat(new int[] {tok.clsId()}, EntityInfill.pieces(tok, "he was born in"),
                new int[] {id("<ent>")}, EntityInfill.pieces(tok, "paris"), new int[] {id("</ent>"), id("<ent_desc>")},
                EntityInfill.pieces(tok, "paris"), new int[] {id("<sep>")},
                new int[] {tok.maskId(), tok.maskId(), tok.maskId(), tok.maskId()},
                new int[] {id("</ent_desc>"), tok.sepId()});
        assertThat(x.ids()).containsExactly(expected);
        assertThat(x.labels()).containsExactly(desc);
        assertThat(x.maskPositions()).hasSize(4);
        for (int p : x.maskPositions()) {
            assertThat(x.ids()[p]).isEqualTo(tok.maskId());
        }
        assertThat(x.firstWordPieces()).isEqualTo(1);
        assertThat(d.counts()).isEmpty();
    }

    @Test
    void maskCountEqualsDescriptionPiecesUpToTheCapAndTruncationIsCounted() {
        EntityDescription shortOne = new EntityDescription("a", "rome", "city", "");
        EntityDescription longOne = new EntityDescription("b", "rome", "the capital city of italy and of the old world", "");
        EntityInfill d = EntityInfill.of(List.of(shortOne, longOne), tok, List.of(), EntityInfill.Markers.ADDED, 5, 64);
        assertThat(d.examples().get(0).maskPositions()).hasSize(1);
        assertThat(d.examples().get(1).maskPositions()).hasSize(5);
        assertThat(d.examples().get(1).labels()).containsExactly(
                java.util.Arrays.copyOf(EntityInfill.pieces(tok, longOne.description()), 5));
        assertThat(d.count("truncated-description")).isEqualTo(1);
        assertThat(d.count("bare-mention")).isEqualTo(2);
    }

    @Test
    void entityWithoutDescriptionIsSkippedAndCounted() {
        List<EntityDescription> in = List.of(new EntityDescription("a", "rome", "", ""),
                new EntityDescription("b", "rome", "   ", "rome is old"), new EntityDescription("c", "rome", "city", ""));
        EntityInfill d = EntityInfill.of(in, tok, List.of(), EntityInfill.Markers.ADDED, 8, 64);
        assertThat(d.size()).isEqualTo(1);
        assertThat(d.examples().get(0).entityId()).isEqualTo("c");
        assertThat(d.count("missing-description")).isEqualTo(2);
    }

    @Test
    void longContextIsCutAroundTheMentionAndTooLongIsSkipped() {
        String ctx = "the old house of the young king was in the city of paris and the river was very long and the school was new";
        EntityInfill d = EntityInfill.of(List.of(new EntityDescription("a", "paris", "city", ctx)), tok, List.of(),
                EntityInfill.Markers.ADDED, 4, 20);
        assertThat(d.size()).isEqualTo(1);
        assertThat(d.examples().get(0).ids()).hasSize(20).contains(id("<ent>"));
        assertThat(d.count("truncated-context")).isEqualTo(1);
        EntityInfill tooLong = EntityInfill.of(List.of(new EntityDescription("b", "paris", "city of the world and of the people", "")),
                tok, List.of(), EntityInfill.Markers.ADDED, 12, 12);
        assertThat(tooLong.size()).isZero();
        assertThat(tooLong.count("too-long")).isEqualTo(1);
    }

    @Test
    void baselineMarkersKeepPositionsAndUseOnlyBaseIds() {
        EntityDescription e = new EntityDescription("e1", "paris", "capital city", "he was born in paris");
        EntityInfill.Example added = EntityInfill.of(List.of(e), tok, List.of(), EntityInfill.Markers.ADDED, 8, 64).examples().get(0);
        EntityInfill.Example pad = EntityInfill.of(List.of(e), backbone.tokenizer(), List.of(), EntityInfill.Markers.PAD, 8, 64)
                .examples().get(0);
        EntityInfill.Example text = EntityInfill.of(List.of(e), backbone.tokenizer(), List.of(), EntityInfill.Markers.TEXT, 8, 64)
                .examples().get(0);
        assertThat(pad.maskPositions()).containsExactly(added.maskPositions());
        assertThat(text.maskPositions()).containsExactly(added.maskPositions());
        int base = backbone.tokenizer().baseVocabularySize();
        for (int i = 0; i < added.ids().length; i++) {
            if (added.ids()[i] >= base) {
                assertThat(pad.ids()[i]).isEqualTo(tok.padId());
                assertThat(text.ids()[i]).isIn(id("["), id("]"), id("("), id(")"), id(":"));
            } else {
                assertThat(pad.ids()[i]).isEqualTo(added.ids()[i]);
                assertThat(text.ids()[i]).isEqualTo(added.ids()[i]);
            }
        }
        assertThat(java.util.Arrays.stream(pad.ids()).max().orElseThrow()).isLessThan(base);
    }

    @Test
    void addedMarkersNeedATokenizerThatKnowsThem() {
        EntityDescription e = new EntityDescription("e1", "paris", "city", "");
        assertThatThrownBy(() -> EntityInfill.of(List.of(e), backbone.tokenizer(), List.of(), EntityInfill.Markers.ADDED, 8, 64))
                .isInstanceOf(InfuseException.class).hasMessageContaining("<ent>")
                .extracting(x -> ((InfuseException) x).code()).isEqualTo("config-bad-value");
    }

    @Test
    void batchHasFlatMaskPositionsAndLabels() {
        List<EntityDescription> in = List.of(new EntityDescription("a", "rome", "capital city", ""),
                new EntityDescription("b", "he was born in paris", "city", ""));
        EntityInfill d = EntityInfill.of(in, tok, List.of(), EntityInfill.Markers.ADDED, 8, 64);
        int time = Math.max(d.length(0), d.length(1));
        try (Batch b = d.batch(new int[] {0, 1})) {
            TInt32 pos = (TInt32) b.tensors().get("mlm_positions");
            TInt32 labels = (TInt32) b.tensors().get("mlm_labels");
            assertThat(pos.shape().size()).isEqualTo(3);
            assertThat(pos.getInt(0)).isEqualTo(d.examples().get(0).maskPositions()[0]);
            assertThat(pos.getInt(2)).isEqualTo(time + d.examples().get(1).maskPositions()[0]);
            assertThat(labels.getInt(2)).isEqualTo(id("city"));
            assertThat(b.tensors().get("input_ids").shape().asArray()).containsExactly(2, time);
        }
    }

    @Test
    void positionPriorPredictsTheMostFrequentPieceAtEachPosition() {
        List<EntityDescription> train = List.of(new EntityDescription("a", "rome", "a city", ""),
                new EntityDescription("b", "paris", "a capital", ""), new EntityDescription("c", "one", "the number", ""));
        List<EntityDescription> test = List.of(new EntityDescription("d", "tokyo", "a city", ""),
                new EntityDescription("e", "two", "the number", ""));
        EntityInfill tr = EntityInfill.of(train, tok, List.of(), EntityInfill.Markers.ADDED, 8, 64);
        EntityInfill te = EntityInfill.of(test, tok, List.of(), EntityInfill.Markers.ADDED, 8, 64);
        var m = te.withPositionPrior(tr).positionPriorScores();
        // "a" is the prior at position 0; at position 1 the three pieces tie and the smallest id wins.
        assertThat(m.get("first_word_exact_match")).isEqualTo(0.5);
        assertThat(m.get("pieces")).isEqualTo(4.0);
        int tieWinner = Math.min(id("city"), Math.min(id("capital"), id("number")));
        double expected = (1 + (tieWinner == id("city") ? 1 : 0) + (tieWinner == id("number") ? 1 : 0)) / 4.0;
        assertThat(m.get("wordpiece_accuracy")).isEqualTo(expected);
    }

    @Test
    void markersAreAddedTokensWhenAllFiveAreKnownElsePlainText() {
        assertThat(EntityInfill.markersFor(tok)).isEqualTo(EntityInfill.Markers.ADDED);
        assertThat(EntityInfill.markersFor(backbone.tokenizer())).isEqualTo(EntityInfill.Markers.TEXT);
        EntityInfill d = EntityInfill.of(List.of(new EntityDescription("a", "paris", "city", "")), backbone.tokenizer(),
                List.of(), 64);
        assertThat(d.markers()).isEqualTo(EntityInfill.Markers.TEXT);
        assertThat(d.examples().get(0).ids()).contains(id("["), id("]"), id("("), id(")"), id(":"));
        var partial = backbone.tokenizer().withAddedTokens(List.of("<ent>", "</ent>"));
        assertThatThrownBy(() -> EntityInfill.markersFor(partial)).isInstanceOf(InfuseException.class)
                .hasMessageContaining("2 of the five markers")
                .extracting(x -> ((InfuseException) x).code()).isEqualTo("config-bad-value");
    }

    @Test
    void prepareHoldsOutEntitiesByTheWordNetRule(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            file.append(String.format("%08d", 1000 + i)).append("\tparis, capital city; \"he went to paris\"\n");
        }
        file.append("00002000\trome,\n");
        java.nio.file.Path f = java.nio.file.Files.writeString(dir.resolve("entity2text.txt"), file.toString());
        var task = Tasks.builtIn().create("entity-infill", java.util.Map.of());
        var p = task.prepare(new dev.infuse.spi.Task.Input(f, null, tok, List.of(), 64, 7, 0));
        EntityInfill train = (EntityInfill) p.train();
        EntityInfill dev = (EntityInfill) p.dev();
        assertThat(dev.size()).isPositive();
        assertThat(train.size() + dev.size()).isEqualTo(60);
        assertThat(dev.examples()).allMatch(x -> WordNetSplit.isHeldOut(x.entityId()));
        assertThat(train.examples()).noneMatch(x -> WordNetSplit.isHeldOut(x.entityId()));
        assertThat(p.files()).containsExactly(f);
        // The position prior is reported next to the model's scores.
        assertThat(dev.positionPriorScores().get("wordpiece_accuracy")).isEqualTo(1.0);
        var capped = task.prepare(new dev.infuse.spi.Task.Input(f, null, tok, List.of(), 64, 7, 5));
        assertThat(capped.train().size()).isEqualTo(5);
        assertThat(capped.dev().size()).isEqualTo(dev.size());
    }

    @Test
    void embeddedSourceNeedsNoDataFolder() {
        var files = Tasks.resolve(Tasks.builtIn().create("entity-infill", java.util.Map.of()), null, null, null);
        assertThat(files.train()).isNull();
        assertThat(files.dev()).isNull();
    }

    @Test
    void twinsDifferExactlyByTheProbeEntitiesDescriptionsAndScoreTheSameEntities() {
        var with = EntityInfill.prepare("entity-infill", null, null, tok, List.of(), 64, 7, 300, EntityInfill.Twin.WITH);
        var without = EntityInfill.prepare("entity-infill", null, null, tok, List.of(), 64, 7, 300, EntityInfill.Twin.WITHOUT);
        java.util.Set<String> probed = new java.util.HashSet<>();
        dev.infuse.data.WordNetLexicon.load().hypernymProbe().relations().forEach(r -> r.facts().forEach(f -> probed.add(f.subjectUri())));
        java.util.function.Function<dev.infuse.spi.Task.Split, java.util.List<String>> ids =
                split -> ((EntityInfill) split).examples().stream().map(EntityInfill.Example::entityId).toList();
        java.util.Set<String> extra = new java.util.HashSet<>(ids.apply(with.train()));
        extra.removeAll(ids.apply(without.train()));
        assertThat(ids.apply(with.train())).containsAll(ids.apply(without.train()));
        assertThat(extra).isNotEmpty().allSatisfy(e -> assertThat(probed).contains(e));
        assertThat(ids.apply(without.train())).doesNotContainAnyElementsOf(probed);
        assertThat(ids.apply(with.dev())).isEqualTo(ids.apply(without.dev())).hasSizeBetween(EntityInfill.DEV_ENTITIES - 20, EntityInfill.DEV_ENTITIES)
                .doesNotContainAnyElementsOf(ids.apply(with.train()))
                .allSatisfy(e -> assertThat(dev.infuse.data.WordNetSplit.isHeldOut(e)).isFalse());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EntityInfill.Twin.parse("entity-infill", "maybe"))
                .hasMessageContaining("probed_descriptions").hasMessageContaining("with or without");
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
