package dev.infuse.adapter.maptuning;

import dev.infuse.kg.EntityEmbeddings;
import dev.infuse.kg.EntityNames;
import dev.infuse.spi.AdapterProvider;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Provides the {@code map-tuning} knowledge plugin. */
public final class MapTuningProvider implements AdapterProvider {
    /** Provider name. */
    public static final String NAME = "map-tuning";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String version() {
        return "0.1.0";
    }

    @Override
    public String requestedSpiVersion() {
        return Spi.VERSION;
    }

    @Override
    public String description() {
        return "map-tuning knowledge plugin: KG entity embeddings mapped to pseudo-tokens '[E] /' before mentions";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                new ParameterSpec("embeddings", "file", null,
                        "entity embeddings: .safetensors or text 'id<TAB>v1 v2 ...' (e.g. TransE vectors by Wikidata Q-id)"),
                new ParameterSpec("names", "file", "", "optional 'id<TAB>name' file for exact-match linking of unlinked mentions"),
                new ParameterSpec("mapper", "string", "affine", "mapping network: affine (Linear(d->H)) or mlp (d->hidden->H, GELU)"),
                new ParameterSpec("mapper_hidden", "int", "768", "hidden width of the mlp mapper"),
                new ParameterSpec("token", "string", "[E]", "the pseudo-token placed before each linked mention"),
                new ParameterSpec("init_std", "float", "0.02", "std of the mapper's initialisation"));
    }

    @Override
    public KnowledgeAdapter create(PluginConfig config, BackboneSpec backbone, PluginContext context) {
        Path file = Path.of(config.requireString("embeddings"));
        String names = config.getString("names", "");
        String mapper = config.getString("mapper", "affine");
        int hidden = config.getInt("mapper_hidden", 768);
        String token = config.getString("token", "[E]");
        double initStd = config.getDouble("init_std", 0.02);
        if (!mapper.equals("affine") && !mapper.equals("mlp")) {
            throw new InfuseException("config-bad-value", "adapter 'map-tuning': mapper '" + mapper + "'; expected affine or mlp");
        }
        if (!Files.isRegularFile(file)) {
            throw new InfuseException("data-missing", "adapter 'map-tuning': embeddings file " + file + " does not exist");
        }
        EntityEmbeddings embeddings = file.toString().endsWith(".safetensors")
                ? EntityEmbeddings.readSafeTensors(file, 0) : EntityEmbeddings.readText(file, 0);
        Map<String, String> aliases = names.isEmpty() ? Map.of() : EntityNames.read(Path.of(names));
        return new MapTuningAdapter(config.effective(), embeddings, aliases, mapper, hidden, token, initStd, backbone.hiddenSize());
    }
}
