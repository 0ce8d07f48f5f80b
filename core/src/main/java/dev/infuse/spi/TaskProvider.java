package dev.infuse.spi;

/**
 * Discovers and creates a {@link Task}: a data set with its featurisation, head and metric. Tasks are
 * plugins like backbones, adapters and fusions — found on the module path, the class path and in the
 * plugins folder, with the same {@linkplain Spi version handshake} — so a researcher can compare
 * injection methods on data Infuse does not ship.
 *
 * <p>Declare it as {@code provides dev.infuse.spi.TaskProvider with ...} in {@code module-info.java}
 * and in {@code META-INF/services/dev.infuse.spi.TaskProvider}. The provider's {@link #name()} is the
 * task's name ({@code infuse eval --task NAME}). For the common shapes (sentence or pair classification,
 * entity typing, relation classification with marked spans, cloze probes) a task file needs no code:
 * see {@code docs/TASKS.md}.
 */
public interface TaskProvider extends InfusePlugin {

    /**
     * Creates the task.
     *
     * @param options the task's options (e.g. {@code markers}); read them through the getters, which
     *     consume them: a key nobody read is an error
     */
    Task create(PluginConfig options, PluginContext context);
}
