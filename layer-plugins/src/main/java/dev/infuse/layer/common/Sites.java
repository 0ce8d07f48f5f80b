package dev.infuse.layer.common;

import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerSite;
import dev.infuse.spi.PluginConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sites} and {@code layers} keys every built-in in-layer plug-in reads, and their check
 * against the sites a backbone offers.
 */
public final class Sites {
    private Sites() {}

    /** Comma-separated site names of the {@code sites} key, in order. */
    public static List<String> names(PluginConfig config, String defaultValue) {
        String raw = config.getString("sites", defaultValue);
        List<String> out = new ArrayList<>();
        for (String s : raw.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return List.copyOf(out);
    }

    /** The {@code layers} key: layer indices, empty for every layer. */
    public static List<Integer> layers(PluginConfig config) {
        return List.copyOf(config.getIntList("layers", List.of()));
    }

    /**
     * Resolves {@code requested} site names against {@code offered}, keeping only sites of the given
     * kinds; {@code all} stands for every offered site of those kinds.
     *
     * @throws InfuseException {@code config-bad-site} naming the plug-in, the site and the sites it may use
     */
    public static List<LayerSite> select(String plugin, List<String> requested, List<LayerSite> offered,
            Set<LayerSite.Kind> kinds) {
        Map<String, LayerSite> usable = new LinkedHashMap<>();
        for (LayerSite s : offered) {
            if (kinds.contains(s.kind())) {
                usable.put(s.name(), s);
            }
        }
        if (requested.equals(List.of("all"))) {
            return List.copyOf(usable.values());
        }
        List<LayerSite> out = new ArrayList<>();
        for (String name : requested) {
            LayerSite s = usable.get(name);
            if (s == null) {
                boolean exists = offered.stream().anyMatch(o -> o.name().equals(name));
                throw new InfuseException("config-bad-site", "in-layer plug-in '" + plugin + "', key 'sites': site '" + name
                        + "' " + (exists ? "is not of a kind it can act on (" + kinds + ")" : "does not exist in this backbone")
                        + "; sites it can use: " + usable.keySet() + " (or 'all')");
            }
            if (out.contains(s)) {
                throw new InfuseException("config-bad-site", "in-layer plug-in '" + plugin + "', key 'sites': site '" + name
                        + "' is listed twice");
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new InfuseException("config-bad-value", "in-layer plug-in '" + plugin + "', key 'sites': no site given; "
                    + "sites it can use: " + usable.keySet());
        }
        return out;
    }

    /** Every (layer, site) pair, layers outermost; {@code layers} empty means all. */
    public static List<LayerPlugin.Target> targets(String plugin, List<Integer> layers, List<LayerSite> sites,
            BackboneSpec backbone) {
        List<Integer> ls = layers.isEmpty() ? range(backbone.layers()) : layers;
        List<LayerPlugin.Target> out = new ArrayList<>();
        for (int l : ls) {
            if (l < 0 || l >= backbone.layers()) {
                throw new InfuseException("config-bad-value", "in-layer plug-in '" + plugin + "', key 'layers': layer " + l
                        + " does not exist; the backbone has layers 0 to " + (backbone.layers() - 1));
            }
            for (LayerSite s : sites) {
                out.add(new LayerPlugin.Target(l, s.name()));
            }
        }
        return out;
    }

    private static List<Integer> range(int n) {
        Integer[] a = new Integer[n];
        Arrays.setAll(a, i -> i);
        return List.of(a);
    }

    /** The scope path of a target's parameters: {@code layer_<i>/<site>}. */
    public static String path(LayerPlugin.Target t) {
        return "layer_" + t.layer() + "/" + t.site();
    }
}
