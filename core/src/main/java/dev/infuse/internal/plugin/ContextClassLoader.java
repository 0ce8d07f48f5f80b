package dev.infuse.internal.plugin;

import java.util.function.Supplier;

/**
 * Runs plugin code with the thread context class loader set to the plugin's own loader (Trino's
 * rule): libraries inside the plugin that look resources or services up through the context
 * loader then find the plugin's copies, not the host's.
 */
public final class ContextClassLoader {
    private ContextClassLoader() {}

    /** Calls {@code action} with {@code loader} as context class loader, restoring the previous one. */
    public static <T> T call(ClassLoader loader, Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        if (loader == null || loader == previous) {
            return action.get();
        }
        thread.setContextClassLoader(loader);
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Calls {@code action} with the loader that defined {@code pluginObject}'s class. */
    public static <T> T callAs(Object pluginObject, Supplier<T> action) {
        return call(pluginObject.getClass().getClassLoader(), action);
    }
}
