package dev.infuse.tasks.builtin;

import dev.infuse.spi.ItemMetric;
import dev.infuse.spi.ParameterSpec;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.Spi;
import dev.infuse.spi.Task;
import dev.infuse.spi.TaskProvider;
import dev.infuse.tasks.RelationClassification;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The common part of Infuse's built-in tasks: each is its own provider (one name, one description,
 * its default files, its metric and its featurisation), created with the {@code markers} option where
 * the task marks entity mentions.
 */
abstract class BuiltinTask implements TaskProvider {
    private final String name;
    private final String description;
    private final Task.DataSource data;
    private final ItemMetric metric;
    private final boolean probe;
    private final boolean marksMentions;
    private final List<ParameterSpec> extraParameters;
    private final BiFunction<Task.Input, Options, Task.Prepared> prepare;

    /** The options a task was created with: its markers and the values of its other parameters. */
    record Options(RelationClassification.Markers markers, java.util.Map<String, String> values) {
        String get(String key) {
            return values.get(key);
        }
    }

    BuiltinTask(String name, String description, Task.DataSource data, ItemMetric metric, boolean probe, boolean marksMentions,
            BiFunction<Task.Input, RelationClassification.Markers, Task.Prepared> prepare) {
        this(name, description, data, metric, probe, marksMentions, List.of(), (in, o) -> prepare.apply(in, o.markers()));
    }

    BuiltinTask(String name, String description, Task.DataSource data, ItemMetric metric, boolean probe, boolean marksMentions,
            List<ParameterSpec> options, BiFunction<Task.Input, Options, Task.Prepared> prepare) {
        this.name = name;
        this.description = description;
        this.data = data;
        this.metric = metric;
        this.probe = probe;
        this.marksMentions = marksMentions;
        this.extraParameters = List.copyOf(options);
        this.prepare = prepare;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String version() {
        String v = BuiltinTask.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public final String requestedSpiVersion() {
        return Spi.VERSION;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public List<ParameterSpec> parameters() {
        List<ParameterSpec> all = new java.util.ArrayList<>();
        if (marksMentions) {
            all.add(new ParameterSpec("markers", "string", "infuse", "entity markers: infuse (@ subject @, # object #; "
                    + "@ mention @) or authors (# head #, $ tail $; $ mention $, as the map-tuning authors mark entities)"));
        }
        all.addAll(extraParameters);
        return all;
    }

    @Override
    public final Task create(PluginConfig options, PluginContext context) {
        RelationClassification.Markers markers = marksMentions
                ? RelationClassification.Markers.parse(options.getString("markers", "infuse"))
                : RelationClassification.Markers.INFUSE;
        java.util.Map<String, String> values = new java.util.LinkedHashMap<>();
        for (ParameterSpec p : extraParameters) {
            values.put(p.name(), options.getString(p.name(), p.defaultValue()));
        }
        Options chosen = new Options(markers, values);
        return new Task() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public DataSource data() {
                return data;
            }

            @Override
            public boolean probe() {
                return probe;
            }

            @Override
            public ItemMetric metric() {
                return metric;
            }

            @Override
            public Prepared prepare(Input input) {
                return prepare.apply(input, chosen);
            }
        };
    }
}
