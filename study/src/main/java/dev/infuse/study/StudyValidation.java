package dev.infuse.study;

import dev.infuse.api.Infuse;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What is checked before any step of a study runs: its plugins exist, its budgets fit the backbone, its in-layer plug-ins can be created. */
final class StudyValidation {
    private StudyValidation() {}

    /**
     * What can be checked once the backbone is loaded, before any cell runs: every budget's
     * {@code max_length} fits its positions, and every in-layer plug-in of every method's downstream
     * model can be created with its configuration (known plug-in, known keys, valid values) and targets
     * sites the backbone offers, each (layer, site) once. One {@link InfuseException} naming the
     * study file's line, the method and the plug-in.
     */
    static void validate(Infuse infuse, Study study, Backbone backbone) {
        checkMaxLengths(study, backbone);
        checkLayerPlugins(infuse, study, backbone);
    }

    static void checkLayerPlugins(Infuse infuse, Study study, Backbone backbone) {
        for (Study.Method m : study.methods()) {
            checkLayerPlugins(infuse, backbone, m.downstream().layerPlugins(), "method '" + m.name() + "'", "one downstream model");
            for (Study.Pretraining p : m.pretrainings()) {
                checkLayerPlugins(infuse, backbone, p.layerPlugins(), "pretraining '" + p.id() + "'", "one pretraining");
            }
        }
    }

    static void checkLayerPlugins(Infuse infuse, Backbone backbone, List<Study.LayerPluginEntry> entries, String owner,
            String scope) {
        List<dev.infuse.spi.LayerPlugin> plugins = new java.util.ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Study.LayerPluginEntry l : entries) {
            String where = l.where() + ": " + owner;
            String who = "in-layer plug-in '" + l.name() + "'";
            check(infuse, PluginKind.LAYER, l.name(), where);
            if (!names.add(l.name())) {
                throw new InfuseException("config-duplicate-adapter", where + ": " + who + " is listed twice in " + scope);
            }
            try {
                plugins.add(infuse.createLayerPlugin(l.name(), PluginConfig.of(who, l.config()), backbone.spec()));
                dev.infuse.api.ComposedModel.checkTargets(backbone, plugins);
            } catch (InfuseException e) {
                throw new InfuseException(e.code(), where + ": " + e.getMessage(), e);
            }
        }
    }

    /** Every budget's max_length fits the backbone's position embeddings: checked before any cell (config-bad-value). */
    private static void checkMaxLengths(Study study, Backbone backbone) {
        int limit = backbone.spec().maxPositions();
        Set<String> where = new LinkedHashSet<>();
        for (Study.TaskEntry t : study.tasks()) {
            for (Study.Method m : study.methods()) {
                if (m.budget(t).maxLength() > limit) {
                    where.add("task '" + t.name() + "'" + (m.budgets().containsKey(t.name()) ? " of method '" + m.name() + "'" : "")
                            + " (" + m.budget(t).maxLength() + ")");
                }
            }
        }
        for (Study.Pretraining p : study.pretrainings()) {
            if (p.budget().maxLength() > limit) {
                where.add("pretraining '" + p.id() + "' (" + p.budget().maxLength() + ")");
            }
        }
        if (!where.isEmpty()) {
            throw new InfuseException("config-bad-value", study.file() + ": budgets key 'max_length' is larger than the "
                    + limit + " positions of backbone '" + backbone.name() + "' (" + backbone.spec().describe() + ") for "
                    + String.join(", ", where) + "; expected at most " + limit + " (the default is 128: set max_length in budgets)");
        }
    }

    static void checkPlugins(Infuse infuse, Study study) {
        check(infuse, PluginKind.BACKBONE, study.backbone().name(), study.file() + ": backbone");
        for (Study.Method m : study.methods()) {
            if (!m.adapters().isEmpty()) {
                check(infuse, PluginKind.FUSION, m.fusion(), study.file() + ": method '" + m.name() + "'");
            }
            for (Study.AdapterEntry a : m.adapters()) {
                if (a.adapter() != null) {
                    check(infuse, PluginKind.ADAPTER, a.adapter(), a.where() + ": method '" + m.name() + "'");
                }
            }
            for (Study.LayerPluginEntry l : m.downstream().layerPlugins()) {
                check(infuse, PluginKind.LAYER, l.name(), l.where() + ": method '" + m.name() + "'");
            }
            for (Study.Pretraining p : m.pretrainings()) {
                for (Study.LayerPluginEntry l : p.layerPlugins()) {
                    check(infuse, PluginKind.LAYER, l.name(), l.where() + ": pretraining '" + p.id() + "'");
                }
            }
        }
    }

    private static void check(Infuse infuse, PluginKind kind, String name, String where) {
        List<String> names = infuse.registry().available(kind);
        if (!names.contains(name)) {
            String hint = PluginConfig.closest(name, names);
            throw new InfuseException("plugin-not-found", where + ": no " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " plugin '" + name + "'" + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; available: "
                    + String.join(", ", names));
        }
    }
}
