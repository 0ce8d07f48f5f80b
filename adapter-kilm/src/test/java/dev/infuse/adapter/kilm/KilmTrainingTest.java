package dev.infuse.adapter.kilm;

import dev.infuse.data.EntityDescription;
import dev.infuse.tasks.EntityInfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infuse.api.ComposedModel;
import dev.infuse.api.Trainer;
import dev.infuse.api.TrainingConfig;
import dev.infuse.data.Splits;
import dev.infuse.heads.MaskedLmHead;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.PluginConfig;
import dev.infuse.testkit.TestContext;
import dev.infuse.testkit.TinyBackbones;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KilmTrainingTest {
    private Backbone backbone;

    @BeforeAll
    void setUp() {
        backbone = TinyBackbones.create();
    }

    @AfterAll
    void tearDown() {
        backbone.close();
    }

    private KnowledgeAdapter adapter(Map<String, Object> extra) {
        Map<String, Object> cfg = new java.util.HashMap<>(Map.of("adapter_size", 32, "heads", 2, "intermediate_size", 64,
                "adapter_layers", 1, "dropout", 0.0, "init_std", 0.02));
        cfg.putAll(extra);
        PluginConfig c = PluginConfig.of("adapter 'kilm'", cfg);
        KnowledgeAdapter a = new KilmAdapterProvider().create(c, backbone.spec(), TestContext.shared());
        c.requireAllConsumed();
        return a;
    }

    private ComposedModel compose(KnowledgeAdapter a) {
        var fusion = TinyBackbones.fusion("add").create(PluginConfig.empty("fusion 'add'"), backbone.spec(), 1,
                TestContext.shared());
        ComposedModel.Builder b = ComposedModel.builder(backbone).adapter(a, ComposedModel.Mode.TRAINABLE)
                .head(new MaskedLmHead(), true).seed(5).forTraining(true);
        if (!a.taps().isEmpty()) {
            b.fusion(fusion, true);
        }
        return b.build();
    }

    @Test
    void trainingImprovesHeldOutInfillingOverTheUntrainedPlugin() {
        Splits.Split<EntityDescription> split = Splits.trainDev(Synthetic.entities(), 0.25, 11, Synthetic::title);
        Set<String> trainTitles = new HashSet<>();
        split.train().forEach(e -> trainTitles.add(e.title()));
        assertThat(split.dev()).isNotEmpty().noneMatch(e -> trainTitles.contains(e.title()));
        try (ComposedModel model = compose(adapter(Map.of()))) {
            EntityInfill train = EntityInfill.of(split.train(), model.tokenizer(), List.of(), EntityInfill.Markers.ADDED, 8, 64);
            EntityInfill dev = EntityInfill.of(split.dev(), model.tokenizer(), List.of(), EntityInfill.Markers.ADDED, 8, 64);
            dev.withPositionPrior(train);
            Map<String, Double> before = dev.score(model, dev);
            new Trainer(new TrainingConfig(20, 8, 0, 1e-2, 0.1, 1.0, 0, 3)).quiet().fit(model, train, null);
            Map<String, Double> after = dev.score(model, dev);
            Map<String, Double> prior = dev.positionPriorScores();
            assertThat(before.get("entities")).isEqualTo(dev.size());
            assertThat(after.get("wordpiece_accuracy")).isGreaterThan(before.get("wordpiece_accuracy") + 0.3);
            assertThat(after.get("first_word_exact_match")).isGreaterThan(before.get("first_word_exact_match") + 0.3);
            // More than the description prior: the plug-in reads the (held-out) entity's context.
            assertThat(after.get("wordpiece_accuracy")).isGreaterThan(prior.get("wordpiece_accuracy") + 0.1);
            assertThat(after.get("first_word_exact_match")).isGreaterThan(prior.get("first_word_exact_match") + 0.2);
        }
    }

    @Test
    void inputOnlyPluginTrainsOnlyTheTokenEmbeddings() {
        KnowledgeAdapter a = adapter(Map.of("taps", "none"));
        assertThat(a.taps()).isEmpty();
        try (ComposedModel model = compose(a)) {
            assertThat(model.shapes("adapter.kilm")).containsOnlyKeys("token_embeddings");
            assertThat(model.shapes("adapter.kilm").get("token_embeddings")).containsExactly(5, 32);
            float[] before = model.weights("adapter.kilm").get("token_embeddings");
            EntityInfill train = EntityInfill.of(Synthetic.entities().subList(0, 16), model.tokenizer(), List.of(),
                    EntityInfill.Markers.ADDED, 8, 64);
            new Trainer(new TrainingConfig(1, 8, 0, 1e-2, 0.0, 1.0, 0, 3)).quiet().fit(model, train, null);
            assertThat(model.weights("adapter.kilm").get("token_embeddings")).isNotEqualTo(before);
        }
    }

    @Test
    void specialTokenCollidingWithTheVocabularyIsAClearError() {
        for (String clash : List.of("[MASK]", "the")) {
            KnowledgeAdapter a = adapter(Map.of("tokens", "<ent>,</ent>," + clash + ",</ent_desc>,<sep>"));
            assertThatThrownBy(() -> compose(a)).isInstanceOf(InfuseException.class)
                    .hasMessageContaining(clash)
                    .extracting(x -> ((InfuseException) x).code()).isEqualTo("config-token-collision");
        }
    }

    @Test
    void badConfigurationValuesAreNamed() {
        assertThatThrownBy(() -> adapter(Map.of("tokens", "<ent>,</ent>"))).isInstanceOf(InfuseException.class)
                .hasMessageContaining("tokens");
        assertThatThrownBy(() -> adapter(Map.of("taps", "last"))).isInstanceOf(InfuseException.class)
                .hasMessageContaining("taps");
        assertThatThrownBy(() -> adapter(Map.of("adapter_size", 30, "heads", 4))).isInstanceOf(InfuseException.class)
                .hasMessageContaining("heads");
    }
}
