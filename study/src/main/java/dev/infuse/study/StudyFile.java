package dev.infuse.study;

import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.tasks.RelationClassification;
import dev.infuse.tasks.Tasks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads study files (YAML; the format is documented in {@code docs/STUDIES.md}). Every mistake is one
 * {@link InfuseException} naming the file, line and column, and for unknown names the closest valid one.
 */
public final class StudyFile {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final List<String> TOP = List.of("name", "description", "backbone", "data", "fusion", "fusion_config", "cache", "seeds", "data_seed",
            "budgets", "knowledge_graphs", "tasks", "methods", "precision", "downstream");
    private static final List<String> KG = List.of("source", "dimension", "epochs", "lr", "margin", "norm", "negatives",
            "batch_size", "seed", "add_lama", "hold_out_probe_facts", "probe_fraction", "split_seed", "keep_probe_facts");
    private static final List<String> KG_LAMA = List.of("add_lama", "hold_out_probe_facts", "probe_fraction", "split_seed");
    private static final List<String> BUDGET = List.of("epochs", "batch_size", "lr", "max_length", "warmup", "clip",
            "patience", "head_dropout", "max_train", "evaluate_every");
    private static final List<String> TASK = List.of("name", "as", "train", "dev", "test", "metric", "markers", "options");
    private static final List<String> METHOD = List.of("name", "description", "fusion", "fusion_config", "adapters", "downstream",
            "budget", "twin");
    private static final List<String> TWIN = List.of("pretrain_options", "knowledge_graphs", "task_options");
    private static final List<String> DOWNSTREAM = List.of("layer_plugins", "backbone_dropout", "from", "frozen");
    private static final List<String> LAYER_PLUGIN = List.of("name", "config");
    private static final List<String> ADAPTER = List.of("adapter", "mode", "config", "artifact", "pretrain", "from");
    private static final List<String> PRETRAIN;

    static {
        List<String> p = new ArrayList<>(List.of("task", "train", "dev", "seed", "options", "layer_plugins"));
        p.addAll(BUDGET);
        PRETRAIN = List.copyOf(p);
    }

    private StudyFile() {}

    /**
     * Reads and checks a study file.
     *
     * @param file the YAML file
     * @param dataOverride a data folder replacing the file's {@code data} key, or null
     * @throws InfuseException {@code config-*} for a bad study, {@code data-missing} for a missing file or data folder
     */
    public static Study read(Path file, Path dataOverride) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InfuseException("data-missing", "study file " + file + " does not exist");
        } catch (IOException e) {
            throw new InfuseException("data-io", "cannot read study file " + file + ": " + e.getMessage(), e);
        }
        return parse(file, text, dataOverride);
    }

    /** Names of the studies built into Infuse (see {@link #builtIn}). */
    public static final List<String> BUILT_IN = List.of("quickstart");

    /** The text of a built-in study, or null when there is none of that name. */
    public static String builtInText(String name) {
        if (!BUILT_IN.contains(name)) {
            return null;
        }
        try (var in = StudyFile.class.getResourceAsStream(name + ".yaml")) {
            if (in == null) {
                throw new IllegalStateException("built-in study '" + name + "' is missing from this build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read built-in study '" + name + "'", e);
        }
    }

    /**
     * A built-in study, e.g. {@code quickstart}: the embedded comparison on WordNet that needs nothing
     * but Maven Central. Relative paths in it resolve against the working directory.
     *
     * @throws InfuseException {@code config-unknown-study} naming the built-in studies
     */
    public static Study builtIn(String name, Path dataOverride) {
        String text = builtInText(name);
        if (text == null) {
            String hint = PluginConfig.closest(name, BUILT_IN);
            throw new InfuseException("config-unknown-study", "no study file '" + name + "' and no built-in study of that name"
                    + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; built-in studies: " + String.join(", ", BUILT_IN));
        }
        return parse(Path.of(name + ".yaml"), text, dataOverride);
    }

    /** Parses study text as if read from {@code file} (relative paths resolve against its folder). */
    public static Study parse(Path file, String text, Path dataOverride) {
        return new Parser(file, text).parse(dataOverride);
    }

    private static final class Parser {
        private final Path file;
        private final Path base;
        private final String text;
        private final Map<String, Study.Budget> budgets = new LinkedHashMap<>();
        /** Each method's {@code twin:} entry, by method name. */
        private final Map<String, YamlNode> twins = new LinkedHashMap<>();
        private Study.Budget defaults = Study.Budget.defaults();

        Parser(Path file, String text) {
            this.file = file;
            Path parent = file.toAbsolutePath().getParent();
            this.base = parent == null ? Path.of("").toAbsolutePath() : parent;
            this.text = text;
        }

        Study parse(Path dataOverride) {
            YamlNode root = YamlNode.parse(file.toString(), text);
            root.onlyKeys("the study", TOP);
            Map<String, YamlNode> top = root.map("the study");

            String fileName = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
            String name = top.containsKey("name") ? top.get("name").string("name") : fileName;
            Study.BackboneChoice backbone = withPrecision(backbone(top.get("backbone")), top.get("precision"));
            String fusion = top.containsKey("fusion") ? top.get("fusion").string("fusion") : "concat";
            boolean cache = !top.containsKey("cache") || top.get("cache").bool("cache");

            List<Long> seeds = new ArrayList<>();
            if (top.containsKey("seeds")) {
                for (YamlNode s : top.get("seeds").list("seeds")) {
                    long seed = s.integer("a seed");
                    if (seeds.contains(seed)) {
                        throw s.error("config-bad-value", "seed " + seed + " is listed twice");
                    }
                    seeds.add(seed);
                }
                if (seeds.isEmpty()) {
                    throw top.get("seeds").error("config-bad-value", "seeds must list at least one seed");
                }
            } else {
                seeds.add(42L);
            }

            if (top.containsKey("budgets")) {
                YamlNode b = top.get("budgets");
                Map<String, YamlNode> m = b.map("budgets");
                if (m.containsKey("default")) {
                    defaults = budget(m.get("default"), Study.Budget.defaults(), "budgets.default", BUDGET);
                }
                for (Map.Entry<String, YamlNode> e : m.entrySet()) {
                    if (!e.getKey().equals("default")) {
                        budgets.put(e.getKey(), budget(e.getValue(), defaults, "budgets." + e.getKey(), BUDGET));
                    }
                }
            }

            List<Study.TaskEntry> tasks = new ArrayList<>();
            if (!top.containsKey("tasks")) {
                throw root.error("config-missing-key", "the study lists no tasks (key 'tasks'); tasks: " + taskNames());
            }
            for (YamlNode t : top.get("tasks").list("tasks")) {
                Study.TaskEntry entry = task(t);
                if (tasks.stream().anyMatch(x -> x.name().equals(entry.name()))) {
                    throw t.error("config-bad-value", "task '" + entry.name() + "' is listed twice");
                }
                tasks.add(entry);
            }
            if (tasks.isEmpty()) {
                throw top.get("tasks").error("config-bad-value", "tasks must list at least one task; tasks: " + taskNames());
            }
            if (top.containsKey("budgets")) {
                // Budgets are keyed by task plugin names (pretraining tasks included) or by the study's own task names.
                Set<String> allowed = new LinkedHashSet<>(Tasks.builtIn().names());
                tasks.forEach(x -> allowed.add(x.name()));
                YamlNode b = top.get("budgets");
                for (String key : b.map("budgets").keySet()) {
                    if (!key.equals("default") && !allowed.contains(key)) {
                        throw unknownTask(b.key(key), key, "budgets");
                    }
                }
            }

            Map<String, Object> fusionConfig = config(top.get("fusion_config"), "fusion_config");
            Study.Downstream downstream = Study.Downstream.HEAD;
            if (top.containsKey("downstream")) {
                downstream = downstream(top.get("downstream"), "the study's downstream");
                if (downstream.from() != null) {
                    throw top.get("downstream").error("config-bad-value", "'from' reuses another method's downstream model: "
                            + "it belongs on a method's 'downstream', not on the study's");
                }
            }
            List<Study.Method> methods = methods(top.get("methods"), fusion, fusionConfig, downstream, tasks);

            Path dataDir = dataOverride != null ? dataOverride.toAbsolutePath()
                    : top.containsKey("data") ? base.resolve(top.get("data").string("data")).normalize() : null;
            checkData(dataDir, dataOverride == null ? top.get("data") : null, tasks, methods);
            List<Study.KnowledgeGraphStep> graphs = knowledgeGraphs(top.get("knowledge_graphs"), dataDir);
            methods = withTwins(methods, graphs, tasks);
            checkGraphReferences(methods, graphs);
            Long dataSeed = top.containsKey("data_seed") ? top.get("data_seed").integer("data_seed") : null;
            return new Study(file, text, name, backbone, dataDir, tasks, methods, seeds, cache, graphs, dataSeed);
        }

        private List<Study.KnowledgeGraphStep> knowledgeGraphs(YamlNode n, Path dataDir) {
            List<Study.KnowledgeGraphStep> out = new ArrayList<>();
            if (n == null || n.isNull()) {
                return out;
            }
            for (Map.Entry<String, YamlNode> e : n.map("knowledge_graphs").entrySet()) {
                String name = e.getKey();
                if (!NAME.matcher(name).matches()) {
                    throw n.key(name).error("config-bad-value", "knowledge graph name '" + name
                            + "' must be lower-case letters, digits, '.', '_' or '-' (it names a folder)");
                }
                YamlNode g = e.getValue();
                String what = "knowledge graph '" + name + "'";
                g.onlyKeys(what, KG);
                Map<String, YamlNode> m = g.map(what);
                if (!m.containsKey("source")) {
                    throw g.error("config-missing-key", what + " needs a 'source': wordnet, or a triples folder in the data folder");
                }
                String source = m.get("source").string("source");
                Path folder = null;
                if (!source.equals("wordnet")) {
                    folder = (dataDir != null ? dataDir : base).resolve(source).normalize();
                    if (!Files.isDirectory(folder)) {
                        throw m.get("source").error("data-missing", what + ": triples folder " + folder + " does not exist "
                                + "(expected 'wordnet' or a folder such as kg/FB15k-237 in the data folder)");
                    }
                }
                Map<String, Object> transe = new LinkedHashMap<>();
                Study.LamaAddition lama = lama(m, what, source, dataDir);
                boolean keepProbeFacts = false;
                if (m.containsKey("keep_probe_facts")) {
                    keepProbeFacts = m.get("keep_probe_facts").bool("keep_probe_facts");
                    if (!source.equals("wordnet")) {
                        throw m.get("keep_probe_facts").error("config-invalid", what + ": 'keep_probe_facts' keeps the wn-hypernym "
                                + "probe's facts in the embedded WordNet graph (source: wordnet); a triples folder with LAMA facts "
                                + "keeps them unless 'hold_out_probe_facts: true'");
                    }
                }
                for (Map.Entry<String, YamlNode> k : m.entrySet()) {
                    if (!k.getKey().equals("source") && !k.getKey().equals("keep_probe_facts") && !KG_LAMA.contains(k.getKey())) {
                        double v = k.getValue().number(k.getKey());
                        if (!(v > 0)) {
                            throw k.getValue().error("config-bad-value", what + ": " + k.getKey() + " must be greater than 0");
                        }
                        transe.put(k.getKey(), v);
                    }
                }
                out.add(new Study.KnowledgeGraphStep(name, source, folder, transe, lama, keepProbeFacts));
            }
            return out;
        }

        /** A knowledge graph's {@code add_lama} (with {@code hold_out_probe_facts}, {@code probe_fraction}, {@code split_seed}), or null. */
        private Study.LamaAddition lama(Map<String, YamlNode> m, String what, String source, Path dataDir) {
            if (!m.containsKey("add_lama")) {
                for (String k : KG_LAMA) {
                    if (m.containsKey(k)) {
                        throw m.get(k).error("config-invalid", what + ": '" + k + "' goes with 'add_lama' (a LAMA folder whose "
                                + "facts join the graph)");
                    }
                }
                return null;
            }
            YamlNode at = m.get("add_lama");
            if (source.equals("wordnet")) {
                throw at.error("config-invalid", what + ": 'add_lama' joins LAMA's Wikidata facts to a graph with Wikidata ids "
                        + "(e.g. source: kg/codex/triples/codex-m), not to the embedded WordNet graph");
            }
            String lamaSource = at.string("add_lama");
            Path folder = (dataDir != null ? dataDir : base).resolve(lamaSource).normalize();
            if (!Files.isDirectory(folder)) {
                throw at.error("data-missing", what + ": LAMA folder " + folder + " does not exist (expected a folder laid out "
                        + "like the shared data's lama/, relative to the data folder)");
            }
            boolean holdOut = m.containsKey("hold_out_probe_facts") && m.get("hold_out_probe_facts").bool("hold_out_probe_facts");
            for (String k : List.of("probe_fraction", "split_seed")) {
                if (m.containsKey(k) && !holdOut) {
                    throw m.get(k).error("config-invalid", what + ": '" + k + "' goes with 'hold_out_probe_facts: true'");
                }
            }
            double fraction = dev.infuse.tasks.TrexTasks.DEFAULT_PROBE_FRACTION;
            if (m.containsKey("probe_fraction")) {
                fraction = m.get("probe_fraction").number("probe_fraction");
                if (!(fraction > 0 && fraction < 1)) {
                    throw m.get("probe_fraction").error("config-bad-value", what + ": probe_fraction must be in (0, 1), not " + fraction);
                }
            }
            long seed = m.containsKey("split_seed") ? m.get("split_seed").integer("split_seed")
                    : dev.infuse.tasks.TrexTasks.DEFAULT_SPLIT_SEED;
            return new Study.LamaAddition(lamaSource, folder, holdOut, fraction, seed);
        }

        /**
         * Adds each method's knowledge-ablated twin ({@code twin:}) right after it: {@code <method>-twin}, the
         * same method with the twin's overrides — its pretrainings' task options ({@code pretrain_options}),
         * knowledge graphs swapped in its adapters' and pretrainings' configurations ({@code knowledge_graphs:
         * {full: ablated}}), its cells' task options ({@code task_options: {TASK: {...}}}). A changed pretraining
         * becomes the twin's own step ({@code <method>-twin/<adapter>}). A twin that changes nothing, or names an
         * unknown graph or task, is one error at its line.
         */
        private List<Study.Method> withTwins(List<Study.Method> methods, List<Study.KnowledgeGraphStep> graphs,
                List<Study.TaskEntry> tasks) {
            if (twins.isEmpty()) {
                return methods;
            }
            List<String> graphNames = graphs.stream().map(Study.KnowledgeGraphStep::name).toList();
            List<Study.Method> out = new ArrayList<>();
            for (Study.Method m : methods) {
                out.add(m);
                YamlNode t = twins.get(m.name());
                if (t != null) {
                    out.add(twin(m, t, methods, graphNames, tasks, out));
                }
            }
            return out;
        }

        /** @param earlier the methods and twins before this one: a changed pretraining that one of them already runs is shared */
        private Study.Method twin(Study.Method m, YamlNode t, List<Study.Method> methods, List<String> graphNames,
                List<Study.TaskEntry> tasks, List<Study.Method> earlier) {
            String what = "twin of method '" + m.name() + "'";
            String name = Study.Method.twinName(m.name());
            if (methods.stream().anyMatch(x -> x.name().equals(name))) {
                throw t.error("config-bad-value", what + ": the twin is the method '" + name + "', which the study already "
                        + "defines; rename that method");
            }
            if (!NAME.matcher(name).matches()) {
                throw t.error("config-bad-value", what + ": its name '" + name + "' is too long for a folder name (at most 64 "
                        + "characters); shorten the method's name");
            }
            t.onlyKeys(what, TWIN);
            Map<String, YamlNode> f = t.map(what);
            // pretrain_options
            Map<String, Object> preOptions = config(f.get("pretrain_options"), "pretrain_options of the " + what);
            if (!preOptions.isEmpty() && m.pretrainings().isEmpty()) {
                throw f.get("pretrain_options").error("config-invalid", what + ": 'pretrain_options' changes the task options of "
                        + "the method's pretraining steps, but it has none (no adapter with 'pretrain')");
            }
            // knowledge_graphs
            Map<String, String> swaps = new LinkedHashMap<>();
            if (f.containsKey("knowledge_graphs") && !f.get("knowledge_graphs").isNull()) {
                YamlNode g = f.get("knowledge_graphs");
                for (Map.Entry<String, YamlNode> e : g.map("knowledge_graphs of the " + what).entrySet()) {
                    String from = e.getKey();
                    String to = e.getValue().string("a knowledge graph name");
                    checkGraphName(g.key(from), from, graphNames, what);
                    checkGraphName(e.getValue(), to, graphNames, what);
                    if (from.equals(to)) {
                        throw e.getValue().error("config-invalid", what + ": knowledge graph '" + from + "' is swapped for itself");
                    }
                    if (!uses(m, Study.KG_REFERENCE + from)) {
                        throw g.key(from).error("config-invalid", what + ": method '" + m.name() + "' does not use 'kg:" + from
                                + "' in any adapter configuration, so swapping it changes nothing");
                    }
                    swaps.put(Study.KG_REFERENCE + from, Study.KG_REFERENCE + to);
                }
            }
            // task_options
            Map<String, Map<String, Object>> taskOptions = new LinkedHashMap<>();
            if (f.containsKey("task_options") && !f.get("task_options").isNull()) {
                YamlNode to = f.get("task_options");
                for (Map.Entry<String, YamlNode> e : to.map("task_options of the " + what).entrySet()) {
                    Study.TaskEntry task = tasks.stream().filter(x -> x.name().equals(e.getKey())).findFirst().orElse(null);
                    if (task == null) {
                        List<String> names = tasks.stream().map(Study.TaskEntry::name).toList();
                        String hint = PluginConfig.closest(e.getKey(), names);
                        throw to.key(e.getKey()).error("config-unknown-task", what + ": task_options names task '" + e.getKey()
                                + "', which the study does not run" + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                                + "; its tasks: " + String.join(", ", names));
                    }
                    Map<String, Object> options = config(e.getValue(), "task_options of the " + what);
                    if (options.containsKey("markers")) {
                        throw e.getValue().key("markers").error("config-invalid", what + ": a twin keeps its method's entity markers");
                    }
                    Map<String, Object> all = new LinkedHashMap<>(task.options());
                    all.putAll(options);
                    checkOptions(e.getValue(), task.ref(), all, "task_options of the " + what + ", task '" + task.name() + "'");
                    if (!all.equals(task.options())) {
                        taskOptions.put(task.name(), options);
                    }
                }
            }
            Map<Study.Pretraining, Study.Pretraining> changed = new LinkedHashMap<>();
            List<Study.AdapterEntry> adapters = new ArrayList<>();
            for (Study.AdapterEntry a : m.adapters()) {
                Study.Pretraining p = a.pretraining();
                if (p != null && !changed.containsKey(p)) {
                    Map<String, Object> options = new LinkedHashMap<>(p.options());
                    options.putAll(preOptions);
                    Map<String, Object> config = swap(p.config(), swaps);
                    if (!options.equals(p.options())) {
                        checkOptions(f.get("pretrain_options"), p.task(), options, "pretrain_options of the " + what
                                + ", pretraining '" + p.id() + "'");
                    }
                    Study.Pretraining q = options.equals(p.options()) && config.equals(p.config()) ? p
                            : sharedStep(p.withChanges(name + "/" + p.adapter(), config, options), earlier);
                    if (q != p && changed.values().stream().anyMatch(x -> x.id().equals(q.id()))) {
                        throw t.error("config-invalid", what + ": two of its pretraining steps would both become '" + q.id()
                                + "'; a twin changes at most one pretraining per adapter plugin");
                    }
                    changed.put(p, q);
                }
                adapters.add(new Study.AdapterEntry(a.mode(), a.adapter(), swap(a.config(), swaps), a.artifact(),
                        p == null ? null : changed.get(p), a.where()));
            }
            Map<String, Map<String, Object>> options = new LinkedHashMap<>(m.taskOptions());
            taskOptions.forEach((k, v) -> options.merge(k, v, (x, y) -> {
                Map<String, Object> z = new LinkedHashMap<>(x);
                z.putAll(y);
                return z;
            }));
            if (adapters.equals(m.adapters()) && options.equals(m.taskOptions())) {
                throw t.error("config-invalid", what + ": the twin changes nothing (its pretrain_options, knowledge_graphs and "
                        + "task_options leave the method as it is); a knowledge-ablated twin must differ from its method in "
                        + "its knowledge source: e.g. pretrain_options: {labels: shuffled} for trex-rc pretraining, "
                        + "knowledge_graphs: {full: ablated}, or task_options");
            }
            return new Study.Method(name, adapters, m.fusion(), m.fusionConfig(), m.downstream(), m.budgets(), options, m.name());
        }

        /**
         * The step an earlier twin already runs with the same work as {@code q} (e.g. two methods reusing one pretrained
         * adapter under different fusions: their twins reuse one ablated pretraining, as the methods reuse theirs), else
         * {@code q}.
         */
        private static Study.Pretraining sharedStep(Study.Pretraining q, List<Study.Method> earlier) {
            return earlier.stream().flatMap(x -> x.adapters().stream()).map(Study.AdapterEntry::pretraining)
                    .filter(x -> x != null && x.sameWork(q)).findFirst().orElse(q);
        }

        private static void checkGraphName(YamlNode at, String graph, List<String> names, String what) {
            if (!names.contains(graph)) {
                String hint = PluginConfig.closest(graph, names);
                throw at.error("config-unknown-key", what + ": '" + graph + "' names no knowledge graph of the study"
                        + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                        + (names.isEmpty() ? "; declare it under 'knowledge_graphs'" : "; knowledge graphs: " + names));
            }
        }

        /** Whether an adapter (or pretraining) configuration of the method has the value {@code ref}. */
        private static boolean uses(Study.Method m, String ref) {
            for (Study.AdapterEntry a : m.adapters()) {
                if (a.config().containsValue(ref) || (a.pretraining() != null && a.pretraining().config().containsValue(ref))) {
                    return true;
                }
            }
            return false;
        }

        private static Map<String, Object> swap(Map<String, Object> config, Map<String, String> swaps) {
            if (swaps.isEmpty() || config.values().stream().noneMatch(swaps::containsKey)) {
                return config;
            }
            Map<String, Object> c = new LinkedHashMap<>(config);
            c.replaceAll((k, v) -> v instanceof String s && swaps.containsKey(s) ? swaps.get(s) : v);
            return c;
        }

        /** Every {@code kg:<name>} value of an adapter configuration must name a knowledge graph of the study. */
        private void checkGraphReferences(List<Study.Method> methods, List<Study.KnowledgeGraphStep> graphs) {
            List<String> names = graphs.stream().map(Study.KnowledgeGraphStep::name).toList();
            for (Study.Method m : methods) {
                for (Study.AdapterEntry a : m.adapters()) {
                    for (Object v : a.config().values()) {
                        if (v instanceof String s && s.startsWith(Study.KG_REFERENCE)
                                && !names.contains(s.substring(Study.KG_REFERENCE.length()))) {
                            String ref = s.substring(Study.KG_REFERENCE.length());
                            String hint = PluginConfig.closest(ref, names);
                            throw new InfuseException("config-unknown-key", a.where() + ": method '" + m.name() + "': '" + s
                                    + "' names no knowledge graph of the study" + (hint == null ? "" : " (did you mean 'kg:" + hint + "'?)")
                                    + (names.isEmpty() ? "; declare it under 'knowledge_graphs'" : "; knowledge graphs: " + names));
                        }
                    }
                }
            }
        }

        private void checkData(Path dataDir, YamlNode node, List<Study.TaskEntry> tasks, List<Study.Method> methods) {
            if (dataDir != null && !Files.isDirectory(dataDir)) {
                throw new InfuseException("data-missing", (node == null ? file + ": --data " : node.where() + ": ")
                        + "data folder " + dataDir + " does not exist (expected a folder laid out like the shared data, see docs/TASKS.md)");
            }
            if (dataDir == null) {
                List<String> need = new ArrayList<>();
                tasks.stream().filter(t -> t.train() == null && needsDataFolder(t.ref())).forEach(t -> need.add("task '" + t.name() + "'"));
                methods.stream().flatMap(m -> m.pretrainings().stream()).distinct()
                        .filter(p -> p.train() == null && needsDataFolder(p.task()))
                        .forEach(p -> need.add("pretraining '" + p.id() + "'"));
                if (!need.isEmpty()) {
                    throw new InfuseException("data-missing", file + ": no data folder for " + String.join(", ", need)
                            + ": give 'data: DIR' in the study file or --data DIR");
                }
            }
        }

        private Study.BackboneChoice backbone(YamlNode n) {
            if (n == null) {
                return new Study.BackboneChoice("bert", Map.of());
            }
            if (n.isScalar()) {
                return new Study.BackboneChoice(n.string("backbone"), Map.of());
            }
            n.onlyKeys("backbone", List.of("name", "config"));
            Map<String, YamlNode> m = n.map("backbone");
            if (!m.containsKey("name")) {
                throw n.error("config-missing-key", "backbone needs a 'name' (e.g. bert)");
            }
            return new Study.BackboneChoice(m.get("name").string("backbone name"), config(m.get("config"), "backbone config"));
        }

        /** The top-level {@code precision:} (fp32, bf16, auto) becomes the backbone's {@code precision} key. */
        private static Study.BackboneChoice withPrecision(Study.BackboneChoice b, YamlNode n) {
            if (n == null) {
                return b;
            }
            String value = n.string("precision");
            try {
                dev.infuse.spi.Precision.check(value, "precision");
            } catch (InfuseException e) {
                throw n.error("config-bad-value", e.getMessage());
            }
            if (b.config().containsKey("precision")) {
                throw n.error("config-invalid", "precision is set both here and in the backbone config; keep one");
            }
            Map<String, Object> config = new java.util.LinkedHashMap<>(b.config());
            config.put("precision", value.trim().toLowerCase(java.util.Locale.ROOT));
            return new Study.BackboneChoice(b.name(), config);
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> config(YamlNode n, String what) {
            if (n == null || n.isNull()) {
                return Map.of();
            }
            n.map(what);
            return (Map<String, Object>) n.plain();
        }

        private Study.Budget budget(YamlNode n, Study.Budget base, String what, List<String> allowed) {
            n.onlyKeys(what, allowed);
            Map<String, YamlNode> m = n.map(what);
            int epochs = m.containsKey("epochs") ? positive(m.get("epochs"), "epochs") : base.epochs();
            int batch = m.containsKey("batch_size") ? positive(m.get("batch_size"), "batch_size") : base.batchSize();
            double lr = m.containsKey("lr") ? m.get("lr").number("lr") : base.learningRate();
            if (!(lr > 0)) {
                throw m.get("lr").error("config-bad-value", "lr must be greater than 0");
            }
            int maxLength = m.containsKey("max_length") ? positive(m.get("max_length"), "max_length") : base.maxLength();
            double warmup = m.containsKey("warmup") ? m.get("warmup").number("warmup") : base.warmup();
            if (warmup < 0 || warmup > 1) {
                throw m.get("warmup").error("config-bad-value", "warmup must be a fraction in [0, 1]");
            }
            double clip = m.containsKey("clip") ? m.get("clip").number("clip") : base.clip();
            int patience = m.containsKey("patience") ? (int) m.get("patience").integer("patience") : base.patience();
            double dropout = m.containsKey("head_dropout") ? m.get("head_dropout").number("head_dropout") : base.headDropout();
            int maxTrain = m.containsKey("max_train") ? positive(m.get("max_train"), "max_train") : base.maxTrain();
            int evaluateEvery = m.containsKey("evaluate_every") ? positive(m.get("evaluate_every"), "evaluate_every")
                    : base.evaluateEvery();
            return new Study.Budget(epochs, batch, lr, maxLength, warmup, clip, patience, dropout, maxTrain, evaluateEvery);
        }

        private static int positive(YamlNode n, String what) {
            long v = n.integer(what);
            if (v < 1 || v > Integer.MAX_VALUE) {
                throw n.error("config-bad-value", what + " must be a positive integer, not " + v);
            }
            return (int) v;
        }

        private Study.TaskEntry task(YamlNode t) {
            String name;
            Path train = null;
            Path dev = null;
            Path test = null;
            String metric = null;
            String markers = null;
            Map<String, Object> options = Map.of();
            YamlNode optionsNode = null;
            YamlNode nameNode = t;
            if (t.isScalar()) {
                name = taskRef(t.string("a task"));
            } else {
                t.onlyKeys("a task", TASK);
                Map<String, YamlNode> m = t.map("a task");
                if (!m.containsKey("name")) {
                    throw t.error("config-missing-key", "a task entry needs a 'name'; tasks: " + taskNames());
                }
                nameNode = m.get("name");
                name = taskRef(nameNode.string("task name"));
                train = m.containsKey("train") ? base.resolve(m.get("train").string("train")).normalize() : null;
                dev = m.containsKey("dev") ? base.resolve(m.get("dev").string("dev")).normalize() : null;
                test = m.containsKey("test") ? base.resolve(m.get("test").string("test")).normalize() : null;
                metric = m.containsKey("metric") ? m.get("metric").string("metric") : null;
                if (m.containsKey("markers")) {
                    markers = m.get("markers").string("markers");
                    try {
                        RelationClassification.Markers.parse(markers);
                    } catch (InfuseException e) {
                        throw m.get("markers").error(e.code(), e.getMessage());
                    }
                }
                if (m.containsKey("options")) {
                    optionsNode = m.get("options");
                    options = config(optionsNode, "options of task '" + name + "'");
                    if (options.containsKey("markers")) {
                        throw optionsNode.key("markers").error("config-invalid", "task '" + name + "': give the markers as the "
                                + "task entry's 'markers' key, not as an option");
                    }
                }
            }
            checkTask(nameNode, name, "tasks");
            String as = null;
            if (!t.isScalar() && t.map("a task").containsKey("as")) {
                YamlNode asNode = t.map("a task").get("as");
                as = asNode.string("as");
                if (!as.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                    throw asNode.error("config-bad-value", "as: '" + as + "' must be a task name for folders and reports: "
                            + "letters, digits, '.', '_' or '-', at most 64 characters");
                }
                if (Tasks.builtIn().exists(as) && !as.equals(name)) {
                    throw asNode.error("config-bad-value", "as: '" + as + "' is another built-in task's name; choose a new one");
                }
            }
            if (optionsNode != null) {
                checkOptions(optionsNode, name, options, "options of task '" + name + "'");
            }
            if (metric == null) {
                metric = Tasks.builtIn().create(name, options).metric().name();
            }
            Path file = null;
            if (Tasks.isFile(name)) {
                // A declarative task: the entry carries its declared name (cell folders, reports) and its file.
                file = Path.of(name);
                name = Tasks.builtIn().create(name, Map.of()).name();
            }
            String task = null;
            if (as != null && !as.equals(name)) {
                task = file == null ? name : null;
                Study.Budget budget = budgets.getOrDefault(as, budgets.getOrDefault(name, defaults));
                return new Study.TaskEntry(as, train, dev, metric, budget, markers, test, file, options, task);
            }
            return new Study.TaskEntry(name, train, dev, metric, budgets.getOrDefault(name, defaults), markers, test, file, options);
        }

        /**
         * Task options are the task's: created once with them here, so that an unknown option (or a bad value the
         * task checks when created) is the task's own error, at the line of the options, before any cell runs.
         */
        private static void checkOptions(YamlNode at, String task, Map<String, Object> options, String what) {
            try {
                Tasks.builtIn().create(task, options);
            } catch (InfuseException e) {
                throw at.error(e.code(), what + ": " + e.getMessage());
            }
        }

        /** A task name, or a task file's path resolved against the study file's folder. */
        private String taskRef(String ref) {
            return Tasks.isFile(ref) ? base.resolve(ref).normalize().toString() : ref;
        }

        private static boolean needsDataFolder(String task) {
            return Tasks.needsDataFolder(Tasks.builtIn().create(task, Map.of()));
        }

        private void checkTask(YamlNode at, String name, String where) {
            if (!Tasks.builtIn().exists(name)) {
                throw unknownTask(at, name, where);
            }
        }

        private static InfuseException unknownTask(YamlNode at, String name, String where) {
            List<String> names = Tasks.builtIn().names();
            String hint = PluginConfig.closest(name, names);
            return at.error("config-unknown-task", "unknown task '" + name + "' in " + where
                    + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; tasks: " + String.join(", ", names));
        }

        private static String taskNames() {
            return String.join(", ", Tasks.builtIn().names());
        }

        /** A method's adapter entry before references between methods are resolved. */
        private record RawAdapter(YamlNode node, Study.Mode mode, String adapter, Map<String, Object> config, Path artifact,
                Study.Pretraining pretraining, YamlNode from) {}

        private List<Study.Method> methods(YamlNode n, String defaultFusion, Map<String, Object> defaultFusionConfig,
                Study.Downstream defaultDownstream, List<Study.TaskEntry> tasks) {
            Map<String, List<RawAdapter>> raw = new LinkedHashMap<>();
            Map<String, Study.Downstream> downstreams = new LinkedHashMap<>();
            Map<String, Map<String, Study.Budget>> methodBudgets = new LinkedHashMap<>();
            Map<String, String> fusions = new LinkedHashMap<>();
            Map<String, Map<String, Object>> fusionConfigs = new LinkedHashMap<>();
            Map<String, YamlNode> nodes = new LinkedHashMap<>();
            if (n != null) {
                for (YamlNode m : n.list("methods")) {
                    m.onlyKeys("a method", METHOD);
                    Map<String, YamlNode> fields = m.map("a method");
                    if (!fields.containsKey("name")) {
                        throw m.error("config-missing-key", "a method needs a 'name'");
                    }
                    String name = fields.get("name").string("method name");
                    if (!NAME.matcher(name).matches()) {
                        throw fields.get("name").error("config-bad-value", "method name '" + name
                                + "' must be lower-case letters, digits, '.', '_' or '-' (it names a folder)");
                    }
                    if (raw.containsKey(name)) {
                        throw fields.get("name").error("config-bad-value", "method '" + name + "' is defined twice (first at line "
                                + nodes.get(name).line() + ")");
                    }
                    List<RawAdapter> adapters = new ArrayList<>();
                    if (fields.containsKey("adapters") && !fields.get("adapters").isNull()) {
                        for (YamlNode a : fields.get("adapters").list("adapters of method '" + name + "'")) {
                            adapters.add(adapter(a, name));
                        }
                    }
                    if (name.equals(Study.BASELINE) && !adapters.isEmpty()) {
                        throw fields.get("name").error("config-bad-value", "the method name 'baseline' is reserved for the frozen "
                                + "backbone without adapters; rename this method");
                    }
                    raw.put(name, adapters);
                    nodes.put(name, m);
                    if (fields.containsKey("twin")) {
                        if (name.equals(Study.BASELINE)) {
                            throw fields.get("twin").error("config-invalid", "the baseline has no knowledge to ablate: "
                                    + "'twin' belongs on a method with knowledge plug-ins");
                        }
                        twins.put(name, fields.get("twin"));
                    }
                    fusions.put(name, fields.containsKey("fusion") ? fields.get("fusion").string("fusion") : defaultFusion);
                    fusionConfigs.put(name, fields.containsKey("fusion_config")
                            ? config(fields.get("fusion_config"), "fusion_config of method '" + name + "'") : defaultFusionConfig);
                    downstreams.put(name, fields.containsKey("downstream")
                            ? downstream(fields.get("downstream"), "downstream of method '" + name + "'") : defaultDownstream);
                    if (fields.containsKey("budget")) {
                        Map<String, Study.Budget> byTask = new LinkedHashMap<>();
                        for (Study.TaskEntry t : tasks) {
                            byTask.put(t.name(), budget(fields.get("budget"), t.budget(), "budget of method '" + name + "'", BUDGET));
                        }
                        methodBudgets.put(name, byTask);
                    }
                }
            }
            checkDownstreamSources(downstreams, nodes);
            List<Study.Method> methods = new ArrayList<>();
            methods.add(new Study.Method(Study.BASELINE, List.of(), fusions.getOrDefault(Study.BASELINE, defaultFusion),
                    fusionConfigs.getOrDefault(Study.BASELINE, defaultFusionConfig),
                    downstreams.getOrDefault(Study.BASELINE, defaultDownstream), methodBudgets.get(Study.BASELINE)));
            for (Map.Entry<String, List<RawAdapter>> e : raw.entrySet()) {
                if (e.getKey().equals(Study.BASELINE)) {
                    continue;
                }
                List<Study.AdapterEntry> adapters = new ArrayList<>();
                for (RawAdapter a : e.getValue()) {
                    adapters.add(resolve(a, raw));
                }
                Study.Method method = new Study.Method(e.getKey(), adapters, fusions.get(e.getKey()), fusionConfigs.get(e.getKey()),
                        downstreams.get(e.getKey()), methodBudgets.get(e.getKey()));
                checkPretrainedLayerPlugins(method);
                methods.add(method);
            }
            return methods;
        }

        /**
         * A downstream model: {@code head} (the task head alone), or {@code {layer_plugins: [{name, config}],
         * backbone_dropout, from, frozen}}.
         */
        private Study.Downstream downstream(YamlNode n, String what) {
            if (n.isScalar()) {
                String v = n.string(what);
                if (!v.equals("head")) {
                    throw n.error("config-bad-value", what + ": '" + v + "'; expected 'head' (the task head alone) or a map "
                            + "with 'layer_plugins' (in-layer plug-ins trained with the head) or 'from' (another method's model)");
                }
                return new Study.Downstream(List.of(), null, null, false, n.where());
            }
            n.onlyKeys(what, DOWNSTREAM);
            Map<String, YamlNode> m = n.map(what);
            List<Study.LayerPluginEntry> layers = new ArrayList<>();
            if (m.containsKey("layer_plugins") && !m.get("layer_plugins").isNull()) {
                for (YamlNode l : m.get("layer_plugins").list("layer_plugins of the " + what)) {
                    layers.add(layerPlugin(l, what));
                }
            }
            Double dropout = null;
            if (m.containsKey("backbone_dropout")) {
                double d = m.get("backbone_dropout").number("backbone_dropout");
                if (!(d >= 0 && d < 1)) {
                    throw m.get("backbone_dropout").error("config-bad-value", "backbone_dropout must be a rate in [0, 1), not " + d);
                }
                dropout = d;
            }
            String from = m.containsKey("from") ? m.get("from").string("from") : null;
            if (m.containsKey("frozen") && from == null) {
                throw m.get("frozen").error("config-bad-value", "'frozen' goes with 'from' (a reused downstream model); "
                        + "a new downstream model is always trained");
            }
            boolean frozen = !m.containsKey("frozen") || m.get("frozen").bool("frozen");
            if (from != null && !layers.isEmpty()) {
                throw m.get("layer_plugins").error("config-invalid", what + ": 'from: " + from + "' reuses that method's "
                        + "downstream model with its in-layer plug-ins; it cannot add 'layer_plugins' of its own");
            }
            return new Study.Downstream(layers, dropout, from, from != null && frozen, n.where());
        }

        /**
         * In-layer plug-ins pretrained with a knowledge plug-in are loaded, frozen, as the cells' downstream model
         * (its head is the pretraining task's): so at most one of a method's pretrainings may have them, and the
         * method trains no downstream model of its own.
         */
        private void checkPretrainedLayerPlugins(Study.Method m) {
            List<Study.AdapterEntry> with = m.adapters().stream()
                    .filter(a -> a.pretraining() != null && !a.pretraining().layerPlugins().isEmpty()).toList();
            if (with.isEmpty()) {
                return;
            }
            if (with.stream().map(Study.AdapterEntry::pretraining).distinct().count() > 1) {
                throw new InfuseException("config-invalid", with.get(1).where() + ": method '" + m.name() + "' uses two "
                        + "pretrainings with 'layer_plugins'; their in-layer plug-ins are the cells' frozen downstream model, "
                        + "so one pretraining per method may have them");
            }
            if (!m.downstream().headOnly()) {
                String where = m.downstream().where() != null ? m.downstream().where() : with.get(0).where();
                throw new InfuseException("config-invalid", where + ": method '" + m.name() + "' loads the in-layer plug-ins "
                        + "pretrained with its adapter (" + with.get(0).pretraining().id() + ") as its frozen downstream model; "
                        + "it cannot also have a downstream model of its own (" + m.downstream().describe()
                        + "): give the method 'downstream: head'");
            }
        }

        /** One in-layer plug-in entry: {@code name} or {@code {name, config}}. */
        private Study.LayerPluginEntry layerPlugin(YamlNode l, String what) {
            if (l.isScalar()) {
                return new Study.LayerPluginEntry(l.string("an in-layer plug-in"), Map.of(), l.where());
            }
            String entry = "an in-layer plug-in of the " + what;
            l.onlyKeys(entry, LAYER_PLUGIN);
            Map<String, YamlNode> m = l.map(entry);
            if (!m.containsKey("name")) {
                throw l.error("config-missing-key", entry + " needs a 'name' (e.g. lora, bottleneck, bitfit, prefix)");
            }
            Map<String, Object> config = new LinkedHashMap<>();
            // A list of names or layers ([query, value], [0, 11]) is the comma-separated form the plug-ins read.
            config(m.get("config"), "config").forEach((k, v) -> config.put(k, v instanceof List<?> list
                    && list.stream().allMatch(x -> x instanceof String || x instanceof Number)
                    ? String.join(",", list.stream().map(Object::toString).toList()) : v));
            return new Study.LayerPluginEntry(m.get("name").string("in-layer plug-in name"), config, l.where());
        }

        /** Every {@code downstream.from} names another method, and following them never comes back. */
        private void checkDownstreamSources(Map<String, Study.Downstream> downstreams, Map<String, YamlNode> nodes) {
            Set<String> names = new LinkedHashSet<>();
            names.add(Study.BASELINE);
            names.addAll(downstreams.keySet());
            for (Map.Entry<String, Study.Downstream> e : downstreams.entrySet()) {
                String from = e.getValue().from();
                if (from == null) {
                    continue;
                }
                String at = e.getValue().where() + ": method '" + e.getKey() + "', downstream 'from'";
                if (!names.contains(from)) {
                    String hint = PluginConfig.closest(from, names);
                    throw new InfuseException("config-unknown-method", at + ": unknown method '" + from + "'"
                            + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; methods: " + String.join(", ", names));
                }
                List<String> chain = new ArrayList<>(List.of(e.getKey()));
                for (String m = from; m != null; m = downstreams.containsKey(m) ? downstreams.get(m).from() : null) {
                    if (chain.contains(m)) {
                        chain.add(m);
                        throw new InfuseException("config-invalid", at + ": the downstream models reuse each other in a circle: "
                                + String.join(" -> ", chain));
                    }
                    chain.add(m);
                }
            }
        }

        private RawAdapter adapter(YamlNode a, String method) {
            String what = "an adapter of method '" + method + "'";
            a.onlyKeys(what, ADAPTER);
            Map<String, YamlNode> m = a.map(what);
            String adapter = m.containsKey("adapter") ? m.get("adapter").string("adapter") : null;
            Map<String, Object> config = config(m.get("config"), "config");
            Path artifact = m.containsKey("artifact") ? base.resolve(m.get("artifact").string("artifact")).normalize() : null;
            YamlNode from = m.get("from");
            Study.Mode mode;
            if (m.containsKey("mode")) {
                String s = m.get("mode").string("mode");
                try {
                    mode = Study.Mode.valueOf(s.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    String hint = PluginConfig.closest(s, List.of("train", "pretrained", "control"));
                    throw m.get("mode").error("config-bad-value", "unknown mode '" + s + "'"
                            + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; modes: train, pretrained, control");
                }
            } else if (artifact != null || from != null || m.containsKey("pretrain")) {
                mode = Study.Mode.PRETRAINED;
            } else {
                throw a.error("config-missing-key", what + " needs a 'mode' (train, pretrained or control)");
            }
            Study.Pretraining pretraining = null;
            if (m.containsKey("pretrain")) {
                if (mode != Study.Mode.PRETRAINED) {
                    throw m.get("pretrain").error("config-bad-value", "'pretrain' only goes with mode 'pretrained'");
                }
                if (adapter == null) {
                    throw a.error("config-missing-key", what + " with 'pretrain' needs 'adapter' (the plugin to pretrain)");
                }
                pretraining = pretraining(m.get("pretrain"), method + "/" + adapter, adapter, config);
            }
            int sources = (artifact != null ? 1 : 0) + (from != null ? 1 : 0) + (pretraining != null ? 1 : 0);
            switch (mode) {
                case TRAIN -> {
                    if (adapter == null || sources > 0) {
                        throw a.error("config-bad-value", "mode 'train' needs 'adapter' (and optional 'config'), without "
                                + "'artifact', 'pretrain' or 'from'");
                    }
                }
                case PRETRAINED -> {
                    if (sources != 1) {
                        throw a.error("config-bad-value", "mode 'pretrained' needs exactly one of 'artifact' (a folder), "
                                + "'pretrain' (a pretraining step) or 'from' (another method's pretrained adapter)");
                    }
                }
                case CONTROL -> {
                    if (sources > 1 || (sources == 0 && adapter == null)) {
                        throw a.error("config-bad-value", "mode 'control' needs 'adapter' with its 'config', or one of "
                                + "'artifact' or 'from' to copy the shape of");
                    }
                }
                default -> throw new AssertionError(mode);
            }
            return new RawAdapter(a, mode, adapter, config, artifact, pretraining, from);
        }

        private Study.Pretraining pretraining(YamlNode n, String id, String adapter, Map<String, Object> config) {
            String what = "pretrain of '" + id + "'";
            n.onlyKeys(what, PRETRAIN);
            Map<String, YamlNode> m = n.map(what);
            if (!m.containsKey("task")) {
                throw n.error("config-missing-key", what + " needs a 'task' (e.g. fewrel, ud); tasks: " + taskNames());
            }
            String task = m.get("task").string("task");
            checkTask(m.get("task"), task, what);
            Map<String, YamlNode> budgetKeys = new LinkedHashMap<>(m);
            Study.Budget b = budget(n, budgets.getOrDefault(task, defaults), what, PRETRAIN);
            Path train = budgetKeys.containsKey("train") ? base.resolve(m.get("train").string("train")).normalize() : null;
            Path dev = budgetKeys.containsKey("dev") ? base.resolve(m.get("dev").string("dev")).normalize() : null;
            // seed: each — one pretraining per study seed, used by that seed's cells (Study.Pretraining#perSeed).
            YamlNode seedNode = m.get("seed");
            long seed = 42;
            boolean perSeed = false;
            if (seedNode != null && seedNode.isNumber()) {
                seed = seedNode.integer("seed");
            } else if (seedNode != null && seedNode.isText() && "each".equals(seedNode.string("seed"))) {
                perSeed = true;
            } else if (seedNode != null) {
                throw seedNode.error("config-bad-value", "seed of " + what + " must be an integer, or 'each' for one pretraining "
                        + "per study seed (used by that seed's cells), not " + seedNode.describe());
            }
            Map<String, Object> options = Map.of();
            if (m.containsKey("options")) {
                options = config(m.get("options"), "options of " + what);
                checkOptions(m.get("options"), task, options, "options of " + what);
            }
            List<Study.LayerPluginEntry> layers = new ArrayList<>();
            if (m.containsKey("layer_plugins") && !m.get("layer_plugins").isNull()) {
                for (YamlNode l : m.get("layer_plugins").list("layer_plugins of the " + what)) {
                    layers.add(layerPlugin(l, what));
                }
            }
            return new Study.Pretraining(id, adapter, config, task, train, dev, b, seed, options, perSeed, layers);
        }

        private Study.AdapterEntry resolve(RawAdapter a, Map<String, List<RawAdapter>> raw) {
            if (a.from() == null) {
                return new Study.AdapterEntry(a.mode(), a.adapter(), a.config(), a.artifact(), a.pretraining(), a.node().where());
            }
            String ref = a.from().string("from");
            String methodName = ref.contains("/") ? ref.substring(0, ref.indexOf('/')) : ref;
            String adapterName = ref.contains("/") ? ref.substring(ref.indexOf('/') + 1) : null;
            List<RawAdapter> target = raw.get(methodName);
            if (target == null) {
                String hint = PluginConfig.closest(methodName, raw.keySet());
                throw a.from().error("config-unknown-method", "unknown method '" + methodName + "' in 'from'"
                        + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; methods: " + String.join(", ", raw.keySet()));
            }
            List<RawAdapter> sources = target.stream().filter(x -> x.from() == null && x.mode() == Study.Mode.PRETRAINED)
                    .filter(x -> adapterName == null || adapterName.equals(x.adapter())).toList();
            if (sources.size() != 1) {
                throw a.from().error("config-bad-value", "'from: " + ref + "' must name one pretrained adapter (with 'pretrain' or "
                        + "'artifact') of method '" + methodName + "'; found " + sources.size()
                        + (sources.size() > 1 ? " (write 'from: " + methodName + "/ADAPTER')" : ""));
            }
            RawAdapter s = sources.get(0);
            if (a.mode() == Study.Mode.CONTROL) {
                // A control needs only the shape: the pretraining's configuration, or the artifact's.
                return s.pretraining() != null
                        ? new Study.AdapterEntry(Study.Mode.CONTROL, s.adapter(), s.config(), null, null, a.node().where())
                        : new Study.AdapterEntry(Study.Mode.CONTROL, null, Map.of(), s.artifact(), null, a.node().where());
            }
            return new Study.AdapterEntry(Study.Mode.PRETRAINED, s.adapter(), s.config(), s.artifact(), s.pretraining(),
                    a.node().where());
        }
    }
}
