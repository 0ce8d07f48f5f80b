package dev.infuse.tasks;

import dev.infuse.api.PluginInfo;
import dev.infuse.api.PluginRegistry;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.PluginConfig;
import dev.infuse.spi.PluginContext;
import dev.infuse.spi.PluginKind;
import dev.infuse.spi.Task;
import dev.infuse.tasks.declarative.TaskFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Where a run finds its task: a {@link dev.infuse.spi.TaskProvider} plugin by name (built-in or from a
 * plugin jar), or a declarative task file ({@code my-task.yaml}, see {@code docs/TASKS.md}) given by
 * path or found by name in an include folder ({@code --include-tasks DIR}).
 */
public final class Tasks {
    private static Tasks builtIn;

    private final PluginRegistry registry;
    private final List<Path> includes;

    private Tasks(PluginRegistry registry, List<Path> includes) {
        this.registry = registry;
        this.includes = List.copyOf(includes);
    }

    /** Tasks of {@code registry} plus task files in {@code includes} (each file {@code <name>.yaml}, {@code .yml} or {@code .json}). */
    public static Tasks of(PluginRegistry registry, List<Path> includes) {
        for (Path dir : includes) {
            if (!Files.isDirectory(dir)) {
                throw new InfuseException("data-missing", "task include folder " + dir + " does not exist; expected a folder "
                        + "of task files (<name>.yaml)");
            }
        }
        return new Tasks(registry, includes);
    }

    /** The tasks found on the module and class path (no plugins folder), for parsing without a runtime. */
    public static synchronized Tasks builtIn() {
        if (builtIn == null) {
            builtIn = new Tasks(PluginRegistry.builder().withoutPluginsDirectory().build(), List.of());
        }
        return builtIn;
    }

    /** This lookup with more include folders. */
    public Tasks including(List<Path> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<Path> all = new ArrayList<>(includes);
        all.addAll(more);
        return of(registry, all);
    }

    /** Whether {@code ref} names a task file rather than a plugin (it ends in .yaml, .yml or .json). */
    public static boolean isFile(String ref) {
        String r = ref.toLowerCase(Locale.ROOT);
        return r.endsWith(".yaml") || r.endsWith(".yml") || r.endsWith(".json");
    }

    /**
     * The task {@code ref} (a name, or a task file's path) with {@code options}.
     *
     * @throws InfuseException {@code config-unknown-task} naming the known tasks; the task's own errors
     */
    public Task create(String ref, Map<String, Object> options) {
        Path file = file(ref);
        PluginConfig config = PluginConfig.of("task '" + ref + "'", options == null ? Map.of() : options);
        if (file != null) {
            Task t = TaskFile.read(file, config);
            config.requireAllConsumed();
            return t;
        }
        if (!registry.available(PluginKind.TASK).contains(ref)) {
            String hint = PluginConfig.closest(ref, names());
            throw new InfuseException("config-unknown-task", "unknown task '" + ref + "'" + (hint == null ? "" : " (did you mean '"
                    + hint + "'?)") + "; tasks: " + String.join(", ", names()) + "; a task file must end in .yaml, .yml or .json");
        }
        return registry.createTask(ref, config, CONTEXT);
    }

    /** Whether {@code ref} is a known task (a plugin, a task file, or a file in an include folder). */
    public boolean exists(String ref) {
        return file(ref) != null || registry.available(PluginKind.TASK).contains(ref);
    }

    private Path file(String ref) {
        if (isFile(ref)) {
            Path p = Path.of(ref);
            if (!Files.isRegularFile(p)) {
                throw new InfuseException("data-missing", "task file " + p + " does not exist");
            }
            return p;
        }
        for (Path dir : includes) {
            for (String ext : List.of(".yaml", ".yml", ".json")) {
                Path p = dir.resolve(ref + ext);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** The names of every known task: plugins and the include folders' files. */
    public List<String> names() {
        TreeSet<String> all = new TreeSet<>(registry.available(PluginKind.TASK));
        for (Path dir : includes) {
            try (var files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString()).filter(Tasks::isFile)
                        .forEach(n -> all.add(n.substring(0, n.lastIndexOf('.'))));
            } catch (java.io.IOException e) {
                throw new InfuseException("data-missing", "cannot list task folder " + dir + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(all);
    }

    /** Name, version and origin of every task plugin. */
    public List<PluginInfo> plugins() {
        return registry.plugins().stream().filter(i -> i.kind() == PluginKind.TASK).toList();
    }

    /** Where the data of a run comes from: explicit files win over the data folder's defaults. */
    public record DataFiles(Path train, Path dev) {}

    /** Resolves a task's training and (optional) development files. */
    public static DataFiles resolve(Task task, Path dataDir, Path train, Path dev) {
        Task.DataSource d = task.data();
        if (!d.readsFiles()) {
            if (train != null || dev != null) {
                throw new InfuseException("usage", "task '" + task.name() + "' has its data built in and reads no files; drop --"
                        + (train != null ? "train" : "dev"));
            }
            return new DataFiles(null, null);
        }
        if (train == null && d.builtIn()) {
            return new DataFiles(null, dev);
        }
        Path t = train != null ? train : defaultFile(task, dataDir, d.train(), "training");
        Path v = dev != null ? dev : d.dev() == null || (dataDir == null && train != null) ? null
                : defaultFile(task, dataDir, d.dev(), "development");
        return new DataFiles(t, v);
    }

    /** Whether a task needs a data folder when no training file is given (built-in data and absolute paths do not). */
    public static boolean needsDataFolder(Task task) {
        String train = task.data().train();
        return !task.data().builtIn() && !(train != null && Path.of(train).isAbsolute());
    }

    private static Path defaultFile(Task task, Path dataDir, String relative, String what) {
        if (relative == null) {
            throw new InfuseException("usage", "task '" + task.name() + "' has no default " + what + " file; give one with --"
                    + (what.equals("training") ? "train" : "dev"));
        }
        if (Path.of(relative).isAbsolute()) {
            dataDir = Path.of("/");
        }
        if (dataDir == null) {
            throw new InfuseException("usage", "task '" + task.name() + "' needs --data DIR (a folder with " + relative + ") or --"
                    + (what.equals("training") ? "train" : "dev") + " FILE");
        }
        Path p = dataDir.resolve(relative);
        if (!Files.exists(p)) {
            throw new InfuseException("data-missing", "task '" + task.name() + "': " + what + " file " + p
                    + " does not exist; expected the layout <data>/" + relative);
        }
        return p;
    }

    /** Tasks need no runtime services: their context offers a temporary folder and no services. */
    private static final PluginContext CONTEXT = new PluginContext() {
        @Override
        public Path cacheDirectory() {
            return Path.of(System.getProperty("java.io.tmpdir"), "infuse-tasks");
        }

        @Override
        public long seed() {
            return 0;
        }

        @Override
        public <T> T service(Class<T> type) {
            throw new InfuseException("plugin-failed", "tasks get no runtime services (asked for " + type.getName() + ")");
        }
    };
}
