package dev.infuse.adapter.maptuning;

import dev.infuse.kg.EntityEmbeddings;
import dev.infuse.nn.Activation;
import dev.infuse.nn.Dense;
import dev.infuse.nn.Initializers;
import dev.infuse.spi.EntityMention;
import dev.infuse.spi.InputEmbeddings;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ModelScope;
import dev.infuse.spi.TokenInput;
import dev.infuse.spi.TokenizedText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A map-tuning knowledge plugin (Zhang et al., ACL 2023): every linked entity mention is preceded
 * by a pseudo-token and a slash, {@code [E] / mention}, and the pseudo-token's input embedding is
 * {@code map(KE[entity])} — a knowledge-graph embedding sent through a small mapping network into the
 * backbone's input-embedding space. Every other token keeps the frozen word embedding. Only the
 * mapper is trained; the entity table is frozen data carried with the plugin.
 *
 * <p>Linking: by the id the data carries (e.g. a Wikidata Q-id); otherwise, when a names file is
 * configured, by exact (case-insensitive) match of the mention's text with an entity name. Mentions
 * that cannot be linked are left as plain text; tasks count them.
 */
final class MapTuningAdapter implements KnowledgeAdapter {
    static final String INPUT = "entity_index";

    private final Map<String, Object> config;
    private final EntityEmbeddings embeddings;
    private final Map<String, Integer> rowById = new HashMap<>();
    private final Map<String, Integer> rowByName = new HashMap<>();
    private final String mapper;
    private final int hidden;
    private final String token;
    private final double initStd;
    private final int width;
    private final AtomicLong linked = new AtomicLong();
    private final AtomicLong unlinked = new AtomicLong();

    MapTuningAdapter(Map<String, Object> config, EntityEmbeddings embeddings, Map<String, String> names, String mapper,
            int hidden, String token, double initStd, int width) {
        this.width = width;
        this.config = config;
        this.embeddings = embeddings;
        this.mapper = mapper;
        this.hidden = hidden;
        this.token = token;
        this.initStd = initStd;
        List<String> ids = embeddings.ids();
        for (int i = 0; i < ids.size(); i++) {
            rowById.put(ids.get(i), i);
        }
        names.forEach((id, name) -> {
            Integer row = rowById.get(id);
            if (row != null) {
                // Names files often hold "name, definition": the name is what stands before the first comma.
                String key = name.split(",", 2)[0].trim().toLowerCase(Locale.ROOT);
                rowByName.putIfAbsent(key, row);
            }
        });
    }

    @Override
    public String name() {
        return MapTuningProvider.NAME;
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public List<String> addedTokens() {
        return List.of(token);
    }

    /** The table row of a mention's entity, or -1. */
    int row(EntityMention m) {
        Integer r = m.entityId() == null ? null : rowById.get(m.entityId());
        if (r == null && m.surface() != null) {
            r = rowByName.get(m.surface().trim().toLowerCase(Locale.ROOT));
        }
        return r == null ? -1 : r;
    }

    /** Mentions linked and left unlinked so far (for reports). */
    long[] linkCounts() {
        return new long[] {linked.get(), unlinked.get()};
    }

    @Override
    public String mentionPrefix(EntityMention mention) {
        if (row(mention) < 0) {
            unlinked.incrementAndGet();
            return "";
        }
        linked.incrementAndGet();
        return token + " / ";
    }

    @Override
    public List<TokenInput> tokenInputs(TokenizedText text, List<EntityMention> mentions) {
        int[] values = new int[text.length()];
        Arrays.fill(values, -1);
        int tokenId = -1;
        for (int i = 0; i < text.length(); i++) {
            if (text.tokens()[i].equals(token)) {
                tokenId = text.ids()[i];
                break;
            }
        }
        if (tokenId >= 0) {
            // Each pseudo-token belongs to the first linked mention that starts after it.
            List<EntityMention> linkedMentions = new ArrayList<>();
            for (EntityMention m : mentions) {
                if (row(m) >= 0) {
                    linkedMentions.add(m);
                }
            }
            for (int i = 0; i < text.length(); i++) {
                if (text.ids()[i] != tokenId) {
                    continue;
                }
                for (EntityMention m : linkedMentions) {
                    if (m.start() >= text.charEnd()[i]) {
                        values[i] = row(m);
                        break;
                    }
                }
            }
        }
        return List.of(new TokenInput(INPUT, values, -1));
    }

    @Override
    public Operand<TFloat32> injectInputs(ModelScope scope, InputEmbeddings inputs) {
        Ops tf = scope.tf();
        int d = embeddings.dimension();
        int n = embeddings.size();
        float[] table = embeddings.vectors();
        Operand<TFloat32> entities = scope.frozenChild("knowledge").parameter("entity_embeddings", new long[] {n, d},
                Initializers.of(table));
        Operand<TInt32> index = scope.input(INPUT, TInt32.class, -1, -1);
        Operand<TInt32> safe = tf.math.maximum(index, tf.constant(0));
        Operand<TFloat32> vectors = tf.gather(entities, safe, tf.constant(0));
        Operand<TFloat32> mapped = map(scope, vectors, d, width);
        Operand<TFloat32> on = tf.expandDims(tf.dtypes.cast(tf.math.greaterEqual(index, tf.constant(0)), TFloat32.class),
                tf.constant(-1));
        return tf.math.add(tf.math.mul(inputs.embeddings(), tf.math.sub(tf.constant(1f), on)), tf.math.mul(mapped, on));
    }

    private Operand<TFloat32> map(ModelScope scope, Operand<TFloat32> x, int d, int h) {
        var init = Initializers.normal(initStd);
        if (mapper.equals("affine")) {
            return Dense.apply(scope, "mapper", x, d, h, init);
        }
        ModelScope m = scope.child("mapper");
        Operand<TFloat32> mid = Activation.GELU.apply(scope.tf(), Dense.apply(m, "hidden", x, d, hidden, init));
        return Dense.apply(m, "out", mid, hidden, h, init);
    }
}
