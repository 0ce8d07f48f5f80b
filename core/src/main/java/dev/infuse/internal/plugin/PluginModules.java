package dev.infuse.internal.plugin;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import com.google.inject.spi.Element;
import com.google.inject.spi.Elements;
import com.google.inject.spi.Message;
import dev.infuse.api.PluginInfo;
import dev.infuse.spi.InfuseException;
import dev.infuse.spi.InfusePlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Builds the runtime's injector from the host's modules plus every plugin's
 * {@link InfusePlugin#guiceModule()}, so that a failure is reported with the plugin's name.
 */
public final class PluginModules {
    /** A plugin together with its provider, as the registry holds it. */
    public record Contribution(PluginInfo info, InfusePlugin provider) {}

    private PluginModules() {}

    /**
     * @throws InfuseException {@code plugin-guice-module} naming the plugin whose module failed to
     *     configure, or whose bindings conflict with the host's or another plugin's
     */
    public static Injector createInjector(List<Module> hostModules, List<Contribution> plugins) {
        List<Module> modules = new ArrayList<>(hostModules);
        List<Attributed> attributed = new ArrayList<>();
        for (Contribution c : plugins) {
            String who = c.info().describe();
            Optional<Module> module;
            try {
                module = ContextClassLoader.callAs(c.provider(), c.provider()::guiceModule);
            } catch (RuntimeException | LinkageError e) {
                throw new InfuseException("plugin-guice-module", who + " failed in guiceModule(): "
                        + ProviderScanner.describe(e), e);
            }
            if (module == null || module.isEmpty()) {
                continue;
            }
            Module m = module.get();
            // Record the module's bindings on its own first: errors thrown by its configure() are then
            // attributed to this plugin, and configure() runs only once.
            List<Element> elements = ContextClassLoader.callAs(c.provider(), () -> Elements.getElements(Stage.DEVELOPMENT, m));
            List<Message> errors = elements.stream().filter(Message.class::isInstance).map(Message.class::cast).toList();
            if (!errors.isEmpty()) {
                throw new InfuseException("plugin-guice-module", who + ": its Guice module "
                        + m.getClass().getName() + " failed to configure: " + messages(errors), errorCause(errors));
            }
            modules.add(Elements.getModule(elements));
            attributed.add(new Attributed(who, m.getClass().getName()));
        }
        try {
            return Guice.createInjector(Stage.DEVELOPMENT, modules);
        } catch (CreationException e) {
            List<String> blamed = attributed.stream()
                    .filter(a -> mentions(e, a.moduleClass()))
                    .map(Attributed::who)
                    .toList();
            String whose = blamed.isEmpty() ? "the runtime's Guice modules" : String.join(" and ", blamed);
            throw new InfuseException("plugin-guice-module", "cannot install the Guice module of " + whose
                    + ": " + messages(List.copyOf(e.getErrorMessages())), e);
        }
    }

    private record Attributed(String who, String moduleClass) {}

    private static boolean mentions(CreationException e, String moduleClass) {
        // Guice's full report lists where each clashing binding was made, by module class.
        return Pattern.compile(Pattern.quote(moduleClass) + "(?![\\w$])").matcher(e.getMessage()).find();
    }

    private static String messages(List<Message> errors) {
        return errors.stream().map(Message::getMessage).collect(Collectors.joining("; "));
    }

    private static Throwable errorCause(List<Message> errors) {
        return errors.stream().map(Message::getCause).filter(t -> t != null).findFirst().orElse(null);
    }
}
