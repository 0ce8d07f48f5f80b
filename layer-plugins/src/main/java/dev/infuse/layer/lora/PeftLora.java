package dev.infuse.layer.lora;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.infuse.api.SafeTensorFile;
import dev.infuse.api.SafeTensors;
import dev.infuse.api.TensorData;
import dev.infuse.spi.Backbone;
import dev.infuse.spi.BackboneSpec;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.LayerPlugin;
import dev.infuse.spi.LayerPluginProvider;
import dev.infuse.spi.LayerSite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hugging Face PEFT's LoRA folder for a BERT encoder, read and written without Python:
 * {@code adapter_config.json} with PEFT's {@code LoraConfig} keys and {@code adapter_model.safetensors}
 * with the tensors named as PEFT saves them for a transformers {@code BertFor*} model
 * ({@code base_model.model.bert.encoder.layer.<i>.<module>.lora_A.weight} {@code [r, in]} and
 * {@code lora_B.weight} {@code [out, r]}; Infuse's {@code lora_a [in, r]} and {@code lora_b [r, out]} are
 * their transposes, and both scale the update by {@code lora_alpha / r}).
 *
 * <p>Infuse's sites and BERT's modules: {@code query}, {@code key}, {@code value} are
 * {@code attention.self.<same>}; {@code attention.output} is {@code attention.output.dense};
 * {@code intermediate} is {@code intermediate.dense}; {@code output} is {@code output.dense}.
 *
 * <p>Reading follows PEFT's own rules for which modules a configuration targets
 * ({@code target_modules} as a list of names or suffixes, or as one regular expression;
 * {@code exclude_modules}; {@code layers_to_transform} with {@code layers_pattern}) and refuses, with one
 * line naming the file and key or tensor, anything Infuse would compute differently: another PEFT method,
 * DoRA, per-module ranks, trained biases, initialisations that change the base weights (PiSSA, OLoRA,
 * CorDA, LoRA-GA, LoftQ), tensors outside the encoder layers, and shapes that are not those of the
 * backbone's sites (a folder for another base model). {@code use_rslora} is read exactly, as
 * {@code alpha = lora_alpha * sqrt(r)}. Tensors of {@code modules_to_save} (e.g. PEFT's classifier) are
 * ignored with a warning: the task head stays Infuse's.
 */
final class PeftLora {
    static final String FORMAT = "peft";
    static final String CONFIG_FILE = "adapter_config.json";
    static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final String PICKLE_FILE = "adapter_model.bin";
    private static final Logger LOG = LoggerFactory.getLogger(PeftLora.class);

    /** BERT's module inside {@code encoder.layer.<i>} for each Infuse site, in the backbone's order. */
    static final Map<String, String> MODULES = modules();
    /** The model PEFT saves for: a transformers {@code BertFor*} model (its encoder is {@code bert}). */
    static final String WRITE_PREFIX = "base_model.model.bert.";
    /** The Hugging Face name of the weights Infuse's default {@code bert} backbone ships (Google's BERT-base uncased). */
    static final String BERT_BASE_UNCASED = "bert-base-uncased";
    private static final BackboneSpec BERT_BASE_UNCASED_SPEC = new BackboneSpec("bert", 12, 768, 12, 3072, 30522, 512);

    private static final Pattern TENSOR = Pattern.compile("base_model\\.model\\.((?:bert\\.)?)encoder\\.layer\\.(\\d+)\\.("
            + MODULES.values().stream().map(Pattern::quote).collect(Collectors.joining("|")) + ")\\.lora_([AB])\\.weight");
    private static final Pattern DEFAULT_LAYER_INDEX = Pattern.compile(".*?\\.[^.]*\\.(\\d+)\\.");

    /** Keys PEFT's LoraConfig writes that change nothing Infuse computes, or that are checked below. */
    private static final Set<String> KNOWN = Set.of("peft_type", "task_type", "base_model_name_or_path", "revision",
            "inference_mode", "auto_mapping", "peft_version", "r", "lora_alpha", "lora_dropout", "target_modules",
            "exclude_modules", "layers_to_transform", "layers_pattern", "modules_to_save", "bias", "fan_in_fan_out",
            "use_rslora", "init_lora_weights", "rank_pattern", "alpha_pattern", "megatron_core", "qalora_group_size",
            "eva_config", "corda_config", "lora_ga_config", "velora_config", "runtime_config", "ensure_weight_tying",
            "loftq_config");
    /** Initialisations whose adapter is relative to base weights they changed. */
    private static final List<String> BASE_CHANGING_INITS = List.of("pissa", "olora", "corda", "lora_ga", "loftq");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    private PeftLora() {}

    private static Map<String, String> modules() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("query", "attention.self.query");
        m.put("key", "attention.self.key");
        m.put("value", "attention.self.value");
        m.put("attention.output", "attention.output.dense");
        m.put("intermediate", "intermediate.dense");
        m.put("output", "output.dense");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** What the folder is read for or written from: a backbone's identity and sites. */
    record Base(String name, BackboneSpec spec, List<LayerSite> sites, String fingerprint) {
        static Base of(Backbone b) {
            return new Base(b.name(), b.spec(), b.layerSites(), b.fingerprint());
        }

        String describe() {
            return "backbone '" + name + "' (" + spec.describe() + ")";
        }

        LayerSite site(String name) {
            return sites.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
        }

        /** Whether PEFT's BERT names fit: a BERT whose six linear sites are all offered. */
        boolean bertLike() {
            return "bert".equals(spec.architecture()) && MODULES.keySet().stream()
                    .allMatch(n -> site(n) != null && site(n).kind() == LayerSite.Kind.LINEAR);
        }
    }

    // ------------------------------------------------------------------------------------------- reading

    /**
     * Whether {@code dir} holds a PEFT folder: an {@code adapter_config.json} with a {@code peft_type}
     * (Infuse's own artifacts use the same file name, without that key).
     *
     * @throws InfuseException {@code artifact-config} when the file is not a JSON object
     */
    static boolean isPeftFolder(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        return Files.isRegularFile(file) && readJson(file).containsKey("peft_type");
    }

    /** Reads a PEFT LoRA folder as Infuse's {@code lora} configuration and weights for {@code base}. */
    static LayerPluginProvider.Imported read(Path dir, Base base) {
        Path configFile = dir.resolve(CONFIG_FILE);
        Map<String, Object> cfg = readJson(configFile);
        Object type = cfg.get("peft_type");
        if (!"LORA".equals(type)) {
            throw unsupported(configFile, "peft_type", "is " + quote(type) + "; expected \"LORA\": Infuse reads PEFT's LoRA "
                    + "folders only (its bottleneck, bitfit and prefix plug-ins have no PEFT counterpart it reads)");
        }
        if (!base.bertLike()) {
            throw unsupported(configFile, "peft_type", "PEFT LoRA folders are read onto BERT backbones only (tensor names of "
                    + "transformers' BERT); " + base.describe() + " is not one");
        }
        int r = positiveInt(configFile, cfg, "r");
        double alpha = number(configFile, cfg, "lora_alpha", null);
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw bad(configFile, "lora_alpha", cfg.get("lora_alpha"), "a positive number");
        }
        double dropout = number(configFile, cfg, "lora_dropout", 0.0);
        if (!(dropout >= 0 && dropout < 1)) {
            throw bad(configFile, "lora_dropout", cfg.get("lora_dropout"), "a rate in [0, 1)");
        }
        if (!cfg.containsKey("target_modules")) {
            throw missing(configFile, "target_modules", "the modules LoRA adapts, e.g. [\"query\", \"value\"]");
        }
        checkOptions(configFile, cfg);
        if (Boolean.TRUE.equals(cfg.get("use_rslora"))) {
            alpha = alpha * Math.sqrt(r);
            LOG.info("{}: use_rslora scales by lora_alpha / sqrt(r); read as Infuse's alpha = {} (alpha / r is the same scale)",
                    configFile, alpha);
        }
        if (Boolean.TRUE.equals(cfg.get("fan_in_fan_out"))) {
            LOG.warn("{}: fan_in_fan_out is true, but BERT's modules are torch.nn.Linear, for which PEFT sets it to false; read as "
                    + "false", configFile);
        }

        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.exists(weightsFile)) {
            if (Files.exists(dir.resolve(PICKLE_FILE))) {
                throw new InfuseException("artifact-unsupported", dir.resolve(PICKLE_FILE) + ": a pickled PyTorch file is not "
                        + "read (it can run code); expected " + WEIGHTS_FILE + " (PEFT's save_pretrained writes it by default, "
                        + "safe_serialization=True)");
            }
            throw new InfuseException("artifact-missing", weightsFile + ": no such file; a PEFT folder holds " + CONFIG_FILE
                    + " and " + WEIGHTS_FILE);
        }
        SafeTensorFile file = SafeTensors.read(weightsFile);
        List<String> modulesToSave = strings(configFile, cfg, "modules_to_save");
        Map<Pair, TensorData[]> found = new TreeMap<>();
        String prefix = null;
        for (Map.Entry<String, TensorData> e : new TreeMap<>(file.tensors()).entrySet()) {
            String name = e.getKey();
            Matcher m = TENSOR.matcher(name);
            if (!m.matches()) {
                if (savedModule(name, modulesToSave)) {
                    LOG.warn("{}: tensor '{}' of modules_to_save is ignored: Infuse trains its own task head", weightsFile, name);
                    continue;
                }
                throw new InfuseException("artifact-unknown-weight", weightsFile + ": tensor '" + name + "' is not a LoRA weight "
                        + "Infuse can place; expected base_model.model.bert.encoder.layer.<i>.<module>.lora_A.weight or "
                        + "lora_B.weight with <module> one of " + MODULES.values() + " (a BERT encoder's linears)");
            }
            if (prefix != null && !prefix.equals(m.group(1))) {
                throw new InfuseException("artifact-unknown-weight", weightsFile + ": tensor '" + name + "' mixes models: other "
                        + "tensors are named base_model.model." + prefix + "encoder...; expected one model's names");
            }
            prefix = m.group(1);
            String site = siteOf(m.group(3));
            Pair p = new Pair(Integer.parseInt(m.group(2)), indexOf(site));
            found.computeIfAbsent(p, k -> new TensorData[2])[m.group(4).equals("A") ? 0 : 1] = e.getValue();
        }
        if (found.isEmpty()) {
            throw new InfuseException("artifact-missing-weight", weightsFile + ": holds no LoRA tensor; expected "
                    + "base_model.model.bert.encoder.layer.<i>.<module>.lora_A.weight and lora_B.weight");
        }
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Map.Entry<Pair, TensorData[]> e : found.entrySet()) {
            Pair p = e.getKey();
            String site = site(p.site());
            String stem = "base_model.model." + prefix + "encoder.layer." + p.layer() + "." + MODULES.get(site) + ".lora_";
            if (p.layer() >= base.spec().layers()) {
                throw new InfuseException("artifact-unknown-weight", weightsFile + ": tensor '" + stem + "A.weight' is for layer "
                        + p.layer() + ", which " + base.describe() + " does not have (layers 0 to " + (base.spec().layers() - 1)
                        + "); written for another base model" + writtenFor(cfg) + "?");
            }
            LayerSite s = base.site(site);
            long[] wantA = {r, s.inputSize()};
            long[] wantB = {s.outputSize(), r};
            TensorData a = e.getValue()[0];
            TensorData b = e.getValue()[1];
            checkShape(weightsFile, stem + "A.weight", a, wantA, site, base, cfg);
            checkShape(weightsFile, stem + "B.weight", b, wantB, site, base, cfg);
            String path = "layer_" + p.layer() + "/" + site + "/";
            weights.put(path + "lora_a", transpose(floats(a), r, s.inputSize()));
            weights.put(path + "lora_b", transpose(floats(b), s.outputSize(), r));
        }

        // The modules the configuration targets, by PEFT's rules, must be exactly those the file holds.
        Set<Pair> targeted = targeted(configFile, cfg, prefix, base.spec().layers());
        for (Pair p : targeted) {
            if (!found.containsKey(p)) {
                throw new InfuseException("artifact-missing-weight", weightsFile + ": no tensor 'base_model.model." + prefix
                        + "encoder.layer." + p.layer() + "." + MODULES.get(site(p.site())) + ".lora_A.weight', which "
                        + CONFIG_FILE + " targets (target_modules " + describe(cfg.get("target_modules")) + ")");
            }
        }
        for (Pair p : found.keySet()) {
            if (!targeted.contains(p)) {
                throw new InfuseException("artifact-unknown-weight", weightsFile + ": tensor 'base_model.model." + prefix
                        + "encoder.layer." + p.layer() + "." + MODULES.get(site(p.site())) + ".lora_A.weight' is not targeted by "
                        + CONFIG_FILE + " (target_modules " + describe(cfg.get("target_modules")) + ", layers_to_transform "
                        + describe(cfg.get("layers_to_transform")) + ")");
            }
        }
        Set<Integer> layers = new TreeSet<>();
        Set<Integer> sites = new TreeSet<>();
        targeted.forEach(p -> {
            layers.add(p.layer());
            sites.add(p.site());
        });
        if (targeted.size() != layers.size() * sites.size()) {
            throw unsupported(configFile, "target_modules", "targets different modules in different layers; Infuse's lora "
                    + "adapts the same sites in every chosen layer (expected the same modules in each of layers " + layers + ")");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("r", r);
        config.put("alpha", alpha);
        config.put("dropout", dropout);
        config.put("sites", sites.stream().map(PeftLora::site).collect(Collectors.joining(",")));
        config.put("layers", layers.size() == base.spec().layers() ? List.of() : List.copyOf(layers));
        String writtenOn = file.metadata().get("infuse_backbone_fingerprint");
        if (writtenOn != null && base.fingerprint() != null && !writtenOn.equals(base.fingerprint())) {
            LOG.warn("{}: written by Infuse on backbone weights {} ({}), now read onto {} ({})", weightsFile, writtenOn,
                    file.metadata().getOrDefault("infuse_backbone", "?"), base.fingerprint(), base.name());
        }
        return new LayerPluginProvider.Imported(FORMAT, config, weights);
    }

    /** A (layer, site index) pair, ordered by layer then site. */
    private record Pair(int layer, int site) implements Comparable<Pair> {
        @Override
        public int compareTo(Pair o) {
            return layer != o.layer ? Integer.compare(layer, o.layer) : Integer.compare(site, o.site);
        }
    }

    private static void checkOptions(Path file, Map<String, Object> cfg) {
        Object bias = cfg.getOrDefault("bias", "none");
        if (!"none".equals(bias)) {
            throw unsupported(file, "bias", "is " + quote(bias) + "; expected \"none\": Infuse's lora trains no bias (BitFit is "
                    + "the bitfit plug-in)");
        }
        refuseIfSet(file, cfg, "use_dora", "DoRA (a magnitude vector beside LoRA)");
        refuseIfSet(file, cfg, "lora_bias", "a bias on LoRA's B");
        refuseIfSet(file, cfg, "rank_pattern", "per-module ranks");
        refuseIfSet(file, cfg, "alpha_pattern", "per-module alphas");
        Object init = cfg.get("init_lora_weights");
        if (init instanceof String s && BASE_CHANGING_INITS.stream().anyMatch(s.toLowerCase(java.util.Locale.ROOT)::startsWith)) {
            throw unsupported(file, "init_lora_weights", "is " + quote(s) + ": the adapter is relative to base weights that "
                    + "initialisation changed; expected true, false, \"gaussian\" or \"eva\" (convert a PiSSA/OLoRA adapter with "
                    + "PEFT's path_initial_model_for_weight_conversion first)");
        }
        for (Map.Entry<String, Object> e : new TreeMap<>(cfg).entrySet()) {
            if (!KNOWN.contains(e.getKey()) && !neutral(e.getValue())) {
                throw unsupported(file, e.getKey(), "is " + quote(e.getValue()) + ": an option Infuse's reader of PEFT LoRA "
                        + "folders does not compute; expected it unset (null, false or empty)");
            }
        }
    }

    private static void refuseIfSet(Path file, Map<String, Object> cfg, String key, String what) {
        if (!neutral(cfg.get(key))) {
            throw unsupported(file, key, "is " + quote(cfg.get(key)) + ": " + what + " is not what Infuse's lora computes; "
                    + "expected it unset (false or empty)");
        }
    }

    private static boolean neutral(Object v) {
        return v == null || Boolean.FALSE.equals(v) || (v instanceof Map<?, ?> m && m.isEmpty())
                || (v instanceof List<?> l && l.isEmpty()) || "".equals(v);
    }

    /** The (layer, site) pairs PEFT would adapt in a BERT of {@code layers} layers, by the configuration's rules. */
    private static Set<Pair> targeted(Path file, Map<String, Object> cfg, String prefix, int layers) {
        Object target = cfg.get("target_modules");
        Object exclude = cfg.get("exclude_modules");
        List<String> modulesToSave = strings(file, cfg, "modules_to_save");
        Set<Integer> layerFilter = layerIndexes(file, cfg.get("layers_to_transform"));
        List<String> layerPatterns = cfg.get("layers_pattern") == null ? List.of()
                : cfg.get("layers_pattern") instanceof String s ? (s.isEmpty() ? List.of() : List.of(s))
                : strings(file, cfg, "layers_pattern");
        Pattern regex = null;
        List<String> names = null;
        if (target instanceof String s) {
            if (cfg.get("layers_to_transform") != null || !layerPatterns.isEmpty()) {
                throw bad(file, "layers_to_transform", cfg.get("layers_to_transform"),
                        "null with a regular expression as target_modules (as PEFT requires)");
            }
            regex = s.equals("all-linear") ? Pattern.compile(".*") : compile(file, "target_modules", s);
        } else {
            names = strings(file, cfg, "target_modules");
            if (names.isEmpty()) {
                throw bad(file, "target_modules", target, "the modules LoRA adapts, e.g. [\"query\", \"value\"]");
            }
        }
        Set<Pair> out = new TreeSet<>();
        Set<String> used = new LinkedHashSet<>();
        for (int l = 0; l < layers; l++) {
            for (String site : MODULES.keySet()) {
                String key = prefix + "encoder.layer." + l + "." + MODULES.get(site);
                if (excluded(file, key, exclude) || modulesToSave.stream().anyMatch(m -> savedAs(key, m))) {
                    continue;
                }
                boolean hit;
                if (regex != null) {
                    hit = regex.matcher(key).matches();
                } else {
                    String name = names.stream().filter(n -> key.equals(n) || key.endsWith("." + n)).findFirst().orElse(null);
                    hit = name != null;
                    if (hit) {
                        names.stream().filter(n -> key.equals(n) || key.endsWith("." + n)).forEach(used::add);
                    }
                    if (hit && layerFilter != null) {
                        Integer index = layerIndex(file, key, layerPatterns);
                        hit = index != null && layerFilter.contains(index);
                    }
                }
                if (hit) {
                    out.add(new Pair(l, indexOf(site)));
                }
            }
        }
        if (names != null) {
            for (String n : names) {
                if (!used.contains(n)) {
                    throw unsupported(file, "target_modules", "entry \"" + n + "\" names no module Infuse can adapt; a BERT "
                            + "encoder layer offers " + MODULES.values() + " (Infuse's sites " + MODULES.keySet() + ")");
                }
            }
        }
        if (out.isEmpty()) {
            throw unsupported(file, "target_modules", describe(target) + " targets no module Infuse can adapt; a BERT encoder "
                    + "layer offers " + MODULES.values());
        }
        return out;
    }

    /** PEFT never adapts a module of {@code modules_to_save} (whose entries it reads as regular expressions). */
    private static boolean savedAs(String key, String module) {
        try {
            return key.matches("(^|.*\\.)" + module + "($|\\..*)");
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    private static boolean excluded(Path file, String key, Object exclude) {
        if (exclude == null) {
            return false;
        }
        if (exclude instanceof String s) {
            return !s.isEmpty() && compile(file, "exclude_modules", s).matcher(key).matches();
        }
        if (exclude instanceof List<?> list) {
            return list.stream().map(String::valueOf).anyMatch(n -> key.equals(n) || key.endsWith("." + n));
        }
        throw bad(file, "exclude_modules", exclude, "null, a regular expression or a list of module names");
    }

    private static Integer layerIndex(Path file, String key, List<String> patterns) {
        List<Pattern> ps = patterns.isEmpty() ? List.of(DEFAULT_LAYER_INDEX)
                : patterns.stream().map(p -> compile(file, "layers_pattern", ".*?\\." + p + "\\.(\\d+)\\.")).toList();
        for (Pattern p : ps) {
            Matcher m = p.matcher(key);
            if (m.lookingAt()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return null;
    }

    private static Set<Integer> layerIndexes(Path file, Object v) {
        if (v == null || (v instanceof List<?> l && l.isEmpty())) {
            return null;
        }
        if (v instanceof Number n && n.doubleValue() == n.intValue()) {
            return Set.of(n.intValue());
        }
        if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Number n && n.doubleValue() == n.intValue())) {
            return l.stream().map(x -> ((Number) x).intValue()).collect(Collectors.toSet());
        }
        throw bad(file, "layers_to_transform", v, "null, a layer index or a list of layer indices");
    }

    private static boolean savedModule(String tensor, List<String> modulesToSave) {
        return !tensor.contains("lora_") && modulesToSave.stream()
                .anyMatch(m -> tensor.matches("base_model\\.model\\.(.*\\.)?" + Pattern.quote(m) + "\\..*"));
    }

    private static void checkShape(Path file, String tensor, TensorData t, long[] want, String site, Base base,
            Map<String, Object> cfg) {
        if (t == null) {
            throw new InfuseException("artifact-missing-weight", file + ": no tensor '" + tensor + "' (LoRA needs both A and B); "
                    + "expected shape " + Arrays.toString(want));
        }
        if (!Arrays.equals(t.shape(), want)) {
            throw new InfuseException("artifact-shape-mismatch", file + ": tensor '" + tensor + "' has shape "
                    + Arrays.toString(t.shape()) + "; expected " + Arrays.toString(want) + " (r = " + want[tensor.endsWith("A.weight")
                    ? 0 : 1] + " from " + CONFIG_FILE + ", site '" + site + "' of " + base.describe() + "): written for another "
                    + "base model" + writtenFor(cfg) + "?");
        }
    }

    private static String writtenFor(Map<String, Object> cfg) {
        Object name = cfg.get("base_model_name_or_path");
        return name == null || "".equals(name) ? "" : " (base_model_name_or_path " + quote(name) + ")";
    }

    private static float[] floats(TensorData t) {
        return switch (t.dtype()) {
            case F32, BF16, F16 -> t.floats();
            case F64 -> {
                double[] d = t.doubles();
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    f[i] = (float) d[i];
                }
                yield f;
            }
            default -> throw new InfuseException("artifact-unsupported", "a LoRA tensor of type " + t.dtype()
                    + "; expected F32, F16, BF16 or F64");
        };
    }

    /** The transpose of a row-major {@code [rows, cols]} matrix. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = m[i * cols + j];
            }
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------- writing

    /**
     * Writes a trained LoRA as a PEFT folder, atomically: into a temporary sibling folder, then renamed
     * over {@code dir} (which, if it exists, must be a PEFT folder: anything else is never replaced).
     */
    static void write(Path dir, int r, double alpha, double dropout, List<LayerPlugin.Target> targets,
            Map<String, float[]> weights, Map<String, long[]> shapes, Base base) {
        if (!base.bertLike()) {
            throw new InfuseException("artifact-invalid", dir + ": PEFT LoRA folders are written for BERT backbones only; "
                    + base.describe() + " is not one");
        }
        Set<Integer> layers = new TreeSet<>();
        Set<String> sites = new LinkedHashSet<>();
        for (String s : MODULES.keySet()) {
            if (targets.stream().anyMatch(t -> t.site().equals(s))) {
                sites.add(s);
            }
        }
        targets.forEach(t -> layers.add(t.layer()));
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (LayerPlugin.Target t : targets) {
            String path = "layer_" + t.layer() + "/" + t.site() + "/";
            float[] a = weights.get(path + "lora_a");
            float[] b = weights.get(path + "lora_b");
            long[] sa = shapes.get(path + "lora_a");
            long[] sb = shapes.get(path + "lora_b");
            if (a == null || b == null || sa == null || sb == null || sa.length != 2 || sb.length != 2 || sa[1] != r || sb[0] != r) {
                throw new InfuseException("artifact-invalid", dir + ": LoRA weights of " + t + " are missing or not [in, " + r
                        + "] and [" + r + ", out]");
            }
            String stem = WRITE_PREFIX + "encoder.layer." + t.layer() + "." + MODULES.get(t.site()) + ".lora_";
            tensors.put(stem + "A.weight", TensorData.f32(transpose(a, (int) sa[0], r), r, sa[0]));
            tensors.put(stem + "B.weight", TensorData.f32(transpose(b, r, (int) sb[1]), sb[1], r));
        }
        boolean allLayers = layers.size() == base.spec().layers();
        Map<String, Object> cfg = config(r, alpha, dropout, List.copyOf(sites), allLayers ? null : List.copyOf(layers), base);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("infuse_backbone", base.name() + " (" + base.spec().describe() + ")");
        if (base.fingerprint() != null) {
            metadata.put("infuse_backbone_fingerprint", base.fingerprint());
        }
        writeFolder(dir, toJson(cfg), tensors, metadata);
    }

    /**
     * PEFT's {@code adapter_config.json} for an Infuse LoRA: the keys PEFT 0.10 and later all know (newer keys
     * keep their defaults when absent), {@code inference_mode} true as {@code save_pretrained} writes it.
     */
    static Map<String, Object> config(int r, double alpha, double dropout, List<String> sites, List<Integer> layers, Base base) {
        Map<String, Object> c = new TreeMap<>();
        c.put("alpha_pattern", Map.of());
        c.put("auto_mapping", null);
        c.put("base_model_name_or_path", BERT_BASE_UNCASED_SPEC.equals(base.spec()) && "bert".equals(base.name())
                ? BERT_BASE_UNCASED : null);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("layer_replication", null);
        c.put("layers_pattern", null);
        c.put("layers_to_transform", null);
        c.put("loftq_config", Map.of());
        c.put("lora_alpha", alpha == Math.rint(alpha) && Math.abs(alpha) < 1e9 ? (Object) (int) alpha : (Object) alpha);
        c.put("lora_dropout", dropout);
        c.put("megatron_config", null);
        c.put("megatron_core", "megatron.core");
        c.put("modules_to_save", null);
        c.put("peft_type", "LORA");
        c.put("r", r);
        c.put("rank_pattern", Map.of());
        c.put("revision", null);
        c.put("task_type", null);
        c.put("use_dora", false);
        c.put("use_rslora", false);
        // List entries match a module by name or suffix; "output.dense" alone would also match attention.output.dense,
        // so that site without attention.output (and any layer subset with it) is written as one regular expression.
        boolean regex = sites.contains("output") && !sites.contains("attention.output");
        if (regex) {
            String layerPart = layers == null ? "\\d+" : "(" + layers.stream().map(String::valueOf).collect(Collectors.joining("|")) + ")";
            c.put("target_modules", ".*encoder\\.layer\\." + layerPart + "\\.("
                    + sites.stream().map(s -> MODULES.get(s).replace(".", "\\.")).collect(Collectors.joining("|")) + ")");
        } else {
            List<String> names = new ArrayList<>();
            for (String s : sites) {
                names.add(switch (s) {
                    case "query", "key", "value" -> s;
                    default -> MODULES.get(s);
                });
            }
            c.put("target_modules", names);
            if (layers != null) {
                c.put("layers_to_transform", layers);
                c.put("layers_pattern", "layer");
            }
        }
        return c;
    }

    /** JSON as Python's {@code json.dumps(indent=2, sort_keys=True)} writes it (PEFT's own layout). */
    static String toJson(Object v) {
        StringBuilder sb = new StringBuilder();
        appendJson(sb, v, 0);
        return sb.toString();
    }

    private static void appendJson(StringBuilder sb, Object v, int depth) {
        String pad = "  ".repeat(depth + 1);
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
                sb.append(pad).append(scalar(String.valueOf(e.getKey()))).append(": ");
                appendJson(sb, e.getValue(), depth + 1);
                sb.append(++i < m.size() ? ",\n" : "\n");
            }
            sb.append("  ".repeat(depth)).append('}');
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                sb.append(pad);
                appendJson(sb, l.get(i), depth + 1);
                sb.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            sb.append("  ".repeat(depth)).append(']');
        } else if (v instanceof Double d) {
            sb.append(pythonFloat(d));
        } else {
            sb.append(scalar(v));
        }
    }

    private static String scalar(Object v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A double as Python's {@code repr} writes it (0.1, 8.0, 1e-05). */
    static String pythonFloat(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("not finite: " + d);
        }
        String s = Double.toString(d);
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        double abs = Math.abs(d);
        if (abs >= 1e-4 && abs < 1e16) {
            return new java.math.BigDecimal(s).toPlainString();
        }
        String mantissa = s.substring(0, e).replaceAll("\\.0$", "");
        int exp = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    private static void writeFolder(Path dir, String configJson, Map<String, TensorData> tensors, Map<String, String> metadata) {
        Path abs = dir.toAbsolutePath();
        Path parent = abs.getParent();
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Path old = parent.resolve("." + abs.getFileName() + ".old-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            if (Files.exists(abs) && !(Files.isDirectory(abs) && isPeftFolderQuietly(abs))) {
                throw new InfuseException("artifact-io", dir + ": exists and is not a PEFT folder; it is never replaced");
            }
            Files.createDirectories(tmp);
            Files.writeString(tmp.resolve(CONFIG_FILE), configJson, StandardCharsets.UTF_8);
            SafeTensors.write(tmp.resolve(WEIGHTS_FILE), tensors, metadata);
            boolean replaced = false;
            if (Files.exists(abs)) {
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                replaced = true;
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            if (replaced) {
                deleteTree(old);
            }
        } catch (IOException e) {
            throw new InfuseException("artifact-io", dir + ": could not write the PEFT folder (" + e + ")", e);
        } finally {
            try {
                deleteTree(tmp);
            } catch (IOException ignored) {
                // a leftover hidden temporary folder at worst
            }
        }
    }

    private static boolean isPeftFolderQuietly(Path dir) {
        try {
            return isPeftFolder(dir);
        } catch (InfuseException e) {
            return false;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- helpers

    @SuppressWarnings("unchecked")
    static Map<String, Object> readJson(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InfuseException("artifact-missing", file + ": no such file; a PEFT folder holds " + CONFIG_FILE + " and "
                    + WEIGHTS_FILE);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", file + ": could not read (" + e + ")", e);
        }
        Object v;
        try {
            v = JSON.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new InfuseException("artifact-config", file + (loc == null ? "" : ":" + loc.getLineNr()) + ": not valid JSON ("
                    + e.getOriginalMessage() + ")");
        }
        if (!(v instanceof Map<?, ?>)) {
            throw new InfuseException("artifact-config", file + ": expected a JSON object");
        }
        return (Map<String, Object>) v;
    }

    private static int positiveInt(Path file, Map<String, Object> cfg, String key) {
        Object v = cfg.get(key);
        if (v == null) {
            throw missing(file, key, "the LoRA rank, a positive integer");
        }
        if (!(v instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 1) {
            throw bad(file, key, v, "a positive integer");
        }
        return n.intValue();
    }

    private static double number(Path file, Map<String, Object> cfg, String key, Double defaultValue) {
        Object v = cfg.get(key);
        if (v == null) {
            if (defaultValue == null) {
                throw missing(file, key, "a number");
            }
            return defaultValue;
        }
        if (!(v instanceof Number n)) {
            throw bad(file, key, v, "a number");
        }
        return n.doubleValue();
    }

    private static List<String> strings(Path file, Map<String, Object> cfg, String key) {
        Object v = cfg.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
            return l.stream().map(String.class::cast).toList();
        }
        throw bad(file, key, v, "null or a list of strings");
    }

    private static Pattern compile(Path file, String key, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw bad(file, key, regex, "a regular expression (" + e.getDescription() + ")");
        }
    }

    private static String siteOf(String module) {
        return MODULES.entrySet().stream().filter(e -> e.getValue().equals(module)).findFirst().orElseThrow().getKey();
    }

    private static int indexOf(String site) {
        return new ArrayList<>(MODULES.keySet()).indexOf(site);
    }

    private static String site(int index) {
        return new ArrayList<>(MODULES.keySet()).get(index);
    }

    private static String describe(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    private static String quote(Object v) {
        return v == null ? "null" : scalar(v);
    }

    private static InfuseException missing(Path file, String key, String expected) {
        return new InfuseException("artifact-config", file + ": key '" + key + "' is missing; expected " + expected);
    }

    private static InfuseException bad(Path file, String key, Object value, String expected) {
        return new InfuseException("artifact-config", file + ": key '" + key + "' is " + quote(value) + "; expected " + expected);
    }

    private static InfuseException unsupported(Path file, String key, String what) {
        return new InfuseException("artifact-unsupported", file + ": key '" + key + "' " + what);
    }
}
