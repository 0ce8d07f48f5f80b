package dev.infuse.internal.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin from the plugins folder (Trino's layout): classes of the shared
 * packages ({@link #SHARED_PACKAGES}) come from the host, so that the plugin and the host agree on
 * the SPI types; everything else is loaded child-first from the plugin's own jars and, failing that,
 * from the platform class loader. The host's other libraries are invisible to the plugin, so a
 * plugin may bundle its own version of any of them.
 */
public final class PluginClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    /**
     * Package prefixes the host shares with every plugin: the Infuse SPI and API, and the
     * libraries that appear in the SPI's signatures.
     */
    public static final List<String> SHARED_PACKAGES = List.of(
            "java.", "javax.",
            "dev.infuse.spi.", "dev.infuse.nn.", "dev.infuse.text.", "dev.infuse.api.",
            "org.tensorflow.", "com.google.inject.", "jakarta.inject.", "org.slf4j.");

    private final ClassLoader host;
    private final String origin;

    /**
     * @param origin the jar or folder the plugin came from, for messages
     * @param urls the plugin's jars
     * @param host the loader that supplies the shared packages
     */
    public PluginClassLoader(String origin, List<URL> urls, ClassLoader host) {
        super("infuse-plugin[" + origin + "]", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        this.host = host;
        this.origin = origin;
    }

    /** The jar or folder this loader reads. */
    public String origin() {
        return origin;
    }

    /** Whether a class (binary name) is taken from the host rather than from the plugin's jars. */
    public static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSharedResource(String resource) {
        int slash = resource.lastIndexOf('/');
        // Only class files and resources inside a shared package; META-INF/services etc. stay local.
        return slash > 0 && isShared(resource.substring(0, slash).replace('/', '.') + ".");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return host.loadClass(name);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException notInPlugin) {
                    c = getParent().loadClass(name);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        if (isSharedResource(name)) {
            return host.getResource(name);
        }
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (isSharedResource(name)) {
            return host.getResources(name);
        }
        List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    @Override
    public String toString() {
        return getName();
    }
}
