package dev.infuse.nn;

import dev.infuse.spi.HiddenStates;
import dev.infuse.spi.KnowledgeAdapter;
import dev.infuse.spi.ModelScope;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A {@link KnowledgeAdapter} that is a K-Adapter side network ({@link SideAdapterStack}) and nothing
 * else. What makes a factual or a linguistic adapter is how it is pretrained, not its shape, so both
 * plugins return this class under their own names.
 */
public final class SideAdapter implements KnowledgeAdapter {
    private final String name;
    private final SideAdapterConfig config;

    public SideAdapter(String name, SideAdapterConfig config) {
        this.name = name;
        this.config = config;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> config() {
        return config.toMap();
    }

    public SideAdapterConfig sideConfig() {
        return config;
    }

    @Override
    public List<Integer> taps() {
        return config.taps();
    }

    @Override
    public Optional<Operand<TFloat32>> sideOutput(ModelScope scope, HiddenStates states) {
        return Optional.of(SideAdapterStack.apply(scope, config, states));
    }
}
